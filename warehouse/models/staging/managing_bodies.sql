-- Managing bodies of S&T tasks (ministries, sectors, their predecessors before 1 March 2025) with typed validity dates.
SELECT
    body_code,
    name,
    aliases,
    CAST(valid_from AS DATE) AS valid_from,
    CAST(valid_to AS DATE) AS valid_to,
    successor_code,
    note
FROM raw_reference.managing_bodies
