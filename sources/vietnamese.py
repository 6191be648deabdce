"""Vietnamese text normal forms shared by sources, the warehouse and matching.

`normalize` is the stored normal form: NFC with one tone-placement convention (the tone mark sits on
the first vowel of a final "oa", "oe", "uy": "hoà" -> "hòa", "thuỷ" -> "thủy", as in the official
province list). `fold` is the comparison key: lower case, no diacritics, "đ" -> "d", single spaces.
"""

from __future__ import annotations

import re
import unicodedata

_TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng (combining, NFD)
# In NFD a toned letter is base + (vowel-quality mark) + tone mark, except the dot below, which comes
# before a quality mark ("ặ" is a, dot below, breve). A final "oa/oe/uy" with the tone on its second
# vowel gets the tone moved to its first; nothing may follow the tone, neither a letter nor another
# mark ("hoặc" is "o" + "ă", not "oa"). "qu" + "y" keeps its tone: "u" there is a consonant.
_MISPLACED_TONE = re.compile(
    rf"(?<![qQ])([oO])([aAeE])([{_TONES}])(?![\w\u0300-\u036f])"
    rf"|(?<![qQ])([uU])([yY])([{_TONES}])(?![\w\u0300-\u036f])"
)
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


def _maybe_misplaced_tone() -> re.Pattern:
    """Where `_MISPLACED_TONE` may match in the NFD of a text that is already NFC: "o" or "u", then a
    precomposed "a e y" that decomposes to the letter and a tone alone, then no letter. NFC text with
    none of these (nearly all text received) is its own NFC(NFD()), so `normalize` skips decomposing
    it. A superset ("qu", "o" + "y") only costs time."""
    toned = "".join(
        chr(code)
        for code in range(0x80, 0x2000)
        if len(parts := unicodedata.normalize("NFD", chr(code))) == 2 and parts[0] in "aAeEyY" and parts[1] in _TONES
    )
    return re.compile(f"[oOuU][{toned}](?!\\w)")


_MAYBE_MISPLACED_TONE = _maybe_misplaced_tone()


def _move_tone(match: re.Match) -> str:
    first, second, tone = (match.group(1), match.group(2), match.group(3))
    if first is None:
        first, second, tone = match.group(4), match.group(5), match.group(6)
    return first + tone + second


def normalize(text: str | None) -> str | None:
    """NFC, one tone placement, single spaces; None stays None."""
    if text is None:
        return None
    text = str(text)
    if unicodedata.is_normalized("NFC", text) and not _MAYBE_MISPLACED_TONE.search(text):
        return " ".join(text.split())  # what _SPACES.sub(" ", text).strip() gives, in a fifth of the time
    return _normalize_decomposing(text)


def _normalize_decomposing(text: str) -> str:
    """The definition of `normalize`, which takes it only for text that may need it."""
    decomposed = unicodedata.normalize("NFD", text)
    decomposed = _MISPLACED_TONE.sub(_move_tone, decomposed)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", decomposed)).strip()


# The combining marks of U+0300-U+036F (every Vietnamese tone and vowel mark), removed in one pass;
# marks of other scripts, rarer, are looked up one character at a time.
_LATIN_MARKS = re.compile("[" + "".join(chr(c) for c in range(0x300, 0x370) if unicodedata.combining(chr(c))) + "]")


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = _LATIN_MARKS.sub("", decomposed)
    if stripped.isascii():
        return stripped
    return "".join(ch for ch in stripped if not unicodedata.combining(ch))


def fold(text: str | None) -> str | None:
    """Matching key: no diacritics, lower case, punctuation dropped, single spaces."""
    if text is None:
        return None
    # No NFC first: strip_diacritics decomposes, and NFD of the NFC form is the NFD form.
    plain = strip_diacritics(str(text)).lower()
    return " ".join(_PUNCT.sub(" ", plain).split())  # str.split's whitespace is the regex's \s


