"""The project's province reference data agrees with the official lists in ../shared/reference/."""

import csv
import re
from collections import Counter, defaultdict

from sources.reference import load_provinces, read_reference
from sources.vietnamese import normalize
from tests.conftest import SHARED

WARDS_BEFORE = SHARED / "reference" / "wards_before_2025-07-01.csv"
WARD_CONVERSION = SHARED / "reference" / "ward_conversion_2025-07-01.csv"
CODE_IN_NAME = re.compile(r"^(.*?)\s*\((\d{2})\)\s*$")


def _official_former() -> dict[str, str]:
    with open(WARDS_BEFORE, encoding="utf-8") as f:
        return {row["Mã TP"]: normalize(row["Tỉnh Thành Phố"]) for row in csv.DictReader(f)}


def _conversion_rows() -> list[list[str]]:
    with open(WARD_CONVERSION, encoding="utf-8") as f:
        rows = list(csv.reader(f))
    # title and section rows carry no "Name (code)" pair in the first and eighth columns
    return [r for r in rows if len(r) > 7 and CODE_IN_NAME.match(r[0].strip()) and CODE_IN_NAME.match(r[7].strip())]


def test_former_provinces_match_the_official_list():
    ours = {p["province_code"]: normalize(p["name"]) for p in load_provinces() if p["valid_to"]}
    assert ours == _official_former()
    assert len(ours) == 63


def test_current_units_match_the_conversion_table():
    official = {}
    for row in _conversion_rows():
        name, code = CODE_IN_NAME.match(row[0].strip()).groups()
        official[code] = normalize(name)
    ours = {p["province_code"]: normalize(p["name"]) for p in load_provinces() if not p["valid_to"]}
    assert ours == official
    assert len(ours) == 34


def test_each_former_province_rolls_up_where_its_wards_went():
    went = defaultdict(Counter)
    for row in _conversion_rows():
        new_code = CODE_IN_NAME.match(row[0].strip()).group(2)
        old_code = CODE_IN_NAME.match(row[7].strip()).group(2)
        went[old_code][new_code] += 1
    ours = {p["province_code"]: p["successor_code"] for p in load_provinces() if p["valid_to"]}
    assert ours == {old: counts.most_common(1)[0][0] for old, counts in went.items()}
    # the one known exception: a ward of old 82 (Tiền Giang) went to new 80 (Tây Ninh)
    assert set(went["82"]) == {"82", "80"}


def test_reference_codes_are_consistent():
    provinces = load_provinces()
    current = {p["province_code"] for p in provinces if not p["valid_to"]}
    assert {p["successor_code"] for p in provinces} == current
    fields = read_reference("fields")
    assert sum(1 for f in fields if f["level"] == "2") == 46
    assert {f["parent_code"] for f in fields if f["parent_code"]} == {
        f["field_code"] for f in fields if f["level"] == "1"
    }


# Resolution 202/2025/QH15 as ../shared/domain.md tabulates it: current unit <- the former provinces it absorbed.
MERGER = {
    "01": "01",
    "04": "04",
    "08": "02 08",
    "11": "11",
    "12": "12",
    "14": "14",
    "15": "10 15",
    "19": "06 19",
    "20": "20",
    "22": "22",
    "24": "24 27",
    "25": "17 25 26",
    "31": "30 31",
    "33": "33 34",
    "37": "35 36 37",
    "38": "38",
    "40": "40",
    "42": "42",
    "44": "44 45",
    "46": "46",
    "48": "48 49",
    "51": "51 62",
    "52": "52 64",
    "56": "56 58",
    "66": "54 66",
    "68": "60 67 68",
    "75": "70 75",
    "79": "74 77 79",
    "80": "72 80",
    "82": "82 87",
    "86": "83 84 86",
    "91": "89 91",
    "92": "92 93 94",
    "96": "95 96",
}


def test_every_former_province_rolls_up_to_the_unit_the_resolution_names():
    expected = {old: new for new, olds in MERGER.items() for old in olds.split()}
    former = {p["province_code"]: p["successor_code"] for p in load_provinces() if p["valid_to"]}
    current = {p["province_code"] for p in load_provinces() if not p["valid_to"]}
    assert former == expected and current == set(MERGER)
