-- Fields of S&T, levels 1 and 2, with Vietnamese and English names.
SELECT field_code, name_vi, name_en, level, parent_code
FROM staging.fields
