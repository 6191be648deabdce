"""Do two task titles describe the same work? Their similarity after the rewordings registrations use,
and what must agree whatever the wording: phase, years, places, the crop, animal or object.

Written from how registrations are worded: a second registration drops or adds the opening verb
("Nghiên cứu xây dựng mô hình" / "Xây dựng mô hình"), abbreviates ("ứng dụng tiến bộ KH&CN" /
"ứng dụng TBKT", "ĐBSCL", "SX"), adds the place ("... trên địa bàn tỉnh X"), reorders the words.
The same template topic for another province or crop, phase 2 of a task, and the next year's
recurring task differ in a few words only: those words decide.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from warehouse.matching.task_places import fold, places, places_differ, places_only_in

# Folded wordings of one meaning, mapped to one of them; longest first where they overlap.
REWORDINGS = [
    ("nghien cuu ung dung", "ung dung"),
    ("nghien cuu phat trien", "phat trien"),
    ("nghien cuu danh gia", "danh gia"),
    ("nghien cuu xay dung", "xay dung"),
    ("nghien cuu che tao", "che tao"),
    ("nghien cuu san xuat", "san xuat"),
    ("tien bo khoa hoc va cong nghe", "tbkt"),
    ("tien bo khoa hoc cong nghe", "tbkt"),
    ("tien bo ky thuat", "tbkt"),
    ("tbkh cn", "tbkt"),
    ("tbkhcn", "tbkt"),
    ("khoa hoc va cong nghe", "khoa hoc cong nghe"),
    ("tri tue nhan tao", "ai"),
    ("vac xin", "vacxin"),
    ("hydrogen", "hydro"),
    ("ti le", "ty le"),
    ("truot lo", "sat lo"),
    ("chong chiu", "chiu"),
    ("tang cuong", "nang cao"),
    ("tang", "nang cao"),
    ("dap ung", "phuc vu"),
    ("tren dia ban", "tai"),
    ("o", "tai"),
    ("khu vuc", "vung"),
    ("phia nam", "mien nam"),
    ("phia bac", "mien bac"),
    ("thiet lap", "xay dung"),
    ("thanh lap", "xay dung"),
    ("tao lap", "xay dung"),
    ("he thong", "he"),
    ("hoan thien quy trinh cong nghe", "hoan thien cong nghe"),
    ("quy trinh cong nghe", "quy trinh"),
    ("dan toc", "nguoi"),
    ("dong bao", ""),
    ("tp", "thanh pho"),
]
_REWORDING = re.compile(r"\b(" + "|".join(re.escape(a) for a, _ in REWORDINGS) + r")\b")
_CANONICAL = dict(REWORDINGS)
# Phrases that open or pad a title and say nothing of the work itself (whole folded phrases: a
# single folded word can be another word too, "che" is "chế" and "chè", "voi" "với" and "vối").
FILLER = [
    "nghien cuu",
    "ung dung",
    "xay dung",
    "phat trien",
    "danh gia",
    "de xuat",
    "hoan thien",
    "thiet ke",
    "che tao",
    "giai phap",
    "thuc trang",
    "co so khoa hoc",
    "thuc tien",
    "ly luan",
    "va",
    "cua",
    "cho",
    "trong",
    "cac",
    "nhung",
    "mot so",
    "tai",
    "gan voi",
    "theo huong",
    "theo",
    "bang",
    "tren",
    "nham",
    "phuc vu",
    "gop phan",
    "su dung",
    "dung",
    "viec",
    "cong tac",
    "nhiem vu",
    "de tai",
    "du an",
    "kha nang",
]
_FILLER = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in sorted(FILLER, key=len, reverse=True)) + r")\b")
# The kind of work a title opens with: applying a result somewhere, or developing it (registrations
# use "nghiên cứu phát triển", "chế tạo", "sản xuất", "xây dựng" for one work), or assessing. A chain
# of openings ("Nghiên cứu ứng dụng tiến bộ kỹ thuật xây dựng mô hình") says it with its last verb;
# "Nghiên cứu" alone is any kind. Titles of two kinds are not one work ("Chế tạo X" / "Ứng dụng X").
WORK_KINDS = {
    "nghien cuu": "research",
    "ung dung": "apply",
    "su dung": "apply",
    "trien khai": "apply",
    "xay dung": "develop",
    "phat trien": "develop",
    "che tao": "develop",
    "san xuat": "develop",
    "thiet ke": "develop",
    "bao che": "develop",
    "hoan thien": "develop",
    "chon tao": "develop",
    "tuyen chon": "develop",
    "phuc trang": "develop",
    "danh gia": "assess",
    "dieu tra": "assess",
    "khao sat": "assess",
}
_OPENING = re.compile(r"^(?:(" + "|".join(WORK_KINDS) + r")(?: tbkt| khoa hoc cong nghe)?\s*)+")
_VERB = re.compile(r"\b(" + "|".join(WORK_KINDS) + r")\b")
# A purpose the title states ("... nhằm nâng cao năng suất", "... phục vụ xuất khẩu"), up to the place.
_PURPOSE = re.compile(r"\b(?:nham|phuc vu|gop phan|thich ung|trong boi canh|huong toi|quy mo)\b(.*?)(?=\btai\b|$)")
# How a title says it applies or transfers a result elsewhere (a pilot), not the research itself.
TRANSFER = re.compile(r"\b(ung dung ket qua|chuyen giao|trien khai thi diem|thi diem|trinh dien|nhan rong)\b")
_PHASE = re.compile(r"\b(?:giai doan|gd|pha|dot)\s+(\d{1,2}|iv|v?i{1,3}|v)\b(?!\s*\d)")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}
_VOWELS = set("aeiouy")
_ABBREVIATION = re.compile(r"[b-df-hj-np-tv-xz]{2,6}")
_DOUBLED = re.compile(r"(.)\1+")
MAX_SUBSTITUTED = 5  # words: a crop, an animal, a disease ("dịch tả lợn châu Phi")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_NUMBER = re.compile(r"\b\d+\b")


@lru_cache(maxsize=1 << 17)
def canonical(title: str | None) -> str:
    """Folded title, one wording for each of REWORDINGS."""
    folded = fold(title) or ""
    return re.sub(r"\s+", " ", _REWORDING.sub(lambda m: _CANONICAL[m.group(1)], folded)).strip()


def expand_acronyms(words: list[str], other: list[str]) -> list[str]:
    """Each word of `words` the other title lacks that spells the first letters of a run of the
    other's words ("tbkt", "dbscl", "sx", "kh cn") replaced by that run. Vietnamese syllables have
    vowels: only a word without one is taken for an abbreviation."""
    candidates = {w for w in words if _ABBREVIATION.fullmatch(w)} - set(other)
    if not candidates:
        return words
    out = []
    for word in words:
        run = None
        if word in candidates:
            n = len(word)
            run = next(
                (
                    other[i : i + n]
                    for i in range(len(other) - n + 1)
                    if "".join(w[0] for w in other[i : i + n]) == word
                ),
                None,
            )
        out.extend(run or [word])
    return out


def content_words(title: str, other: str) -> list[str]:
    """The title's words without openings and padding, its abbreviations written out as the other has them."""
    abbreviations = _abbreviations(title) - set(canonical(other).split())
    if not abbreviations:
        return content_key(title).split()
    words, others = canonical(title).split(), canonical(other).split()
    return _without_filler(" ".join(expand_acronyms(words, others))).split()


