-- Indicators with Vietnamese and English names, unit, Circular 03/2018 group and where the values come from.
-- vi: Chỉ tiêu thống kê với tên tiếng Việt và tiếng Anh, đơn vị tính, nhóm chỉ tiêu theo Thông tư 03/2018 và nguồn số liệu.
SELECT indicator_code, name_vi, name_en, unit, indicator_group, source
FROM staging.indicators
