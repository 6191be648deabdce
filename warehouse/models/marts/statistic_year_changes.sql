WITH used AS (
    SELECT r.current_province_code, r.reference_year, r.indicator_code, r.breakdown, r.value,
           r.file_name || ' (dòng/row ' || CAST(r.row_number AS VARCHAR) || ')' AS place
    FROM staging.province_report_rows AS r
    JOIN core.fct_statistic AS s USING (report_id, indicator_code, breakdown)
),
by_unit AS (
    SELECT current_province_code AS province_code, reference_year AS year, indicator_code, breakdown,
           sum(value) AS value, string_agg(place, ', ' ORDER BY place) AS reported_in
    FROM used
    GROUP BY ALL
)
SELECT
    c.province_code,
    c.year,
    c.indicator_code,
    c.breakdown,
    c.value,
    p.value AS previous_value,
    c.reported_in,
    CASE
        WHEN c.breakdown = 'tong' AND p.value > 0 AND c.value > 0 AND (c.value > 10 * p.value OR c.value * 10 < p.value) THEN
            'giá trị ' || CAST(round(c.value, 2) AS VARCHAR) || ' so với ' || CAST(round(p.value, 2) AS VARCHAR)
            || ' năm trước (gấp ' || CAST(round(c.value / p.value, 2) AS VARCHAR) || ' lần), tại ' || c.reported_in
            || ' / value ' || CAST(round(c.value, 2) AS VARCHAR) || ' against ' || CAST(round(p.value, 2) AS VARCHAR)
            || ' the year before (x' || CAST(round(c.value / p.value, 2) AS VARCHAR) || '), in ' || c.reported_in
    END AS warning
FROM by_unit AS c
JOIN by_unit AS p
    ON p.province_code = c.province_code AND p.year = c.year - 1
    AND p.indicator_code = c.indicator_code AND p.breakdown = c.breakdown
