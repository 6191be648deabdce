-- 7. Which ten host organisations receive the most state funding for S&T tasks?
-- vi: 7. Mười tổ chức chủ trì nào nhận nhiều kinh phí ngân sách nhà nước nhất cho nhiệm vụ KH&CN?
SELECT o.name, k.label_vi AS org_type, count(*) AS tasks, round(sum(t.budget_state_vnd) / 1e9, 1) AS state_budget_bn_vnd
FROM core.fct_task t JOIN core.dim_organization o ON o.org_id = t.host_org_id
JOIN core.code_org_type k ON k.code = o.org_type
GROUP BY ALL ORDER BY state_budget_bn_vnd DESC LIMIT 10
