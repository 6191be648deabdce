-- Rows of provincial report files, one per indicator and breakdown, with the file they came from.
-- incremental: source_id
SELECT
    'province:' || r.province_code AS source_system,
    r.file_sha256 || '#' || CAST(r.row_number AS VARCHAR) AS source_id,  -- the raw merge key, so the incremental key
    r.file_sha256 AS report_id,
    r.file_name,
    r.received_at,
    r.form_code,
    r.province_code,
    r.reference_year,
    make_date(r.reference_year, 12, 31) AS reference_date,
    r.report_date,
    r.revision,
    r.row_number,
    r.indicator_code,
    r.breakdown,
    r.unit,
    r.value,
    p.successor_code AS current_province_code,
    r._dlt_load_id,
    CASE
        WHEN p.province_code IS NULL
            THEN 'province code ' || r.province_code || ' was not valid at the end of ' || CAST(r.reference_year AS VARCHAR)
        WHEN r.value IS NULL THEN 'value ''' || coalesce(r.value_text, '') || ''' of indicator ' || r.indicator_code || ' is not a number'
        WHEN r.value < 0 THEN 'value of indicator ' || r.indicator_code || ' is negative'
    END AS reject_reason,
    to_json(r) AS raw_record
FROM raw_provinces.report_rows AS r
LEFT JOIN staging.provinces AS p
    ON p.province_code = r.province_code
    AND make_date(r.reference_year, 12, 31) BETWEEN p.valid_from AND coalesce(p.valid_to, DATE '9999-12-31')
