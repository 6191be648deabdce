"""Which form, year and province a report says it is; refused whole (`ReportFileError`) when it cannot be applied."""

from __future__ import annotations

import re
from datetime import date

from sources.provinces import layout
from sources.provinces.files import ReportFileError
from sources.provinces.template import FORMS
from sources.provinces.values import parse_year
from sources.reference import load_provinces
from sources.vietnamese import fold

FIRST_YEAR = 2000
TEMPLATE_INDICATORS = {ind["code"]: {**ind, "form": form} for form, spec in FORMS.items() for ind in spec["indicators"]}


_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp|t p)\s+")
_SENDER_PREFIX = re.compile(r"^(so khoa hoc va cong nghe|so khoa hoc cong nghe|so khcn|so kh cn)\s+")
# Names offices write that the official list spells otherwise (folded, prefix dropped).
_PROVINCE_ALIASES = {
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "sai gon": "ho chi minh",
    "thua thien hue": "hue",
    "tt hue": "hue",
    "brvt": "ba ria vung tau",
    "dak lak": "dak lak",
    "dac lac": "dak lak",
    "daklak": "dak lak",
    "dak nong": "dak nong",
    "dac nong": "dak nong",
}


def _name_key(name) -> str:
    key = _PROVINCE_PREFIX.sub("", _SENDER_PREFIX.sub("", fold(str(name or "")) or ""))
    return _PROVINCE_ALIASES.get(key, key)


def _valid(p: dict, on: date) -> bool:
    return date.fromisoformat(p["valid_from"]) <= on <= date.fromisoformat(p["valid_to"] or "9999-12-31")


def _current_name(code: str) -> str:
    return next(p["name"] for p in load_provinces() if p["province_code"] == code and not p["valid_to"])


def _former_unit_held(p: dict, year: int) -> ReportFileError:
    successor = p["successor_code"]
    error = ReportFileError(
        f"{p['name']} (mã {p['province_code']}) đã sáp nhập vào {_current_name(successor)} (mã {successor}) từ "
        f"01/07/2025; báo cáo năm {year} do {_current_name(successor)} (mã {successor}) gửi. Tệp được giữ lại, không "
        f"nhập: nếu đây là số liệu của {_current_name(successor)}, hãy ghi mã {successor} và tên "
        f"'{_current_name(successor)}' rồi gửi lại.",
        f"{p['name']} (code {p['province_code']}) merged into {_current_name(successor)} (code {successor}) on "
        f"1 July 2025; its report for {year} is sent by {_current_name(successor)} (code {successor}). The file is "
        f"held, not applied: if these are {_current_name(successor)}'s figures, write code {successor} and the "
        "name of the current unit, and send it again.",
    )
    error.province_code = successor  # the unit expected to send this report now
    return error


