-- 4. What did the country spend on S&T each year, by source of funds (million VND)?
-- vi: 4. Cả nước chi cho KH&CN bao nhiêu mỗi năm, theo nguồn kinh phí (triệu đồng)?
SELECT i.year, b.label_en AS source_of_funds, b.label_vi AS nguon_kinh_phi, i.value AS million_vnd
FROM marts.indicators_by_province_year i JOIN core.code_breakdown b ON b.code = i.breakdown
WHERE i.unit_set = 'national' AND i.indicator_code = '0301' AND i.breakdown <> 'tong'
ORDER BY i.year, i.breakdown
