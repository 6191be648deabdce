-- Every indicator and breakdown a provincial report form may hold (sources/provinces/template.py), with its unit
-- and the most one province can report in a year.
SELECT form_code, indicator_code, breakdown, dimension, unit, CAST(ceiling AS DOUBLE) AS ceiling
FROM raw_reference.report_template
