-- Publications (CERIF Publication): the same work from several repositories is one row.
-- vi: Công bố khoa học (CERIF Publication): cùng một công trình từ nhiều kho là một dòng.
WITH keyed AS (
    SELECT
        *,
        'PUB-' || substr(md5(title_key || '|' || CAST(year AS VARCHAR)), 1, 12) AS publication_id,
        (title <> strip_accents(title))::INTEGER * 2 + (title <> upper(title) AND title <> lower(title))::INTEGER
            AS title_quality
    FROM staging.academy_publications
    WHERE NOT deleted
)
SELECT
    publication_id,
    arg_max(title, title_quality) AS title,
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
