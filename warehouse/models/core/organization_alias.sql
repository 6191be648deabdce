-- Every name under which a source registers an organisation, with the organisation it resolves to.
SELECT DISTINCT
    org_id,
    name AS alias,
    name_received AS alias_received,
    source_system,
    source_id
FROM staging.ministry_organizations
