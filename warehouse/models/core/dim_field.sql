SELECT field_code, name_vi, name_en, level, parent_code
FROM staging.fields
