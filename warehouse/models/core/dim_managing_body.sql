WITH bodies AS (
    SELECT body_code, name, aliases, 'ministry' AS body_type, valid_from, valid_to, successor_code, note
    FROM staging.managing_bodies
    UNION ALL
    SELECT
        'UBND-' || p.province_key,
        'Ủy ban nhân dân ' || replace(p.name, 'Tỉnh ', 'tỉnh '),
        NULL,
        'province',
        p.valid_from,
        p.valid_to,
        CASE WHEN NOT p.is_current THEN 'UBND-' || s.province_key END,
        NULL
    FROM core.dim_province AS p
    LEFT JOIN core.dim_province AS s ON s.province_code = p.successor_code AND s.is_current
)
SELECT
    b.body_code,
    b.name,
    b.aliases,
    b.body_type,
    b.valid_from,
    b.valid_to,
    b.successor_code,
    -- successors are current bodies today; a second step keeps a later merger of a successor right
    coalesce(s2.body_code, s.body_code, b.body_code) AS current_body_code,
    b.valid_to IS NULL AS is_current,
    b.note
FROM bodies AS b
LEFT JOIN bodies AS s ON s.body_code = b.successor_code
LEFT JOIN bodies AS s2 ON s2.body_code = s.successor_code
