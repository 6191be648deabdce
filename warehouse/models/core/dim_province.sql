SELECT
    province_code || '@' || strftime(valid_from, '%Y-%m-%d') AS province_key,
    province_code,
    name,
    level,
    valid_from,
    valid_to,
    successor_code,
    region,
    valid_to IS NULL AS is_current
FROM staging.provinces
