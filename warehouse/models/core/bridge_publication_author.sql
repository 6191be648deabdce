-- Authors of each publication in order, linked to a researcher where the name and no other matches.
-- vi: Tác giả của từng công bố theo thứ tự, gắn với nhà nghiên cứu khi tên khớp duy nhất.
WITH best_record AS (
    SELECT
        m.publication_id,
        arg_max({'names': p.creator_names, 'keys': p.creator_keys}, p.title_has_diacritics::INTEGER) AS creators
    FROM staging.academy_publications AS p
    JOIN staging.publication_matches AS m USING (source_system, source_id)
    WHERE NOT p.deleted
    GROUP BY 1
),
authors AS (  -- names and keys come from staging, where the text functions ran once per record received
    SELECT
        publication_id,
        unnest(creators.names) AS author_name,
        unnest(creators.keys) AS name_key,
        generate_subscripts(creators.names, 1) AS author_position
    FROM best_record
),
researcher_names AS (  -- the key of each researcher's name, as staging computed it for that name
    SELECT k.name_key, min(d.researcher_id) AS researcher_id, min(d.org_id) AS org_id
    FROM core.dim_researcher AS d
    JOIN (SELECT DISTINCT full_name, name_key FROM staging.ministry_researchers) AS k USING (full_name)
    GROUP BY 1
    HAVING count(*) = 1
)
SELECT
    a.publication_id,
    a.author_position,
    a.author_name,
    n.researcher_id,
    n.org_id
FROM authors AS a
LEFT JOIN researcher_names AS n ON n.name_key = a.name_key
