-- Levels of S&T tasks.
-- vi: Các cấp nhiệm vụ KH&CN.
SELECT level_code, name_vi, name_en, rank
FROM staging.task_levels
