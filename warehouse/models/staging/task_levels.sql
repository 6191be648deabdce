SELECT
    level_code,
    name_vi,
    name_en,
    CAST(rank AS INTEGER) AS rank
FROM raw_reference.task_levels
