SELECT
    t.task_id,
    r.acceptance_date,
    r.registration_number,
    r.registration_date,
    r.result_type,
    date_diff('day', r.acceptance_date, r.registration_date) AS days_to_registration,
    r.source_system,
    r.source_id
FROM staging.ministry_task_results AS r
JOIN staging.ministry_tasks AS t
    ON t.source_system = r.source_system AND t.source_id = r.task_source_id
