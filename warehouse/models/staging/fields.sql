-- Fields of S&T (Decision 12/2008/QĐ-BKHCN, OECD Frascati FOS), levels 1 and 2.
SELECT
    field_code,
    name_vi,
    name_en,
    CAST(level AS INTEGER) AS level,
    parent_code
FROM raw_reference.fields
