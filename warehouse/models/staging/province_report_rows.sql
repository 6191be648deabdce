WITH received AS (
    SELECT
        r.* REPLACE (coalesce(t.breakdown, r.breakdown) AS breakdown),  -- the template's spelling ('cap:QG')
        to_json(r) AS raw_record,
        p.province_code IS NOT NULL AS province_valid,
        p.successor_code,
        t.form_code AS template_form,
        t.dimension,
        t.unit AS template_unit,
        t.ceiling,
        EXISTS (SELECT 1 FROM staging.report_template AS c WHERE c.indicator_code = r.indicator_code) AS code_known,
        'dòng ' || CAST(r.row_number AS VARCHAR) || ': ' AS at_vi,
        'row ' || CAST(r.row_number AS VARCHAR) || ': ' AS at_en
    FROM raw_provinces.report_rows AS r
    LEFT JOIN staging.provinces AS p
        ON p.province_code = r.province_code
        AND make_date(r.reference_year, 12, 31) BETWEEN p.valid_from AND coalesce(p.valid_to, DATE '9999-12-31')
    LEFT JOIN staging.report_template AS t ON t.indicator_code = r.indicator_code AND lower(t.breakdown) = lower(r.breakdown)
),
judged AS (
    SELECT
        *,
        CASE
            WHEN NOT province_valid THEN
                'mã tỉnh ' || province_code || ' không hợp lệ ngày 31/12/' || CAST(reference_year AS VARCHAR)
                || ' / province code ' || province_code || ' was not valid on 31 December ' || CAST(reference_year AS VARCHAR)
            WHEN reference_year > year(current_date) OR reference_year < 2000 THEN
                'năm báo cáo ' || CAST(reference_year AS VARCHAR) || ' ngoài khoảng 2000 đến năm nay / reporting year '
                || CAST(reference_year AS VARCHAR) || ' is in the future or before 2000'
            WHEN indicator_code IS NULL THEN
                at_vi || 'thiếu mã chỉ tiêu / ' || at_en || 'the indicator code is missing'
            WHEN NOT code_known THEN
                at_vi || 'mã chỉ tiêu ' || indicator_code || ' không có trong mẫu biểu ' || form_code || ' / ' || at_en
                || 'indicator code ' || indicator_code || ' is not in the template of form ' || form_code
            WHEN template_form IS NULL THEN
                at_vi || 'mã phân tổ ''' || breakdown || ''' không có trong mẫu của chỉ tiêu ' || indicator_code || ' / '
                || at_en || 'breakdown ''' || breakdown || ''' is not in the template of indicator ' || indicator_code
            WHEN template_form <> form_code THEN
                at_vi || 'chỉ tiêu ' || indicator_code || ' thuộc biểu ' || template_form || ', không thuộc biểu ' || form_code
                || ' / ' || at_en || 'indicator ' || indicator_code || ' belongs to form ' || template_form || ', not ' || form_code
            WHEN value_problem IS NOT NULL THEN at_vi || value_problem
            WHEN value IS NULL THEN
                at_vi || 'giá trị ''' || coalesce(value_text, '') || ''' của chỉ tiêu ' || indicator_code || ' không phải là số / '
                || at_en || 'value ''' || coalesce(value_text, '') || ''' of indicator ' || indicator_code || ' is not a number'
            WHEN unit IS DISTINCT FROM template_unit THEN
                at_vi || 'đơn vị ''' || coalesce(unit_received, '') || ''' không đổi được sang ''' || template_unit || ''' / '
                || at_en || 'unit ''' || coalesce(unit_received, '') || ''' cannot be converted to the template''s unit '''
                || template_unit || ''''
            WHEN value < 0 THEN
                at_vi || 'giá trị của chỉ tiêu ' || indicator_code || ' là số âm / ' || at_en || 'the value of indicator '
                || indicator_code || ' is negative'
            WHEN template_unit <> 'triệu đồng' AND value <> round(value) THEN
                at_vi || 'số ' || template_unit || ' phải là số nguyên (' || CAST(round(value, 4) AS VARCHAR) || ') / ' || at_en
                || 'a count of ' || template_unit || ' must be whole (' || CAST(round(value, 4) AS VARCHAR) || ')'
            WHEN value > ceiling THEN
                at_vi || 'giá trị ' || CAST(round(value, 4) AS VARCHAR) || ' ' || template_unit || ' vượt mức tối đa hợp lý '
                || CAST(ceiling AS VARCHAR) || ' của một tỉnh (nhầm đơn vị hay gõ thừa số?) / ' || at_en || 'value '
                || CAST(round(value, 4) AS VARCHAR) || ' ' || template_unit || ' is above the ceiling of ' || CAST(ceiling AS VARCHAR)
                || ' for one province (a wrong unit or extra digits?)'
        END AS row_reason
    FROM received
),
copies AS (
    SELECT
        *,
        row_number() OVER same_line AS copy_number,
        count(*) OVER same_line AS copies,
        min(value) OVER same_line AS lowest,
        max(value) OVER same_line AS highest,
        min(row_number) OVER same_line AS first_row
    FROM judged
    WINDOW same_line AS (PARTITION BY file_sha256, indicator_code, breakdown ORDER BY row_number
                         ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
usable AS (
    SELECT * FROM copies WHERE row_reason IS NULL AND copies = 1
),
breakdown_sums AS (
    SELECT m.file_sha256, m.indicator_code, m.dimension, sum(m.value) AS members_sum, count(*) AS members,
           max(t.value) AS total,
           abs(sum(m.value) - max(t.value)) <= CASE WHEN max(m.template_unit) = 'triệu đồng'
               THEN greatest(0.5 * count(*), 0.0005 * abs(max(t.value))) ELSE 0.5 END AS adds_up
    FROM usable AS m
    JOIN usable AS t ON t.file_sha256 = m.file_sha256 AND t.indicator_code = m.indicator_code AND t.breakdown = 'tong'
    WHERE m.dimension <> 'tong'
    GROUP BY ALL
),
totals_checked AS (
    SELECT file_sha256, indicator_code, bool_or(adds_up) AS confirmed,
           string_agg(dimension || ' = ' || CAST(round(members_sum, 2) AS VARCHAR), ', ' ORDER BY dimension) AS sums
    FROM breakdown_sums
    GROUP BY ALL
)
SELECT
    'province:' || c.province_code AS source_system,
    c.file_sha256 || '#' || CAST(c.row_number AS VARCHAR) AS source_id,  -- the raw merge key
    c.file_sha256 AS report_id,
    c.file_name,
    c.received_at,
    c.form_code,
    c.province_code,
    c.reference_year,
    make_date(c.reference_year, 12, 31) AS reference_date,
    c.report_date,
    c.revision,
    c.row_number,
    c.indicator_code,
    c.breakdown,
    c.unit,
    c.value,
    c.successor_code AS current_province_code,
    c._dlt_load_id,
    CASE
        WHEN c.row_reason IS NOT NULL THEN c.row_reason
        WHEN c.copies > 1 AND c.lowest IS DISTINCT FROM c.highest THEN
            c.at_vi || 'chỉ tiêu ' || c.indicator_code || ', phân tổ ' || c.breakdown || ' có ở ' || CAST(c.copies AS VARCHAR)
            || ' dòng với giá trị khác nhau; không rõ dòng nào đúng / ' || c.at_en || 'indicator ' || c.indicator_code
            || ', breakdown ' || c.breakdown || ' appears on ' || CAST(c.copies AS VARCHAR)
            || ' rows with different values; which one is right is not known'
        WHEN c.copy_number > 1 THEN
            c.at_vi || 'lặp lại dòng ' || CAST(c.first_row AS VARCHAR) || ' (cùng chỉ tiêu, phân tổ và giá trị): bản sao không '
            || 'được nhập / ' || c.at_en || 'repeats row ' || CAST(c.first_row AS VARCHAR)
            || ' (same indicator, breakdown and value): pasted twice, the copy is not loaded'
        WHEN s.adds_up = false THEN
            c.at_vi || 'các phân tổ ' || c.dimension || ' của chỉ tiêu ' || c.indicator_code || ' cộng lại được '
            || CAST(round(s.members_sum, 2) AS VARCHAR) || ', khác tổng số ' || CAST(round(s.total, 2) AS VARCHAR) || ' / ' || c.at_en
            || 'the ' || c.dimension || ' members of indicator ' || c.indicator_code || ' add up to '
            || CAST(round(s.members_sum, 2) AS VARCHAR) || ', not to the total ' || CAST(round(s.total, 2) AS VARCHAR)
        WHEN c.breakdown = 'tong' AND t.confirmed = false THEN
            c.at_vi || 'tổng số ' || CAST(round(c.value, 2) AS VARCHAR) || ' của chỉ tiêu ' || c.indicator_code
            || ' không khớp tổng của phân tổ nào (' || t.sums || ') / ' || c.at_en || 'the total ' || CAST(round(c.value, 2) AS VARCHAR)
            || ' of indicator ' || c.indicator_code || ' does not add up with any breakdown (' || t.sums || ')'
    END AS reject_reason,
    c.raw_record
FROM copies AS c
LEFT JOIN breakdown_sums AS s
    ON s.file_sha256 = c.file_sha256 AND s.indicator_code = c.indicator_code AND s.dimension = c.dimension
LEFT JOIN totals_checked AS t ON t.file_sha256 = c.file_sha256 AND t.indicator_code = c.indicator_code
