"""A receipt for every provincial report file received, `<data>/receipts/<file>.txt`, in Vietnamese then English:
what was loaded (rows, province, year, form, submission), what was held and why, and what to send again. The
same facts give the alerts on held files and held rows, and the quality report's list of files."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from quality.alerts import Problem
from quality.freshness import tables_exist

MODEL = "staging.province_report_rows"


def received_files(con) -> list[dict]:
    """Every file received, newest first, with its rows kept and quarantined (and their reasons), whether
    core uses it, and the later file that replaced it, if any."""
    if not tables_exist(con, "staging.province_report_files", MODEL):
        return []
    in_core = (
        "report_id IN (SELECT report_id FROM core.fct_statistic)"
        if tables_exist(con, "core.fct_statistic")
        else "false"
    )
    files = con.execute(f"""
        SELECT f.report_id, f.file_name, f.received_at, f.status, f.reason_vi, f.reason_en, f.form_code,
               f.province_code, p.name AS province_name, f.reference_year, f.report_date, f.revision,
               coalesce(f.rows_read, 0), coalesce(f.rows_skipped, 0), f.quarantined_as, f.notes,
               (SELECT count(*) FROM {MODEL} r WHERE r.report_id = f.report_id) AS kept,
               {in_core} AS in_core
        FROM staging.province_report_files f
        LEFT JOIN staging.provinces p ON p.province_code = f.province_code
            AND make_date(f.reference_year, 12, 31) BETWEEN p.valid_from AND coalesce(p.valid_to, DATE '9999-12-31')
        ORDER BY f.received_at DESC, f.file_name""").fetchall()
    held_rows: dict[str, list[str]] = defaultdict(list)
    for key, reason in con.execute(
        "SELECT source_key, reason FROM quality.quarantine WHERE model = ? ORDER BY source_key", [MODEL]
    ).fetchall():
        held_rows[key.split("#")[0]].append(reason)
    names = [
        "report_id",
        "file_name",
        "received_at",
        "status",
        "reason_vi",
        "reason_en",
        "form_code",
        "province_code",
        "province_name",
        "reference_year",
        "report_date",
        "revision",
        "rows_read",
        "rows_skipped",
        "quarantined_as",
        "notes",
        "kept",
        "in_core",
    ]
    result = [dict(zip(names, row, strict=False)) | {"quarantined_rows": held_rows.get(row[0], [])} for row in files]
    newest: dict = {}  # a file name, or a report's (province, year, form) -> the newest file loaded for it
    for f in result:  # newest first
        if f["status"] == "loaded":
            for key in _replacement_keys(f):
                newest.setdefault(key, f)
    for f in result:
        later = [
            g
            for g in map(newest.get, _replacement_keys(f))
            if g is not None and g["received_at"] > f["received_at"] and g["report_id"] != f["report_id"]
        ]
        f["superseded_by"] = later[0]["file_name"] if later else None
        f["outcome"] = "held" if f["status"] == "held" else "partly" if f["quarantined_rows"] else "loaded"
    return result


def _replacement_keys(f: dict) -> list[tuple]:
    """A later file replaces this one when it has the same name or reports the same province, year and form."""
    return [("name", f["file_name"]), ("report", f["province_code"], f["reference_year"], f["form_code"])]


def _unit(f: dict) -> str:
    name = f["province_name"] or ""
    return f"{name} ({f['province_code']})".strip() if f["province_code"] else "tỉnh chưa rõ / province unknown"


def render(f: dict) -> str:
    outcome = {
        "held": "BỊ GIỮ LẠI, KHÔNG NHẬP / HELD, NOT LOADED",
        "partly": "ĐÃ NHẬP MỘT PHẦN / PARTLY LOADED",
        "loaded": "ĐÃ NHẬP / LOADED",
    }[f["outcome"]]
    lines = [
        "BIÊN NHẬN BÁO CÁO THỐNG KÊ KH&CN / RECEIPT FOR AN S&T STATISTICAL REPORT",
        f"Tệp / file: {_safe(f['file_name'])}",
        f"Mã kiểm tra / SHA-256: {f['report_id']}",
        f"Nhận lúc / received: {f['received_at']:%Y-%m-%d %H:%M %Z}",
        f"Tỉnh / province: {_unit(f)}; năm / year: {f['reference_year'] or '?'}; biểu / form: "
        f"{f['form_code'] or '?'}; lần nộp / submission: {f['revision'] or '?'}; ngày ký / signed: "
        f"{f['report_date'].strftime('%d/%m/%Y') if f['report_date'] else '?'}",
        f"Kết quả / outcome: {outcome}",
    ]
    if f["outcome"] == "held":
        lines += [
            f"Lý do / reason: {f['reason_vi']}",
            f"                 {f['reason_en']}",
            "Cần làm / to do: sửa tệp theo lý do trên và gửi lại cả tệp / correct the file as the reason says "
            "and send the whole file again.",
        ]
    else:
        lines.append(
            f"Số dòng / rows: đọc / read {f['rows_read']}, đã nhập / kept {f['kept']}, bị giữ lại / held "
            f"{len(f['quarantined_rows'])}, dòng tổng cộng bỏ qua / totals rows skipped {f['rows_skipped']}"
        )
        if f["quarantined_rows"]:
            lines.append("Các dòng bị giữ lại / rows held:")
            lines += [f"  - {reason}" for reason in f["quarantined_rows"]]
            lines.append(
                "Cần làm / to do: sửa các dòng trên và gửi lại cả tệp với lần nộp tiếp theo / correct these "
                "rows and send the whole file again as the next submission."
            )
    if f["superseded_by"]:
        lines.append(f"Đã được thay bằng tệp gửi sau / replaced by a later file: {_safe(f['superseded_by'])}")
    return "\n".join(lines) + "\n"


def _safe(name: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", " ", name or "")


def write(con, folder: Path) -> list[Path]:
    """One receipt per file name (the latest file received under it), rewritten at every review."""
    folder.mkdir(parents=True, exist_ok=True)
    written, seen = [], set()
    for f in received_files(con):
        name = re.sub(r"[^\w.\-]+", "_", _safe(f["file_name"]))
        # a file name may hold 255 bytes, and Vietnamese letters take two or three each
        name = name.encode("utf-8")[:200].decode("utf-8", errors="ignore") or f["report_id"][:12]
        if name in seen:
            continue
        seen.add(name)
        path = folder / f"{name}.txt"
        path.write_text(render(f), encoding="utf-8")
        written.append(path)
    return written


def problems(files: list[dict]) -> list[Problem]:
    """An alert per held file and per file in use with held rows, until a later file replaces it."""
    found = []
    for f in files:
        if f["superseded_by"] or f["outcome"] == "loaded" or (f["outcome"] == "partly" and not f["in_core"]):
            continue
        what = f"{_unit(f)} {f['reference_year'] or ''} {f['form_code'] or ''}".strip()
        if f["outcome"] == "held":
            subject = f"{what}: tệp {_safe(f['file_name'])} bị giữ lại / file held"
            message = (
                f"{f['reason_vi']}\n{f['reason_en']}\nTệp nằm trong thư mục quarantine / the file is in the "
                f"quarantine folder: {f['quarantined_as']}."
            )
        else:
            subject = (
                f"{what}: {len(f['quarantined_rows'])} dòng của tệp {_safe(f['file_name'])} bị giữ lại / rows held"
            )
            message = (
                "\n".join(f["quarantined_rows"][:10]) + "\nSửa bằng `csdl quarantine export/replay` hoặc xin tỉnh "
                "gửi lại / fix with `csdl quarantine export/replay` or "
                "ask the province to send it again."
            )
        found.append(
            Problem(
                key=f"report_{f['outcome']}:{f['report_id'][:16]}",
                kind=f"report_{f['outcome']}",
                severity="WARN",
                subject=subject,
                message=message,
                details={
                    "file_name": f["file_name"],
                    "report_id": f["report_id"],
                    "province_code": f["province_code"],
                    "year": f["reference_year"],
                    "form_code": f["form_code"],
                    "rows": f["quarantined_rows"][:10],
                },
            )
        )
    return found
