-- Every provincial report file received: loaded, or held whole (moved to the quarantine folder) with the reason.
SELECT
    file_sha256 AS report_id,
    file_name,
    received_at,
    status,
    reason_vi,
    reason_en,
    form_code,
    province_code,
    province_name,
    reference_year,
    report_date,
    revision,
    rows_read,
    rows_skipped,
    sheet_name,
    file_format,
    text_encoding,
    byte_encoding,
    notes,
    quarantined_as
FROM raw_provinces.report_files
