-- 8. How are researchers distributed by highest degree and sex?
-- vi: 8. Nhà nghiên cứu phân bố theo trình độ cao nhất và giới tính như thế nào?
SELECT d.label_en AS highest_degree, d.label_vi AS trinh_do, s.label_en AS sex, s.label_vi AS gioi_tinh, count(*) AS researchers
FROM core.dim_researcher r
LEFT JOIN core.code_highest_degree d ON d.code = r.highest_degree
LEFT JOIN core.code_sex s ON s.code = r.sex
GROUP BY ALL ORDER BY highest_degree, sex
