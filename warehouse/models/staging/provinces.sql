SELECT
    province_code,
    name,
    level,
    CAST(valid_from AS DATE) AS valid_from,
    CAST(valid_to AS DATE) AS valid_to,
    successor_code,
    region
FROM raw_reference.provinces
