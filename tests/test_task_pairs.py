"""`csdl match-eval --task-pairs FILE`: the duplicate-task matcher scored on labelled pairs written as
officers write registrations (names abbreviated, without diacritics, old and new body names)."""

import csv

from typer.testing import CliRunner

from pipelines.cli import app
from warehouse.matching.task_pairs import HEADER

PILOTED = "Nghiên cứu quy trình sản xuất giống cá tra chất lượng cao"
TITLE = "Nghiên cứu xây dựng mô hình nuôi tôm thẻ chân trắng siêu thâm canh tại tỉnh Bạc Liêu"
A = [
    TITLE,
    "Viện Nghiên cứu Nuôi trồng thủy sản II",
    "TS. Nguyễn Văn An",
    "Bộ Nông nghiệp và Phát triển nông thôn",
    "BO",
    "2024",
    "2025",
]
PAIRS = [
    # the same work: reworded, abbreviated, without diacritics, under the successor ministry
    (
        "p1",
        1,
        A,
        [
            "Xay dung mo hinh nuoi tom the chan trang sieu tham canh o Bac Lieu",
            "Viện NC Nuôi trồng Thủy sản II",
            "N.V. An",
            "Bộ NN&MT",
            "BO",
            "2024",
            "",
        ],
    ),
    # the same work registered again by the province, the investigator written without his degree
    (
        "p2",
        1,
        A,
        [
            TITLE.replace("Nghiên cứu xây dựng", "Xây dựng"),
            "Viện Nghiên cứu Nuôi trồng thủy sản II",
            "Nguyễn Văn An",
            "UBND tỉnh Bạc Liêu",
            "TINH",
            "2025",
            "2026",
        ],
    ),
    # the same template for another province, and phase 2: different works
    ("n1", 0, A, [TITLE.replace("Bạc Liêu", "Sóc Trăng"), *A[1:]]),
    ("n2", 0, A, [TITLE + ", giai đoạn 2", *A[1:5], "2025", "2027"]),
    # the same investigator on another animal
    ("n3", 0, A, [TITLE.replace("tôm thẻ chân trắng", "cá tra"), *A[1:]]),
    # the national task and the provincial pilot applying it
    (
        "n4",
        0,
        [PILOTED, *A[1:3], "Bộ KH&CN", "QG", "2024", "2025"],
        [
            PILOTED.replace("Nghiên cứu", "Ứng dụng") + " tại tỉnh Đồng Tháp",
            "Trung tâm Khuyến nông Đồng Tháp",
            "N.V. An",
            "UBND tỉnh Đồng Tháp",
            "TINH",
            "2025",
            "2026",
        ],
    ),
]


def _write(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for pair_id, label, a, b in rows:
            writer.writerow([pair_id, label, *a, *b])


def test_match_eval_reads_the_task_pairs_format_and_ends_with_the_figures(tmp_path):
    path = tmp_path / "task_pairs.csv"
    _write(path, HEADER, PAIRS)
    result = CliRunner().invoke(app, ["match-eval", "--task-pairs", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "precision=1.0000 recall=1.0000 f1=1.0000"


def test_a_false_match_and_a_missed_one_show_in_the_figures(tmp_path):
    path = tmp_path / "task_pairs.csv"
    flipped = [(pair_id, 1 - label if pair_id in ("p1", "n1") else label, a, b) for pair_id, label, a, b in PAIRS]
    _write(path, HEADER, flipped)
    result = CliRunner().invoke(app, ["match-eval", "--task-pairs", str(path)])
    assert result.exit_code == 0, result.output
    # predicted: p1, p2; labelled same: p2, n1
    assert result.output.strip().splitlines()[-1] == "precision=0.5000 recall=0.5000 f1=0.5000"


def test_match_eval_refuses_a_file_with_another_header_and_names_the_missing_columns(tmp_path):
    path = tmp_path / "pairs.csv"
    header = [c for c in HEADER if c not in ("a_managing_body", "b_end_year")]
    _write(path, header, [])
    result = CliRunner().invoke(app, ["match-eval", "--task-pairs", str(path)])
    assert result.exit_code == 2
    assert "a_managing_body, b_end_year" in result.output and "pairs.csv" in result.output


def test_match_eval_names_the_line_and_column_of_a_bad_value(tmp_path):
    path = tmp_path / "pairs.csv"
    _write(path, HEADER, [("p1", 1, A, [*A[:4], "cấp tỉnh", "2024", ""])])
    result = CliRunner().invoke(app, ["match-eval", "--task-pairs", str(path)])
    assert result.exit_code == 2
    assert "line 2, b_level" in result.output


def test_the_labelled_set_in_tests_scores_at_least_0_90():
    from pathlib import Path

    result = CliRunner().invoke(app, ["match-eval", "--task-pairs", str(Path(__file__).with_name("task_pairs.csv"))])
    assert result.exit_code == 0, result.output
    f1 = float(result.output.strip().splitlines()[-1].split("f1=")[1])
    assert f1 >= 0.90
