SELECT DISTINCT
    m.org_id,
    o.name AS alias,
    o.name_received AS alias_received,
    o.source_system,
    o.source_id
FROM staging.ministry_organizations AS o
JOIN staging.organization_matches AS m USING (source_system, source_id)