@lru_cache(maxsize=1 << 17)
def _abbreviations(title: str) -> frozenset[str]:
    return frozenset(w for w in canonical(title).split() if _ABBREVIATION.fullmatch(w))


@lru_cache(maxsize=1 << 17)
def _without_filler(text: str) -> str:
    return _FILLER.sub(" ", text)


@lru_cache(maxsize=1 << 17)
def content_key(title: str | None) -> str:
    """The title's content words, before the other title's abbreviations are written out (blocking)."""
    return " ".join(_without_filler(canonical(title)).split())


def phase(title: str) -> int:
    found = _PHASE.search(fold(title) or "")
    if not found:
        return 1
    number = found.group(1)
    return int(number) if number.isdigit() else _ROMAN.get(number, 1)


def _substituted(words_a: list[str], words_b: list[str]) -> str | None:
    """Titles the same at both ends with a few words in the middle replaced by others that appear
    nowhere in the other title, not even with a typo: the crop, animal, disease or object of one
    template ("... phế phụ phẩm cà phê ..." / "... phế phụ phẩm hồ tiêu ...")."""
    start = 0
    while start < min(len(words_a), len(words_b)) and words_a[start] == words_b[start]:
        start += 1
    end = 0
    while end < min(len(words_a), len(words_b)) - start and words_a[-1 - end] == words_b[-1 - end]:
        end += 1
    old, new = words_a[start : len(words_a) - end], words_b[start : len(words_b) - end]
    if not old or not new or len(old) > MAX_SUBSTITUTED or len(new) > MAX_SUBSTITUTED:
        return None
    if start + end < max(len(words_a), len(words_b)) / 2:
        return None  # reworded throughout, not a template filled in again
    if len(set(old) & set(new)) > max(len(old), len(new)) / 2:
        return None  # a word added on each side, around words both keep
    # Words the other title has (or has with a typo) were moved or misspelt, not replaced.
    replaced_old = [w for w in old if not any(_alike(w, x) for x in words_b)]
    replaced_new = [w for w in new if not any(_alike(w, x) for x in words_a)]
    if not replaced_old or not replaced_new:
        return None
    return f"{' '.join(old)} / {' '.join(new)}"


