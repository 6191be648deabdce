-- 9. What share of accepted tasks registered their results within the 30 days the rules allow, by managing body?
-- vi: 9. Tỷ lệ nhiệm vụ đã nghiệm thu đăng ký kết quả trong 30 ngày theo quy định, theo cơ quan quản lý?
SELECT t.managing_body, count(*) AS accepted,
       round(avg((r.days_to_registration <= 30)::INTEGER) * 100, 1) AS pct_registered_within_30_days
FROM core.fct_task_result r JOIN core.fct_task t USING (task_id)
GROUP BY ALL ORDER BY accepted DESC
