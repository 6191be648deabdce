"""Code lists of the published snapshot: what each coded value means, in English and Vietnamese.

Each list becomes a lookup table `core.code_<list>` (code, label_en, label_vi) in the snapshot, and the
columns holding its codes reference it (a FOREIGN KEY where DuckDB allows it: within one schema). The
codes themselves are those the quality suites accept and the report template defines; only the labels
are written here. Task levels, fields, indicators and provinces have dimension tables of their own.
"""

from __future__ import annotations

from sources.provinces.template import FORMS
from sources.reference import read_reference

UNLABELLED = ("(no label: not in the code list)", "(chưa có nhãn: không có trong danh mục)")

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "sex": {"nam": ("male", "nam"), "nu": ("female", "nữ")},
    "highest_degree": {
        "tien_si": ("doctorate", "tiến sĩ"),
        "thac_si": ("master", "thạc sĩ"),
        "dai_hoc": ("bachelor", "đại học"),
        "khac": ("other", "khác"),
    },
    "academic_title": {"GS": ("professor", "giáo sư"), "PGS": ("associate professor", "phó giáo sư")},
    "task_status": {
        "dang_thuc_hien": ("in progress", "đang thực hiện"),
        "da_nghiem_thu": ("accepted", "đã nghiệm thu"),
        "dinh_chi": ("stopped", "đình chỉ"),
        "da_rut": ("withdrawn", "đã rút"),
    },
    "task_form": {
        "de_tai": ("research topic", "đề tài"),
        "du_an": ("project", "dự án"),
        "chuong_trinh": ("programme", "chương trình"),
        "khac": ("other", "khác"),
    },
    "org_type": {
        "vien_nghien_cuu": ("research institute", "viện nghiên cứu"),
        "truong_dai_hoc": ("university", "trường đại học"),
        "trung_tam": ("centre", "trung tâm"),
        "doanh_nghiep_khcn": ("S&T enterprise", "doanh nghiệp khoa học và công nghệ"),
    },
    "ownership": {
        "nha_nuoc": ("state", "nhà nước"),
        "ngoai_nha_nuoc": ("non-state", "ngoài nhà nước"),
        "nuoc_ngoai": ("foreign", "nước ngoài"),
    },
    "publication_type": {
        "journal_article": ("journal article", "bài báo tạp chí"),
        "conference_paper": ("conference paper", "báo cáo hội nghị"),
        "book_chapter": ("book chapter", "chương sách"),
        "book": ("book", "sách"),
        "thesis": ("thesis", "luận án, luận văn"),
        "report": ("report", "báo cáo"),
    },
    "result_type": {
        "bao_cao": ("report", "báo cáo"),
        "quy_trinh": ("process", "quy trình"),
        "san_pham": ("product", "sản phẩm"),
        "sang_che": ("patent", "sáng chế"),
    },
    "language": {"vi": ("Vietnamese", "tiếng Việt"), "en": ("English", "tiếng Anh")},
    "province_level": {
        "province": ("province", "tỉnh"),
        "city": ("centrally governed city", "thành phố trực thuộc trung ương"),
    },
    "region": {
        "red_river_delta": ("Red River Delta", "Đồng bằng sông Hồng"),
        "northern_midlands": ("Northern midlands and mountains", "Trung du và miền núi phía Bắc"),
        "north_central_coast": ("North Central and Central Coast", "Bắc Trung Bộ và duyên hải miền Trung"),
        "central_highlands": ("Central Highlands", "Tây Nguyên"),
        "south_east": ("South East", "Đông Nam Bộ"),
        "mekong_delta": ("Mekong River Delta", "Đồng bằng sông Cửu Long"),
    },
    "report_status": {
        "on_time": ("received on time", "nộp đúng hạn"),
        "late": ("received late", "nộp muộn"),
        "held": ("received but held whole", "đã nhận nhưng bị giữ lại"),
        "missing": ("missing after the deadline", "chưa nộp khi đã quá hạn"),
        "not_due": ("deadline not passed yet", "chưa đến hạn"),
    },
    "report_form": {
        form: (english, spec["title"])
        for (form, spec), english in zip(
            FORMS.items(), ("S&T organisations", "R&D personnel", "S&T expenditure", "S&T tasks"), strict=True
        )
    },
    "unit_set": {
        "34": ("the 34 current provincial units (since 1 July 2025)", "34 đơn vị cấp tỉnh hiện nay (từ 1/7/2025)"),
        "63": ("the 63 former provinces (before 1 July 2025)", "63 tỉnh cũ (trước 1/7/2025)"),
        "national": ("the whole country", "toàn quốc"),
    },
    "indicator_source": {
        "provincial_report": ("reported by the provinces", "do tỉnh báo cáo"),
        "csdl": ("computed from the national S&T database", "tính từ CSDL quốc gia về KH&CN"),
    },
    "source_of_funds": {
        "nsnn_trung_uong": ("central state budget", "ngân sách nhà nước trung ương"),
        "nsnn_dia_phuong": ("local state budget", "ngân sách nhà nước địa phương"),
        "doanh_nghiep": ("enterprises", "doanh nghiệp"),
        "nuoc_ngoai": ("foreign", "nước ngoài"),
        "khac": ("other", "khác"),
    },
}

