"""Vietnamese text normal forms shared by sources, the warehouse and matching.

`normalize` is the stored normal form: NFC with one tone-placement convention (the tone mark sits on
the first vowel of a final "oa", "oe", "uy": "hoà" -> "hòa", "thuỷ" -> "thủy", as in the official
province list). `fold` is the comparison key: lower case, no diacritics, "đ" -> "d", single spaces.
"""

from __future__ import annotations

import re
import unicodedata

_TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng (combining, NFD)
# In NFD a toned letter is base + (vowel-quality mark) + tone mark; a final "oa/oe/uy" with the tone on
# its second vowel gets the tone moved to its first. "qu" + "y" keeps its tone: "u" there is a consonant.
_MISPLACED_TONE = re.compile(
    rf"(?<![qQ])([oO])([aAeE])([{_TONES}])(?![\w])|(?<![qQ])([uU])([yY])([{_TONES}])(?![\w])"
)
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


def _move_tone(match: re.Match) -> str:
    first, second, tone = (match.group(1), match.group(2), match.group(3))
    if first is None:
        first, second, tone = match.group(4), match.group(5), match.group(6)
    return first + tone + second


def normalize(text: str | None) -> str | None:
    """NFC, one tone placement, single spaces; None stays None."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFD", str(text))
    decomposed = _MISPLACED_TONE.sub(_move_tone, decomposed)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", decomposed)).strip()


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str | None) -> str | None:
    """Matching key: no diacritics, lower case, punctuation dropped, single spaces."""
    if text is None:
        return None
    plain = strip_diacritics(unicodedata.normalize("NFC", str(text))).lower()
    return _SPACES.sub(" ", _PUNCT.sub(" ", plain)).strip()
