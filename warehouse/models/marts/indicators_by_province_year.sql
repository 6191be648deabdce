-- Main S&T indicators per province and year: for the 34 current units (all years, former provinces rolled up
-- through dim_province) and for the 63 former provinces (years before the 1 July 2025 merger).
-- vi: Các chỉ tiêu KH&CN chính theo tỉnh và năm: cho 34 đơn vị hiện nay (mọi năm) và 63 tỉnh cũ (các năm trước sáp nhập 1/7/2025).
WITH reported AS (
    SELECT s.*, p.successor_code
    FROM core.fct_statistic AS s
    JOIN core.dim_province AS p
        ON p.province_code = s.province_code
        AND s.reference_date BETWEEN p.valid_from AND coalesce(p.valid_to, DATE '9999-12-31')
),
tasks AS (
    SELECT
        current_province_code AS successor_code,
        province_code,
        start_year AS reference_year,
        start_date < DATE '2025-07-01' AS before_merger,
        level,
        substr(field_code, 1, 1) AS field_l1,
        budget_total_vnd
    FROM core.fct_task
    WHERE current_province_code IS NOT NULL
),
all_rows AS (
    SELECT '34' AS unit_set, successor_code AS province_code, reference_year AS year, indicator_code, breakdown,
           unit, value, 'provincial_report' AS source
    FROM reported
    UNION ALL
    SELECT '63', province_code, reference_year, indicator_code, breakdown, unit, value, 'provincial_report'
    FROM reported
    WHERE reference_date < DATE '2025-07-01'
    UNION ALL
    SELECT '34', successor_code, reference_year, 'CSDL_NV', 'tong', 'nhiệm vụ', 1, 'csdl_tasks' FROM tasks
    UNION ALL
    SELECT '34', successor_code, reference_year, 'CSDL_NV', 'cap:' || level, 'nhiệm vụ', 1, 'csdl_tasks' FROM tasks
    UNION ALL
    SELECT '34', successor_code, reference_year, 'CSDL_NV', 'linh_vuc:' || field_l1, 'nhiệm vụ', 1, 'csdl_tasks'
    FROM tasks WHERE field_l1 IS NOT NULL
    UNION ALL
    SELECT '34', successor_code, reference_year, 'CSDL_KP', 'tong', 'triệu đồng', budget_total_vnd / 1e6, 'csdl_tasks'
    FROM tasks
    UNION ALL
    SELECT '63', province_code, reference_year, 'CSDL_NV', 'tong', 'nhiệm vụ', 1, 'csdl_tasks'
    FROM tasks WHERE before_merger
)
SELECT
    a.unit_set,
    a.province_code,
    p.name AS province_name,
    a.year,
    a.indicator_code,
    a.breakdown,
    a.unit,
    sum(a.value) AS value,
    a.source
FROM all_rows AS a
LEFT JOIN core.dim_province AS p
    ON p.province_code = a.province_code AND p.is_current = (a.unit_set = '34')
GROUP BY ALL
