SELECT
    o.source_system,
    o.source_id,
    o.name AS name_received,
    vi_normalize(o.name) AS name,
    nullif(trim(o.abbreviation), '') AS abbreviation,
    o.org_type,
    o.ownership,
    o.founding_authority,
    o.field_code,
    o.province_code,
    CAST(o.updated_at AS DATE) AS province_code_date,
    p.successor_code AS current_province_code,
    o.established_year,
    o.ror,
    o.updated_at,
    o._dlt_load_id,
    CASE
        -- a record the source could not read (sources/ministries: parse_error, raw_text)
        WHEN o.parse_error IS NOT NULL THEN o.parse_error
        WHEN o.name IS NULL OR trim(o.name) = '' THEN 'organisation has no name'
        WHEN o.province_code IS NOT NULL AND p.province_code IS NULL
            THEN 'province code ' || o.province_code || ' was not valid on ' || CAST(CAST(o.updated_at AS DATE) AS VARCHAR)
    END AS reject_reason,
    to_json(o) AS raw_record
FROM raw_ministries.organizations AS o
LEFT JOIN staging.provinces AS p
    ON p.province_code = o.province_code
    AND CAST(o.updated_at AS DATE) BETWEEN p.valid_from AND coalesce(p.valid_to, DATE '9999-12-31')
