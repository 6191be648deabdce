SELECT
    body_code,
    name,
    aliases,
    CAST(valid_from AS DATE) AS valid_from,
    CAST(valid_to AS DATE) AS valid_to,
    successor_code,
    note
FROM raw_reference.managing_bodies