# -- legacy encodings -------------------------------------------------------------------------------
# Text typed with the pre-Unicode Vietnamese fonts arrives as Latin-1 look-alikes: ".VnTime" (TCVN3,
# TCVN 5712:1993, one byte per letter: "Hµ Néi") or "VNI-Times" (a base letter followed by a mark
# byte: "Haø Noäi"). No maintained Python package converts them; the tables below are the public
# font tables. TCVN3 has no upper-case toned letters (offices used a separate capitals font).
_TCVN3_TABLE = {
    "a": "a¸µ¶·¹",
    "ă": "¨¾»¼½Æ",
    "â": "©ÊÇÈÉË",
    "e": "eÐÌÎÏÑ",
    "ê": "ªÕÒÓÔÖ",
    "i": "iÝ×ØÜÞ",
    "o": "oãßáâä",
    "ô": "«èåæçé",
    "ơ": "¬íêëìî",
    "u": "uóïñòô",
    "ư": "­øõö÷ù",
    "y": "yýúûüþ",
}
_TONE_ORDER = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # none, sắc, huyền, hỏi, ngã, nặng
TCVN3_TO_UNICODE: dict[str, str] = {"Ă": "¡", "Â": "¢", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§", "đ": "®"}
TCVN3_TO_UNICODE = {legacy: letter for letter, legacy in TCVN3_TO_UNICODE.items()}
for _base, _legacy in _TCVN3_TABLE.items():
    for _tone, _char in zip(_TONE_ORDER, _legacy, strict=False):
        if _char != _base:
            TCVN3_TO_UNICODE[_char] = unicodedata.normalize("NFC", _base + _tone)

# VNI: base letter + quality mark + tone mark, each mark one byte (lower-case marks after lower-case letters).
_VNI_TONES = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRCUMFLEX_TONES = {"\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE_TONES = {"\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_SINGLE = {"ơ": "ô", "ư": "ö", "đ": "ñ", "ỵ": "î", "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò"}


def _vni_lower(letter: str) -> str | None:
    """The VNI byte sequence of one lower-case Vietnamese letter, or None if it is plain ASCII."""
    if letter in _VNI_SINGLE:
        return _VNI_SINGLE[letter]
    parts = unicodedata.normalize("NFD", letter)
    base, marks = parts[0], parts[1:]
    tone = next((m for m in marks if m in _VNI_TONES), "")
    quality = "".join(m for m in marks if m not in _VNI_TONES)
    plain = unicodedata.normalize("NFC", base + quality)
    if plain in ("ơ", "ư"):
        return _VNI_SINGLE[plain] + (_VNI_TONES[tone] if tone else "")
    if plain in ("â", "ê", "ô"):
        return base + (_VNI_CIRCUMFLEX_TONES[tone] if tone else "â")
    if plain == "ă":
        return base + (_VNI_BREVE_TONES[tone] if tone else "ê")
    if tone and plain in "aeiouy":
        return base + _VNI_TONES[tone]
    return None


UNICODE_TO_VNI: dict[str, str] = {}
for _letter in {
    unicodedata.normalize("NFC", b + q + t)
    for b in "aeiouy"
    for q in ("", "\u0302", "\u0306", "\u031b")
    for t in _TONE_ORDER
} | {"đ"}:
    _seq = _vni_lower(_letter) if len(_letter) == 1 else None
    if _seq:
        UNICODE_TO_VNI[_letter] = _seq
        UNICODE_TO_VNI[_letter.upper()] = _seq.upper()
VNI_TO_UNICODE = {seq: letter for letter, seq in UNICODE_TO_VNI.items()}
_VNI_PATTERN = re.compile("|".join(re.escape(s) for s in sorted(VNI_TO_UNICODE, key=len, reverse=True)))
UNICODE_TO_TCVN3 = {letter: legacy for legacy, letter in TCVN3_TO_UNICODE.items()}
LEGACY_ENCODINGS = ("tcvn3", "vni")
_VIETNAMESE_LETTERS = set("abcdefghijklmnopqrstuvwxyz") | set(UNICODE_TO_VNI) | {"đ", "Đ"}


def to_legacy(text: str, encoding: str) -> str:
    """Unicode -> TCVN3 or VNI look-alike text (what an old office's file holds); for the demo and tests."""
    table = UNICODE_TO_TCVN3 if encoding == "tcvn3" else UNICODE_TO_VNI
    nfc = unicodedata.normalize("NFC", text)
    if encoding == "tcvn3":  # no upper-case toned letters in TCVN3: they were typed in lower case
        nfc = "".join(
            ch
            if ch in table or not ch.isupper() or ch.lower() == ch
            else (ch if ch.lower() not in table else ch.lower())
            for ch in nfc
        )
    return "".join(table.get(ch, ch) for ch in nfc)


def from_legacy(text: str, encoding: str) -> str:
    if encoding == "tcvn3":
        return "".join(TCVN3_TO_UNICODE.get(ch, ch) for ch in text)
    return _VNI_PATTERN.sub(lambda m: VNI_TO_UNICODE[m.group(0)], text)


_VOWEL_CLUSTERS = set(
    [
        "a",
        "ă",
        "â",
        "e",
        "ê",
        "i",
        "o",
        "ô",
        "ơ",
        "u",
        "ư",
        "y",
        "ai",
        "ao",
        "au",
        "ay",
        "âu",
        "ây",
        "eo",
        "êu",
        "ia",
        "iê",
        "iu",
        "oa",
        "oă",
        "oe",
        "oi",
        "oo",
        "ôi",
        "ơi",
        "ua",
        "uâ",
        "uê",
        "ui",
        "uô",
        "uơ",
        "uy",
        "ưa",
        "ưi",
        "ươ",
        "ưu",
        "yê",
        "iêu",
        "oai",
        "oay",
        "oeo",
        "uây",
        "uôi",
        "uya",
        "uyê",
        "uyu",
        "ươi",
        "ươu",
        "yêu",
    ]
)
_VOWEL_RUN = re.compile("[aăâeêioôơuưy]+")


def _untoned(word: str) -> str:
    return unicodedata.normalize("NFC", "".join(ch for ch in unicodedata.normalize("NFD", word) if ch not in _TONES))


def _implausibility(text: str) -> int:
    """How un-Vietnamese a text looks: foreign Latin-1 symbols, words with two tone marks, and vowel
    sequences no Vietnamese syllable has ("aư" is what VNI's "aø" becomes when read as TCVN3)."""
    score = sum(1 for ch in text if "\u00a1" <= ch <= "\u00bf")  # ¡..¿: symbols, never in Vietnamese words
    for word in re.findall(r"[^\W\d_]+", text):
        if word.isascii():
            continue
        score += sum(1 for ch in word if ch.lower() not in _VIETNAMESE_LETTERS and ord(ch) < 0x250)
        score += 3 * max(0, sum(1 for ch in unicodedata.normalize("NFD", word) if ch in _TONES) - 1)
        plain = _untoned(word.lower())
        plain = re.sub(r"^(q)u", r"\1", re.sub(r"^gi(?=[aăâeêoôơuưy])", "g", plain))
        score += 2 * sum(1 for run in _VOWEL_RUN.findall(plain) if run not in _VOWEL_CLUSTERS)
    return score


def detect_legacy_encoding(texts) -> str | None:
    """'tcvn3', 'vni' or None (Unicode) for a body of text, e.g. every text cell of one report file."""
    sample = "\n".join(t for t in texts if t)
    if not any("\u00a0" <= ch <= "\u00ff" for ch in sample):
        return None
    if any(ch >= "\u0100" and ch.lower() in _VIETNAMESE_LETTERS for ch in sample):
        return None  # letters only Unicode has (ơ, ư, đ, ạ, ế ...): legacy fonts map every letter below U+0100
    scores = {None: _implausibility(sample)}
    for encoding in LEGACY_ENCODINGS:
        scores[encoding] = _implausibility(from_legacy(sample, encoding))
    best = min(scores, key=lambda e: (scores[e], e is not None))
    return best
