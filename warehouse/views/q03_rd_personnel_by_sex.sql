-- 3. How many R&D personnel, women and men, does each current province report for the latest year?
-- vi: 3. Mỗi đơn vị cấp tỉnh hiện nay báo cáo bao nhiêu nhân lực nghiên cứu và phát triển, nữ và nam, trong năm gần nhất?
SELECT province_name, year,
       sum(value) FILTER (WHERE breakdown = 'gioi_tinh:nu') AS women,
       sum(value) FILTER (WHERE breakdown = 'gioi_tinh:nam') AS men
FROM marts.indicators_by_province_year
WHERE unit_set = '34' AND indicator_code = '0201'
  AND year = (SELECT max(year) FROM marts.indicators_by_province_year WHERE indicator_code = '0201')
GROUP BY ALL ORDER BY women + men DESC
