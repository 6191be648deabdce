-- Every name under which a source registers an organisation, with the organisation it resolves to.
-- vi: Mọi tên mà các nguồn dùng cho một tổ chức, cùng tổ chức mà tên đó được quy về.
SELECT DISTINCT
    org_id,
    name AS alias,
    name_received AS alias_received,
    source_system,
    source_id
FROM staging.ministry_organizations
