-- Provincial units with validity dates: each of the 63 former provinces names the current unit (of 34) it rolls up to.
-- vi: Đơn vị hành chính cấp tỉnh và thời hạn hiệu lực: mỗi tỉnh trong 63 tỉnh cũ chỉ ra đơn vị hiện nay (trong 34) mà nó được cộng dồn vào.
SELECT
    province_code || '@' || strftime(valid_from, '%Y-%m-%d') AS province_key,
    province_code,
    name,
    level,
    valid_from,
    valid_to,
    successor_code,
    region,
    valid_to IS NULL AS is_current
FROM staging.provinces
