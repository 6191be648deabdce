WITH facts AS (
    -- provincial reports: the code is valid at the end of the reporting year
    SELECT s.current_province_code, s.province_code AS former_code, s.reference_date, s.reference_year AS year,
           s.indicator_code, s.breakdown, s.value
    FROM core.fct_statistic AS s
    UNION ALL
    -- S&T tasks in the CSDL, by the province of the host at the start date
    SELECT t.current_province_code, t.province_code, t.start_date, t.start_year, 'CSDL_NV', d.breakdown, 1
    FROM core.fct_task AS t,
        unnest(['tong', 'cap:' || t.level] || CASE WHEN t.field_code IS NULL THEN [] ELSE ['linh_vuc:' || substr(t.field_code, 1, 1)] END)
            AS d(breakdown)
    WHERE t.current_province_code IS NOT NULL
    UNION ALL
    SELECT t.current_province_code, t.province_code, t.start_date, t.start_year, 'CSDL_KP', 'tong', t.budget_total_vnd / 1e6
    FROM core.fct_task AS t
    WHERE t.current_province_code IS NOT NULL
    UNION ALL
    -- S&T organisations in the CSDL existing in each year, by current province (no former code is known)
    SELECT o.province_code, NULL, make_date(y.year, 12, 31), y.year, 'CSDL_TC', d.breakdown, 1
    FROM core.dim_organization AS o
    JOIN (SELECT DISTINCT reference_year AS year FROM core.fct_statistic) AS y ON o.established_year <= y.year,
        unnest(['tong', 'loai_hinh:' || o.org_type, 'so_huu:' || o.ownership]
               || CASE WHEN o.field_code IS NULL THEN [] ELSE ['linh_vuc:' || substr(o.field_code, 1, 1)] END)
            AS d(breakdown)
    WHERE o.province_code IS NOT NULL
    UNION ALL
    -- publications whose first author is linked to an organisation with a known province
    SELECT o.province_code, NULL, make_date(p.year, 12, 31), p.year, 'CSDL_CB', d.breakdown, 1
    FROM core.fct_publication AS p
    JOIN core.bridge_publication_author AS a ON a.publication_id = p.publication_id AND a.author_position = 1
    JOIN core.dim_organization AS o ON o.org_id = a.org_id,
        unnest(['tong'] || CASE WHEN p.field_code IS NULL THEN [] ELSE ['linh_vuc:' || substr(p.field_code, 1, 1)] END)
            AS d(breakdown)
    WHERE o.province_code IS NOT NULL
),
by_unit AS (
    SELECT '34' AS unit_set, current_province_code AS province_code, year, indicator_code, breakdown, sum(value) AS value
    FROM facts
    GROUP BY ALL
    UNION ALL
    SELECT '63', former_code, year, indicator_code, breakdown, sum(value)
    FROM facts
    WHERE reference_date < DATE '2025-07-01' AND former_code IS NOT NULL
    GROUP BY ALL
    UNION ALL
    SELECT 'national', '00', year, indicator_code, breakdown, sum(value)
    FROM facts
    GROUP BY ALL
)
SELECT
    u.unit_set,
    u.province_code,
    coalesce(p.name, 'Toàn quốc') AS province_name,
    u.year,
    u.indicator_code,
    i.name_vi AS indicator_name,
    u.breakdown,
    i.unit,
    u.value,
    i.source
FROM by_unit AS u
JOIN core.dim_indicator AS i ON i.indicator_code = u.indicator_code
LEFT JOIN core.dim_province AS p
    ON p.province_code = u.province_code AND p.is_current = (u.unit_set = '34') AND u.unit_set <> 'national'
