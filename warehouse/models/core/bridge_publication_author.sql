WITH best_record AS (
    SELECT
        m.publication_id,
        -- the record with diacritics; among equals the same one whatever order the records were loaded in
        arg_max(p.creators, (p.title_has_diacritics::INTEGER, p.source_system, p.source_id)) AS creators
    FROM staging.academy_publications AS p
    JOIN staging.publication_matches AS m USING (source_system, source_id)
    WHERE NOT p.deleted
    GROUP BY 1
),
authors AS (
    SELECT publication_id, unnest(creators) AS author_name, generate_subscripts(creators, 1) AS author_position
    FROM best_record
),
author_names AS (  -- the Python text functions run once per distinct name, not once per authorship
    SELECT author_name, vi_normalize(author_name) AS normalized_name, person_key(author_name) AS name_key
    FROM (SELECT DISTINCT author_name FROM authors) AS distinct_names
),
researcher_names AS (
    SELECT person_key(full_name) AS name_key, min(researcher_id) AS researcher_id, min(org_id) AS org_id
    FROM core.dim_researcher
    GROUP BY 1
    HAVING count(*) = 1
)
SELECT
    a.publication_id,
    a.author_position,
    k.normalized_name AS author_name,
    n.researcher_id,
    n.org_id
FROM authors AS a
LEFT JOIN author_names AS k ON k.author_name = a.author_name
LEFT JOIN researcher_names AS n ON n.name_key = k.name_key
