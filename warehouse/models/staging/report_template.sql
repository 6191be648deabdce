SELECT form_code, indicator_code, breakdown, dimension, unit, CAST(ceiling AS DOUBLE) AS ceiling
FROM raw_reference.report_template
