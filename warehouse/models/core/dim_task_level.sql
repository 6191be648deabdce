SELECT level_code, name_vi, name_en, rank
FROM staging.task_levels
