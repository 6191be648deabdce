SELECT
    r.source_system,
    r.source_id,
    r.task_source_id,
    TRY_CAST(r.acceptance_date AS DATE) AS acceptance_date,
    r.registration_number,
    TRY_CAST(r.registration_date AS DATE) AS registration_date,
    r.result_type,
    r.updated_at,
    r._dlt_load_id,
    CASE
        -- a record the source could not read (sources/ministries: parse_error, raw_text)
        WHEN r.parse_error IS NOT NULL THEN r.parse_error
        WHEN r.task_source_id IS NULL THEN 'result names no task'
        WHEN TRY_CAST(r.acceptance_date AS DATE) IS NULL THEN 'acceptance_date ' || coalesce(r.acceptance_date, '(blank)') || ' is not a date (YYYY-MM-DD)'
    END AS reject_reason,
    to_json(r) AS raw_record
FROM raw_ministries.task_results AS r
