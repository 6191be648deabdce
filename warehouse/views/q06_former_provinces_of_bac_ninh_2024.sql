-- 6. How do the 2024 figures of the former provinces add up to the current Bắc Ninh (code 24 meant Bắc Giang before the merger)?
-- vi: 6. Số liệu năm 2024 của các tỉnh cũ cộng lại thành Bắc Ninh hiện nay như thế nào (mã 24 trước sáp nhập là Bắc Giang)?
SELECT i.province_code AS former_code, i.province_name AS former_province, i.indicator_name, i.value
FROM marts.indicators_by_province_year i
JOIN core.dim_province p ON p.province_code = i.province_code AND NOT p.is_current
WHERE i.unit_set = '63' AND i.year = 2024 AND p.successor_code = '24' AND i.breakdown = 'tong'
ORDER BY i.indicator_code, former_code
