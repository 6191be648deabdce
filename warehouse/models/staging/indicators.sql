-- Indicators the platform computes: from provincial reports (codes of the report template) and from the CSDL itself.
SELECT indicator_code, name_vi, name_en, unit, indicator_group, source
FROM raw_reference.indicators
