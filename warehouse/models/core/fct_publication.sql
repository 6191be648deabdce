WITH keyed AS (
    SELECT
        m.publication_id,
        p.*,
        p.title_has_diacritics::INTEGER * 2 + p.title_mixed_case::INTEGER AS title_quality
    FROM staging.academy_publications AS p
    JOIN staging.publication_matches AS m USING (source_system, source_id)
    WHERE NOT p.deleted
)
SELECT
    publication_id,
    arg_max(title, (title_quality, source_system, source_id)) AS title,  -- among equals, not by load order
    min(year) AS year,
    mode(publication_type) AS publication_type,
    mode(venue) AS venue,
    max(doi) AS doi,
    max(field_code) AS field_code,
    mode(language) AS language,
    count(*) AS source_records,
    list(source_system || ':' || source_id ORDER BY source_system, source_id) AS source_ids
FROM keyed
GROUP BY publication_id
