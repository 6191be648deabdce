-- Levels of S&T tasks: national, ministry/sector, provincial, institutional.
SELECT
    level_code,
    name_vi,
    name_en,
    CAST(rank AS INTEGER) AS rank
FROM raw_reference.task_levels
