SELECT
    t.source_system,
    t.source_id,
    'NV-' || substr(md5(t.source_system || '/' || t.source_id), 1, 12) AS task_id,
    t.code,
    t.title AS title_received,
    vi_normalize(t.title) AS title,
    upper(t.level) AS level,
    t.form,
    t.managing_body,
    t.host_org_id AS host_org_source_id,
    vi_normalize(t.host_org_name) AS host_org_name,
    t.pi_id AS pi_source_id,
    vi_normalize(t.pi_name) AS pi_name,
    t.field_code,
    t.budget_state_vnd,
    t.budget_other_vnd,
    TRY_CAST(t.start_date AS DATE) AS start_date,
    TRY_CAST(t.end_date AS DATE) AS end_date,
    t.status,
    t.province_code,
    p.successor_code AS current_province_code,
    t.updated_at,
    t._dlt_load_id,
    CASE
        -- a record the source could not read (sources/ministries: parse_error, raw_text)
        WHEN t.parse_error IS NOT NULL THEN t.parse_error
        WHEN t.title IS NULL OR trim(t.title) = '' THEN 'task has no title'
        -- a clock or a typo sets a time in the future: the cursor stops at the request time, the record stops here
        WHEN t.updated_at > to_timestamp(TRY_CAST(t._dlt_load_id AS DOUBLE)) + INTERVAL 1 DAY
            THEN 'updated_at ' || CAST(t.updated_at AS VARCHAR) || ' is in the future (more than a day after the record was received); ask the sender to correct it'
        WHEN TRY_CAST(t.start_date AS DATE) IS NULL THEN 'start_date ' || coalesce(t.start_date, '(blank)') || ' is not a date (YYYY-MM-DD)'
        WHEN t.end_date IS NOT NULL AND TRY_CAST(t.end_date AS DATE) IS NULL THEN 'end_date ' || t.end_date || ' is not a date (YYYY-MM-DD)'
        WHEN t.level IS NULL OR upper(t.level) NOT IN (SELECT level_code FROM staging.task_levels) THEN 'task level ' || coalesce(t.level, '(blank)') || ' is not one of QG, BO, TINH, CS'
        WHEN t.province_code IS NOT NULL AND p.province_code IS NULL
            THEN 'province code ' || t.province_code || ' was not valid on the start date ' || t.start_date
    END AS reject_reason,
    to_json(t) AS raw_record
FROM raw_ministries.tasks AS t
LEFT JOIN staging.provinces AS p
    ON p.province_code = t.province_code
    AND TRY_CAST(t.start_date AS DATE) BETWEEN p.valid_from AND coalesce(p.valid_to, DATE '9999-12-31')
