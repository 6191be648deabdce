-- 1. How many S&T tasks started in each current province and year, and with what funding?
-- vi: 1. Mỗi đơn vị cấp tỉnh hiện nay có bao nhiêu nhiệm vụ KH&CN bắt đầu theo từng năm, với kinh phí bao nhiêu?
SELECT p.name AS province, t.start_year, count(*) AS tasks, round(sum(t.budget_total_vnd) / 1e9, 1) AS budget_bn_vnd
FROM core.fct_task t
JOIN core.dim_province p ON p.province_code = t.current_province_code AND p.is_current
GROUP BY ALL ORDER BY province, t.start_year
