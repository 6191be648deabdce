WITH scored AS (
    SELECT
        m.researcher_id,
        r.*,
        o.org_id,
        (r.full_name <> strip_accents(r.full_name))::INTEGER * 2 + (r.full_name <> upper(r.full_name))::INTEGER
            AS name_quality
    FROM staging.ministry_researchers AS r
    JOIN staging.researcher_matches AS m USING (source_system, source_id)
    LEFT JOIN staging.organization_matches AS o
        ON o.source_system = r.source_system AND o.source_id = r.org_source_id
)
SELECT
    researcher_id,
    arg_max(full_name, name_quality) AS full_name,
    min(birth_year) AS birth_year,
    mode(sex) AS sex,
    mode(highest_degree) AS highest_degree,
    max(academic_title) AS academic_title,
    mode(org_id) AS org_id,
    mode(field_code) AS field_code,
    max(orcid) AS orcid,
    count(*) AS source_records
FROM scored
GROUP BY researcher_id
