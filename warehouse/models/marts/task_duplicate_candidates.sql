SELECT
    d.cluster_id,
    d.score,
    a.task_id AS task_id_a,
    b.task_id AS task_id_b,
    a.title AS title_a,
    b.title AS title_b,
    a.managing_body AS managing_body_a,
    b.managing_body AS managing_body_b,
    a.current_managing_body AS current_managing_body_a,
    b.current_managing_body AS current_managing_body_b,
    a.level AS level_a,
    b.level AS level_b,
    a.start_year AS start_year_a,
    b.start_year AS start_year_b,
    a.host_org_id AS host_org_id_a,
    b.host_org_id AS host_org_id_b,
    a.pi_researcher_id AS pi_researcher_id_a,
    b.pi_researcher_id AS pi_researcher_id_b,
    a.budget_total_vnd + b.budget_total_vnd AS budget_total_vnd_both,
    d.title_similarity,
    d.same_pi,
    d.reasons_vi,
    d.reasons_en,
    a.source_system || ':' || a.source_id AS source_a,
    b.source_system || ':' || b.source_id AS source_b
FROM staging.task_duplicate_pairs AS d
JOIN core.fct_task AS a ON a.source_system = d.source_system_a AND a.source_id = d.source_id_a
JOIN core.fct_task AS b ON b.source_system = d.source_system_b AND b.source_id = d.source_id_b
