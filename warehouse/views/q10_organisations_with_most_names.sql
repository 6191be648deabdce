-- 10. Which organisations are registered under the most different names?
-- vi: 10. Những tổ chức nào được đăng ký dưới nhiều tên khác nhau nhất?
SELECT o.name, count(DISTINCT a.alias_received) AS names, list(DISTINCT a.alias_received) AS written_as
FROM core.organization_alias a JOIN core.dim_organization o USING (org_id)
GROUP BY ALL HAVING count(DISTINCT a.alias_received) > 1 ORDER BY names DESC LIMIT 10
