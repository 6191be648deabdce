-- Every name under which a source registers an organisation, with the organisation it resolves to.
-- vi: Mọi tên mà các nguồn dùng cho một tổ chức, cùng tổ chức mà tên đó được quy về.
SELECT DISTINCT
    m.org_id,
    o.name AS alias,
    o.name_received AS alias_received,
    o.source_system,
    o.source_id
FROM staging.ministry_organizations AS o
JOIN staging.organization_matches AS m USING (source_system, source_id)