def _alike(a: str, b: str) -> bool:
    """The same word or a typo of it: a letter typed twice, left out or two swapped, or one letter
    wrong in a long word or in a word no Vietnamese syllable spells (no vowel). Folded syllables of
    four letters or fewer one letter apart are most often other words ("than" / "thai", "bac" / "bao")."""
    if a == b or _DOUBLED.sub(r"\1", a) == _DOUBLED.sub(r"\1", b):
        return True
    if len(a) == len(b) and sorted(a) == sorted(b) and OSA.distance(a, b) == 1:
        return True
    if OSA.distance(a, b) != 1:
        return False
    return (
        min(len(a), len(b)) >= 5
        or len(a) != len(b)
        and max(len(a), len(b)) >= 4
        or not (_VOWELS & set(a) and _VOWELS & set(b))
    )


def work_kind(title: str) -> str | None:
    """The kind of work the title opens with, or None when it opens with its object."""
    opening = _OPENING.match(canonical(title))
    if not opening:
        return None
    return WORK_KINDS[_VERB.findall(opening.group(0))[-1]]


def _kinds_differ(a: str, b: str) -> bool:
    return len({work_kind(a), work_kind(b)} - {None, "research"}) > 1


def _pilot(a: str, b: str) -> bool:
    """`a` applies `b`'s work somewhere `b` does not name ("Ứng dụng X tại tỉnh Y" / "Nghiên cứu X"):
    the provincial pilot of a national task."""
    return work_kind(a) == "apply" and work_kind(b) != "apply" and bool(places_only_in(a, b))


def purpose(title: str) -> str | None:
    found = _PURPOSE.search(canonical(title))
    return found.group(0).strip() if found else None


def _purposes_differ(a: str, b: str) -> bool:
    """Both titles state what the work is for, and not the same thing: a second registration of one
    work copies its purpose or leaves it out, it does not give it another."""
    pa, pb = purpose(a), purpose(b)
    return bool(pa and pb) and fuzz.token_set_ratio(pa, pb) < 70


def disagreement(a: str, b: str, after_merger: bool = False) -> str | None:
    """Why two titles are not the same work whatever their similarity, or None."""
    if _purposes_differ(a, b):
        return f"mục tiêu {purpose(a)} / {purpose(b)}"
    if _kinds_differ(a, b):
        return f"loại công việc {work_kind(a)} / {work_kind(b)}"
    if _pilot(a, b) or _pilot(b, a):
        return "một bên ứng dụng kết quả của bên kia tại địa phương"
    if phase(a) != phase(b):
        return f"giai đoạn {phase(a)} / {phase(b)}"
    fa, fb = fold(a) or "", fold(b) or ""
    years_a, years_b = set(_YEAR.findall(fa)), set(_YEAR.findall(fb))
    if years_a and years_b and years_a != years_b:
        return f"năm {', '.join(sorted(years_a))} / {', '.join(sorted(years_b))}"
    if bool(TRANSFER.search(fa)) != bool(TRANSFER.search(fb)):
        return "một bên chuyển giao, ứng dụng kết quả của bên kia"
    if places_differ(a, b, after_merger):
        return f"địa bàn {', '.join(sorted(places(a)))} / {', '.join(sorted(places(b)))}"
    numbers_a = set(_NUMBER.findall(fa)) - years_a
    numbers_b = set(_NUMBER.findall(fb)) - years_b
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return f"số {', '.join(sorted(numbers_a))} / {', '.join(sorted(numbers_b))}"
    return _substituted(content_words(a, b), content_words(b, a))


def strict_similarity(a: str, b: str) -> float:
    """0-100: how alike the whole titles are, opening verbs and purposes included (rewordings folded)."""
    return round(fuzz.ratio(canonical(a), canonical(b)), 2)


def similarity(a: str, b: str) -> float:
    """0-100: how alike the titles' content words are, in order and as sets."""
    wa, wb = " ".join(content_words(a, b)), " ".join(content_words(b, a))
    if not wa or not wb:
        return 0.0
    return round(max(fuzz.ratio(wa, wb), fuzz.token_set_ratio(wa, wb) * 0.98), 2)
