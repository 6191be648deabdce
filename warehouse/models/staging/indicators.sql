SELECT indicator_code, name_vi, name_en, unit, indicator_group, source
FROM raw_reference.indicators
