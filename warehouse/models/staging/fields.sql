SELECT
    field_code,
    name_vi,
    name_en,
    CAST(level AS INTEGER) AS level,
    parent_code
FROM raw_reference.fields