# The breakdown dimensions of the report template (`<dimension>:<member>`) and where their members' labels are.
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "gioi_tinh": ("sex", "giới tính", "sex"),
    "trinh_do": ("degree", "trình độ", "highest_degree"),
    "loai_hinh": ("type", "loại hình", "org_type"),
    "so_huu": ("ownership", "sở hữu", "ownership"),
    "nguon": ("source of funds", "nguồn kinh phí", "source_of_funds"),
    "linh_vuc": ("field of S&T", "lĩnh vực", "fields"),
    "cap": ("task level", "cấp nhiệm vụ", "task_levels"),
}

# Which list each coded column holds: `<table>.<column>` first, then the column name wherever it appears
# (the duplicate-task pairs' `<column>_a` / `<column>_b` too).
COLUMN_LISTS: dict[str, str] = {
    "sex": "sex",
    "highest_degree": "highest_degree",
    "academic_title": "academic_title",
    "form": "task_form",
    "fct_task.status": "task_status",
    "org_type": "org_type",
    "ownership": "ownership",
    "publication_type": "publication_type",
    "result_type": "result_type",
    "language": "language",
    "dim_province.level": "province_level",
    "region": "region",
    "reporting_completeness.status": "report_status",
    "form_code": "report_form",
    "breakdown": "breakdown",
    "unit_set": "unit_set",
    "dim_indicator.source": "indicator_source",
    "indicators_by_province_year.source": "indicator_source",
}

LOOKUP_DESCRIPTION = (
    "Code list {name}: what each code means (codes of {users})",
    "Danh mục mã {name}: ý nghĩa của từng mã (mã của {users})",
)
LOOKUP_COLUMNS = {
    "code": ("The code as stored in the tables", "Mã như lưu trong các bảng"),
    "label_en": ("What the code means, in English", "Ý nghĩa của mã, bằng tiếng Anh"),
    "label_vi": ("What the code means, in Vietnamese", "Ý nghĩa của mã, bằng tiếng Việt"),
}


def code_list(table: str, column: str) -> str | None:
    """The code list a published column holds (`table` bare), or None."""
    found = COLUMN_LISTS.get(f"{table}.{column}") or COLUMN_LISTS.get(column)
    if not found and column.endswith(("_a", "_b")):
        found = COLUMN_LISTS.get(f"{table}.{column[:-2]}") or COLUMN_LISTS.get(column[:-2])
    return found


def _reference_labels(name: str) -> dict[str, tuple[str, str]]:
    key = {"fields": "field_code", "task_levels": "level_code"}[name]
    return {row[key]: (row["name_en"], row["name_vi"]) for row in read_reference(name)}


def _member_labels(source: str) -> dict[str, tuple[str, str]]:
    return LABELS[source] if source in LABELS else _reference_labels(source)


def breakdowns() -> dict[str, tuple[str, str]]:
    """Every breakdown a report form may have, `tong` or `<dimension>:<member>`, with its label."""
    found = {"tong": ("total", "tổng số")}
    for spec in FORMS.values():
        for indicator in spec["indicators"]:
            for dimension, members in indicator.get("breakdowns", {}).items():
                en, vi, source = DIMENSIONS[dimension]
                labels = _member_labels(source)
                for member in members:
                    member_en, member_vi = labels.get(member, UNLABELLED)
                    found[f"{dimension}:{member}"] = (f"{en}: {member_en}", f"{vi}: {member_vi}")
    return found


def lookups() -> dict[str, dict[str, tuple[str, str]]]:
    """Every code list, by name, with its codes' (English, Vietnamese) labels."""
    return {**LABELS, "breakdown": breakdowns()}
