WITH latest AS (
    SELECT province_code, reference_year, form_code,
           arg_max(report_id, (revision, report_date, received_at)) AS report_id
    FROM staging.province_report_rows
    GROUP BY ALL
)
SELECT
    r.province_code,
    r.reference_year,
    r.reference_date,
    r.current_province_code,
    r.form_code,
    r.indicator_code,
    r.breakdown,
    r.value,
    r.unit,
    r.report_id,
    r.report_date
FROM staging.province_report_rows AS r
JOIN latest USING (province_code, reference_year, form_code, report_id)
