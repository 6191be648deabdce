WITH years AS (
    SELECT DISTINCT reference_year AS year FROM staging.province_report_files
    WHERE reference_year BETWEEN 2000 AND year(current_date)
),
forms AS (
    SELECT DISTINCT form_code FROM staging.report_template
),
expected AS (
    SELECT y.year, p.province_code, p.name AS province_name, p.successor_code, f.form_code,
           -- no default here: unset (not built through the warehouse asset), the deadline is empty and the
           -- table's blocking not_null check on it fails
           CAST(CAST(y.year + 1 AS VARCHAR) || '-' || getvariable('reporting_deadline') AS DATE) AS deadline
    FROM years AS y
    JOIN core.dim_province AS p ON make_date(y.year, 12, 31) BETWEEN p.valid_from AND coalesce(p.valid_to, DATE '9999-12-31')
    CROSS JOIN forms AS f
),
received AS (
    SELECT province_code, reference_year AS year, form_code,
           min(coalesce(report_date, CAST(received_at AS DATE))) AS first_report_date,
           max(coalesce(report_date, CAST(received_at AS DATE))) AS latest_report_date,
           count(DISTINCT report_id) AS submissions
    FROM staging.province_report_rows
    GROUP BY ALL
),
held AS (
    SELECT province_code, reference_year AS year, form_code, count(*) AS held_files
    FROM staging.province_report_files
    WHERE status = 'held' AND province_code IS NOT NULL
    GROUP BY ALL
)
SELECT
    e.province_code,
    e.province_name,
    e.successor_code,
    e.year,
    e.form_code,
    e.deadline,
    r.first_report_date,
    r.latest_report_date,
    coalesce(r.submissions, 0) AS submissions,
    coalesce(h.held_files, 0) AS held_files,
    CASE
        WHEN r.first_report_date IS NULL AND h.held_files > 0 THEN 'held'
        WHEN r.first_report_date IS NULL AND current_date <= e.deadline THEN 'not_due'
        WHEN r.first_report_date IS NULL THEN 'missing'
        WHEN r.first_report_date <= e.deadline THEN 'on_time'
        ELSE 'late'
    END AS status
FROM expected AS e
LEFT JOIN received AS r USING (province_code, year, form_code)
LEFT JOIN held AS h USING (province_code, year, form_code)
