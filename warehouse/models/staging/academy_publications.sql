WITH records AS (
    SELECT
        p.*,
        to_json(p) AS raw_json,
        vi_normalize(p.title) AS normalized_title,
        CAST(p.creators AS JSON) AS creators_json,
        list_filter(CAST(CAST(p.subjects AS JSON) AS VARCHAR[]), lambda x: x LIKE 'vnfos:%') AS field_subjects
    FROM raw_academies.publications AS p
)
SELECT
    r.source_system,
    r.source_id,
    r.title AS title_received,
    r.normalized_title AS title,
    -- what core prefers when sources disagree on a title; computed here, once per record received
    r.normalized_title <> strip_accents(r.normalized_title) AS title_has_diacritics,
    r.normalized_title <> upper(r.normalized_title) AND r.normalized_title <> lower(r.normalized_title) AS title_mixed_case,
    TRY_CAST(substr(r.date, 1, 4) AS INTEGER) AS year,
    r.type AS publication_type,
    r.source AS venue,
    r.doi,  -- found in any form the repository writes it and normalised by the harvester (sources/academies/records.py)
    replace(r.field_subjects[1], 'vnfos:', '') AS field_code,
    CAST(r.creators_json AS VARCHAR[]) AS creators,
    r.language,
    r.publisher,
    -- every title with its xml:lang ([{"text": ..., "lang": ...}]), the main one above; every set of the record
    CAST(r.titles AS JSON) AS titles,
    CAST(r.set_specs AS JSON) AS set_specs,
    r.datestamp,
    r.deleted,
    r._dlt_load_id,
    CASE
        WHEN r.parse_error IS NOT NULL THEN r.parse_error
        -- a clock or a typo sets a time in the future: the cursor stops at the request time, the record stops here
        WHEN r.datestamp > to_timestamp(TRY_CAST(r._dlt_load_id AS DOUBLE)) + INTERVAL 1 DAY
            THEN 'datestamp ' || CAST(r.datestamp AS VARCHAR) || ' is in the future (more than a day after the record was received); ask the sender to correct it'
        WHEN r.deleted THEN NULL
        WHEN r.title IS NULL OR trim(r.title) = '' THEN 'record has no dc:title'
        WHEN TRY_CAST(substr(r.date, 1, 4) AS INTEGER) IS NULL THEN 'dc:date ' || coalesce(r.date, '(blank)') || ' has no year'
    END AS reject_reason,
    r.raw_json AS raw_record
FROM records AS r
