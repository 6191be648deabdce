-- 2. How many publications are there by field of S&T and year?
-- vi: 2. Có bao nhiêu công bố theo lĩnh vực KH&CN và năm?
SELECT f.name_vi AS field, p.year, count(*) AS publications
FROM core.fct_publication p
JOIN core.dim_field f ON f.field_code = substr(p.field_code, 1, 1)
GROUP BY ALL ORDER BY field, p.year
