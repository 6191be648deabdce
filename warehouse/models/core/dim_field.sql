-- Fields of S&T, levels 1 and 2, with Vietnamese and English names.
-- vi: Lĩnh vực KH&CN cấp 1 và cấp 2, tên tiếng Việt và tiếng Anh.
SELECT field_code, name_vi, name_en, level, parent_code
FROM staging.fields
