SELECT
    r.source_system,
    r.source_id,
    r.full_name AS full_name_received,
    vi_normalize(r.full_name) AS full_name,
    -- the code list is decided here: a record with another value is quarantined, not left to fail core's check
    CASE lower(trim(vi_normalize(r.sex))) WHEN 'nam' THEN 'nam' WHEN 'nu' THEN 'nu' WHEN 'nữ' THEN 'nu' END AS sex,
    TRY_CAST(r.birth_date AS DATE) AS birth_date,
    r.birth_year,
    r.highest_degree,
    r.academic_title,
    r.org_id AS org_source_id,
    r.field_code,
    r.orcid,
    r.national_id,
    r.email,
    r.phone,
    r.updated_at,
    r._dlt_load_id,
    CASE
        -- a record the source could not read (sources/ministries: parse_error, raw_text)
        WHEN r.parse_error IS NOT NULL THEN r.parse_error
        WHEN r.full_name IS NULL OR trim(r.full_name) = '' THEN 'researcher has no name'
        WHEN r.birth_date IS NOT NULL AND TRY_CAST(r.birth_date AS DATE) IS NULL
            THEN 'birth_date ' || r.birth_date || ' is not a date (YYYY-MM-DD)'
        WHEN r.sex IS NOT NULL AND lower(trim(vi_normalize(r.sex))) NOT IN ('nam', 'nu', 'nữ')
            THEN 'sex ' || r.sex || ' is not one of nam, nu'
        -- a clock or a typo sets a time in the future: the cursor stops at the request time, the record stops here
        WHEN r.updated_at > to_timestamp(TRY_CAST(r._dlt_load_id AS DOUBLE)) + INTERVAL 1 DAY
            THEN 'updated_at ' || CAST(r.updated_at AS VARCHAR) || ' is in the future (more than a day after the record was received); ask the sender to correct it'
    END AS reject_reason,
    to_json(r) AS raw_record
FROM raw_ministries.researchers AS r
