SELECT
    t.task_id,
    t.code,
    t.title,
    t.level,
    t.form,
    t.managing_body,
    m.current_body_code AS current_managing_body,
    o.org_id AS host_org_id,
    r.researcher_id AS pi_researcher_id,
    t.field_code,
    t.budget_state_vnd,
    t.budget_other_vnd,
    coalesce(t.budget_state_vnd, 0) + coalesce(t.budget_other_vnd, 0) AS budget_total_vnd,
    t.start_date,
    t.end_date,
    year(t.start_date) AS start_year,
    t.status,
    t.province_code,
    t.start_date AS province_code_date,
    t.current_province_code,
    t.source_system,
    t.source_id
FROM staging.ministry_tasks AS t
LEFT JOIN staging.organization_matches AS o
    ON o.source_system = t.source_system AND o.source_id = t.host_org_source_id
LEFT JOIN core.dim_managing_body AS m ON m.body_code = t.managing_body
LEFT JOIN staging.researcher_matches AS r
    ON r.source_system = t.source_system AND r.source_id = t.pi_source_id
