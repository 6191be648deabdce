WITH scored AS (
    SELECT
        m.org_id,
        o.*,
        (o.name <> strip_accents(o.name))::INTEGER * 4 + (o.name <> upper(o.name))::INTEGER * 2
            + (o.source_system = o.founding_authority)::INTEGER * 8 AS name_quality  -- the founding body writes it best
    FROM staging.ministry_organizations AS o
    JOIN staging.organization_matches AS m USING (source_system, source_id)
)
SELECT
    org_id,
    arg_max(name, name_quality) AS name,
    arg_max(abbreviation, name_quality) AS abbreviation,
    mode(org_type) AS org_type,
    mode(ownership) AS ownership,
    mode(founding_authority) AS founding_authority,
    mode(field_code) AS field_code,
    arg_max(current_province_code, updated_at) AS province_code,
    min(established_year) AS established_year,
    max(ror) AS ror,
    count(*) AS source_records,
    list(DISTINCT source_system ORDER BY source_system) AS source_systems
FROM scored
GROUP BY org_id