def resolve_province(code, name, year: int) -> tuple[str, str | None]:
    """(code valid on 31 December of `year`, a note or None). Code and name must name the same unit on that
    date; a former province (valid to 30 June 2025) cannot report for a later year."""
    end = date(year, 12, 31)
    provinces = load_provinces()
    code = layout.normalise_province_code(code)
    key = _name_key(name)
    named = [p for p in provinces if key and _name_key(p["name"]) == key]
    if code:
        unit = next((p for p in provinces if p["province_code"] == code and _valid(p, end)), None)
        if unit is None:
            former = next(
                (
                    p
                    for p in provinces
                    if p["province_code"] == code and p["valid_to"] and date.fromisoformat(p["valid_to"]) < end
                ),
                None,
            )
            if former:
                raise _former_unit_held(former, year)
            raise ReportFileError(
                f"Mã tỉnh '{code}' không có trong danh mục đơn vị hành chính ngày 31/12/{year}.",
                f"Province code '{code}' is not on the list of units valid on 31 December {year}.",
            )
        if named and unit not in named:
            meant = named[0]
            merged = (
                f" {meant['name']} đã sáp nhập vào {_current_name(meant['successor_code'])} (mã "
                f"{meant['successor_code']}) từ 01/07/2025."
                if meant["valid_to"]
                else ""
            )
            merged_en = (
                f" {meant['name']} merged into {_current_name(meant['successor_code'])} (code "
                f"{meant['successor_code']}) on 1 July 2025."
                if meant["valid_to"]
                else ""
            )
            raise ReportFileError(
                f"Mã tỉnh {code} và tên tỉnh '{name}' không khớp nhau: ngày 31/12/{year}, mã {code} là "
                f"{unit['name']}.{merged} Tệp được giữ lại, không nhập; hãy sửa mã hoặc tên cho đúng và gửi lại.",
                f"Province code {code} and name '{name}' disagree: on 31 December {year}, code {code} is "
                f"{unit['name']}.{merged_en} The file is held, not applied; correct the code or the name and send "
                "it again.",
            )
        note = (
            None
            if named or not key
            else (
                f"Tên tỉnh '{name}' không nhận ra; dùng mã {code} ({unit['name']}). "
                f"Province name '{name}' not recognised; code {code} used."
            )
        )
        return code, note
    if not named:
        raise ReportFileError(
            f"Thiếu 'Mã tỉnh' và không nhận ra 'Tên tỉnh' ('{name or ''}'): hãy ghi mã tỉnh (ví dụ 01 cho Hà Nội) và "
            "gửi lại.",
            f"'Mã tỉnh' (province code) is blank and the province name ('{name or ''}') is not recognised: write the "
            "province code (e.g. 01 for Hà Nội) and send it again.",
        )
    valid = next((p for p in named if _valid(p, end)), None)
    if valid:
        return valid["province_code"], None
    raise _former_unit_held(named[0], year)


def form_of(value, codes: list[str]) -> str | None:
    """'01/KHCN-TC', '01-KHCN-TC', 'Biểu 01', '1'; or, when the header says nothing, the form every code is of."""
    text = re.sub(r"\s+", "", str(value or "")).upper().replace("–", "-")
    found = re.search(r"(\d{1,2})[/\-]?KHCN-?([A-Z]+)", text) or re.search(r"^(?:BIEU|BIỂU)?(\d{1,2})$", text)
    if found:
        number = f"{int(found.group(1)):02d}/"
        return next((f for f in FORMS if f.startswith(number)), None)
    forms = {TEMPLATE_INDICATORS[c]["form"] for c in codes if c in TEMPLATE_INDICATORS}
    return forms.pop() if len(forms) == 1 and not text else None


def _check_year(year: int | None, today: date) -> int:
    if year is None:
        raise ReportFileError(
            "Thiếu hoặc không đọc được 'Năm báo cáo': hãy ghi năm, ví dụ 2024, và gửi lại.",
            "'Năm báo cáo' (reporting year) is missing or unreadable: write the year, e.g. 2024, and send it again.",
        )
    if year > today.year:
        raise ReportFileError(
            f"Năm báo cáo {year} ở tương lai (nay là năm {today.year}): hãy sửa năm báo cáo và gửi lại.",
            f"Reporting year {year} is in the future (this is {today.year}): correct the year and send it again.",
        )
    if year < FIRST_YEAR:
        raise ReportFileError(
            f"Năm báo cáo {year} trước năm {FIRST_YEAR}: hãy kiểm tra năm báo cáo.",
            f"Reporting year {year} is before {FIRST_YEAR}: check the reporting year.",
        )
    return year


def identify(meta: dict, codes: list[str], today: date) -> tuple[str, int, str, str | None]:
    """(form, year, province code, note) of the report, or ReportFileError when they can't be applied."""
    form = form_of(meta.get("form_code"), codes)
    if form is None:
        raise ReportFileError(
            f"'Biểu số' thiếu hoặc không thuộc các biểu {', '.join(FORMS)} ('{meta.get('form_code') or ''}').",
            f"'Biểu số' (form) is missing or not one of {', '.join(FORMS)} ('{meta.get('form_code') or ''}').",
        )
    year = _check_year(parse_year(meta.get("reference_year")), today)
    province_code, note = resolve_province(
        meta.get("province_code"),
        meta.get("province_name") or (meta.get("sender") if not meta.get("province_code") else None),
        year,
    )
    return form, year, province_code, note
