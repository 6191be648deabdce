"""The provincial report template (forms 01-04 of Circular 15/2018/TT-BKHCN), as NASATI defines it.

One workbook per province, reporting year and form. The README shows the layout; in short:
metadata rows ("Biểu số", "Mã tỉnh", "Năm báo cáo", "Ngày báo cáo", "Lần nộp") with the label in
column A and the value in column B, then a header row, then one row per indicator and breakdown:

    STT | Mã chỉ tiêu | Tên chỉ tiêu | Mã phân tổ | Phân tổ | Đơn vị tính | Giá trị

`Mã phân tổ` is `tong` for the total or `<dimension>:<member>` (e.g. `gioi_tinh:nu`); the members of
one dimension add up to the total.
"""

FIELDS_L1 = ["1", "2", "3", "4", "5", "6"]

FORMS = {
    "01/KHCN-TC": {
        "title": "Tổ chức khoa học và công nghệ",
        "indicators": [
            {
                "code": "0101",
                "name": "Số tổ chức khoa học và công nghệ",
                "unit": "tổ chức",
                "scale": 12,
                "ceiling": 5_000,
                "breakdowns": {
                    "loai_hinh": ["vien_nghien_cuu", "truong_dai_hoc", "trung_tam", "doanh_nghiep_khcn"],
                    "so_huu": ["nha_nuoc", "ngoai_nha_nuoc", "nuoc_ngoai"],
                    "linh_vuc": FIELDS_L1,
                },
            },
        ],
    },
    "02/KHCN-NL": {
        "title": "Nhân lực nghiên cứu và phát triển",
        "indicators": [
            {
                "code": "0201",
                "name": "Số người làm nghiên cứu và phát triển",
                "unit": "người",
                "scale": 700,
                "ceiling": 300_000,
                "breakdowns": {
                    "gioi_tinh": ["nam", "nu"],
                    "trinh_do": ["tien_si", "thac_si", "dai_hoc", "khac"],
                    "linh_vuc": FIELDS_L1,
                },
            },
        ],
    },
    "03/KHCN-CP": {
        "title": "Chi cho khoa học và công nghệ",
        "indicators": [
            {
                "code": "0301",
                "name": "Tổng chi cho khoa học và công nghệ",
                "unit": "triệu đồng",
                "scale": 25000,
                "ceiling": 50_000_000,
                "breakdowns": {"nguon": ["nsnn_trung_uong", "nsnn_dia_phuong", "doanh_nghiep", "nuoc_ngoai", "khac"]},
            },
        ],
    },
    "04/KHCN-NV": {
        "title": "Nhiệm vụ khoa học và công nghệ",
        "indicators": [
            {
                "code": "0401",
                "name": "Số nhiệm vụ khoa học và công nghệ",
                "unit": "nhiệm vụ",
                "scale": 25,
                "ceiling": 20_000,
                "breakdowns": {"cap": ["QG", "BO", "TINH", "CS"], "linh_vuc": FIELDS_L1},
            },
            {
                "code": "0402",
                "name": "Kinh phí thực hiện nhiệm vụ",
                "unit": "triệu đồng",
                "scale": 12000,
                "ceiling": 50_000_000,
            },
        ],
    },
}


def template_rows() -> list[dict]:
    """Every (indicator, breakdown) a form may report, with its unit and the most one province can report in a
    year (`ceiling`: a value above it is a typing or unit mistake, not a statistic)."""
    rows = []
    for form, spec in FORMS.items():
        for ind in spec["indicators"]:
            base = {"form_code": form, "indicator_code": ind["code"], "unit": ind["unit"], "ceiling": ind["ceiling"]}
            rows.append({**base, "breakdown": "tong", "dimension": "tong"})
            rows.extend(
                {**base, "breakdown": f"{dimension}:{member}", "dimension": dimension}
                for dimension, members in ind.get("breakdowns", {}).items()
                for member in members
            )
    return rows
