-- 5. Which provinces reported late, or not at all, for the latest reporting year?
-- vi: 5. Những tỉnh nào nộp báo cáo muộn, hoặc chưa nộp, cho năm báo cáo gần nhất?
SELECT province_code, province_name, form_code, status, deadline, first_report_date
FROM marts.reporting_completeness
WHERE status <> 'on_time' AND year = (SELECT max(year) FROM marts.reporting_completeness)
ORDER BY status, province_code, form_code
