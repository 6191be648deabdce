"""Properties of the text every source goes through, on generated inputs (hypothesis; profile in
tests/conftest.py): the stored normal form (NFC, one tone placement, idempotent), the matching key, the
legacy font encodings (TCVN3, VNI) read back and recognised, person name keys, DOIs in any written form."""

import csv
import unicodedata

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from sources.academies.records import doi_of
from sources.vietnamese import detect_legacy_encoding, fold, from_legacy, normalize, to_legacy
from tests.test_reference import WARDS_BEFORE
from warehouse.names import person_key

# -- Vietnamese text ----------------------------------------------------------------------------------
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # none, huyền, sắc, hỏi, ngã, nặng
VOWELS = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
# Syllable onsets of Vietnamese (the alphabet's consonants and digraphs); "q" only as "qu".
ONSETS = [
    "",
    "b",
    "c",
    "ch",
    "d",
    "đ",
    "g",
    "gh",
    "gi",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "p",
    "ph",
    "r",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
]
CODAS = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"]


@st.composite
def syllables(draw) -> str:
    """A Vietnamese-looking syllable in NFC: onset, one or two vowels (one toned), coda; any case."""
    vowels = draw(st.lists(st.sampled_from(VOWELS), min_size=1, max_size=2))
    toned = draw(st.integers(0, len(vowels) - 1))
    vowels[toned] += draw(st.sampled_from(TONES))
    word = draw(st.sampled_from(ONSETS)) + "".join(vowels) + draw(st.sampled_from(CODAS))
    word = unicodedata.normalize("NFC", word)
    return draw(st.sampled_from([word, word.capitalize(), word.upper()]))


phrases = st.lists(syllables(), min_size=1, max_size=6).map(" ".join)
# Any text at all: letters of every script, combining marks alone, odd spaces, punctuation.
any_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
forms = st.sampled_from(["NFC", "NFD"])


@given(any_text | phrases)
def test_the_normal_form_is_nfc_single_spaced_and_a_fixed_point(text):
    once = normalize(text)
    assert unicodedata.is_normalized("NFC", once)
    assert once == once.strip() and "  " not in once
    assert normalize(once) == once


@given(phrases, forms, st.sampled_from([" ", "  ", "\t", "\u00a0", "\n"]))
def test_the_same_words_in_nfc_or_nfd_and_any_spacing_have_one_normal_form(text, form, gap):
    typed = gap + gap.join(unicodedata.normalize(form, text).split(" ")) + gap
    assert normalize(typed) == normalize(text)
    assert fold(typed) == fold(text)


@given(
    st.sampled_from(["h", "th", "kh", "l", "t", "x", "ng", "ch"]),
    st.sampled_from(["oa", "oe", "uy"]),
    st.sampled_from(TONES[1:]),
    forms,
)
@example("h", "oa", "\u0300", "NFC")  # "hoà" -> "hòa"
@example("th", "uy", "\u0309", "NFC")  # "thuỷ" -> "thủy"
def test_a_tone_on_the_second_vowel_of_a_final_oa_oe_uy_moves_to_the_first(onset, pair, tone, form):
    old_style = unicodedata.normalize(form, onset + pair[0] + pair[1] + tone)
    new_style = unicodedata.normalize("NFC", onset + pair[0] + tone + pair[1])
    assert normalize(old_style) == new_style
    assert normalize(new_style) == new_style
    assert normalize(old_style.upper()) == new_style.upper()


@given(st.sampled_from(TONES[1:]), st.sampled_from(["", "t", "nh"]))
def test_after_qu_and_before_a_final_consonant_the_tone_stays_where_it_is(tone, coda):
    quy = unicodedata.normalize("NFC", "qu" + "y" + tone)  # "u" of "qu" is a consonant: "quý"
    assert normalize(quy) == quy
    if coda:  # "hoạch", "toét": a vowel pair followed by a consonant keeps its tone on the second
        closed = unicodedata.normalize("NFC", "ho" + "a" + tone + coda)
        assert normalize(closed) == closed


@given(any_text | phrases)
def test_the_matching_key_ignores_case_diacritics_and_the_normal_form(text):
    key = fold(text)
    assert fold(key) == key
    assert fold(normalize(text)) == key
    assert fold(text.upper()) == fold(text.lower()) or not text.isascii()
    assert not any(unicodedata.combining(ch) for ch in key) and "đ" not in key


@given(st.lists(syllables().map(str.lower), min_size=1, max_size=8).map(" ".join))
def test_tcvn3_text_reads_back_as_the_unicode_it_was_typed_from(text):
    assert from_legacy(to_legacy(text, "tcvn3"), "tcvn3") == text


@given(phrases)
def test_vni_text_reads_back_as_the_unicode_it_was_typed_from(text):
    assert from_legacy(to_legacy(text, "vni"), "vni") == text


@given(phrases.filter(lambda t: not t.isascii()), st.sampled_from(["tcvn3", "vni"]))
def test_legacy_text_never_keeps_a_vietnamese_letter_beyond_latin_1(text, encoding):
    """What the old fonts stored: one-byte look-alikes; a letter above U+00FF left over would mean a
    letter the table forgot. TCVN3 had no toned capitals: offices typed those letters in lower case."""
    legacy = to_legacy(text, encoding)
    assert all(ord(ch) < 0x100 for ch in legacy)
    toned_capitals_lowered = "".join(
        ch.lower() if ch.isupper() and any(m in unicodedata.normalize("NFD", ch) for m in TONES[1:]) else ch
        for ch in text
    )
    assert from_legacy(legacy, encoding) == (text if encoding == "vni" else toned_capitals_lowered)


with open(WARDS_BEFORE, encoding="utf-8") as _f:
    PLACE_NAMES = sorted(
        {
            name
            for row in csv.DictReader(_f)
            for name in (row["Phường Xã"], row["Quận Huyện"])
            if name and not name.isascii()
        }
    )


@given(st.lists(st.sampled_from(PLACE_NAMES), min_size=4, max_size=8), st.sampled_from(["tcvn3", "vni"]))
def test_a_files_legacy_font_is_recognised_from_a_few_of_its_cells_and_unicode_is_left_alone(cells, encoding):
    """Real Vietnamese text (the official names of wards and districts) typed in an old font: a handful
    of a file's cells tell which font, and the text reads back as it was typed."""
    typed = [to_legacy(cell, encoding) for cell in cells]
    assert detect_legacy_encoding(typed) == encoding
    assert detect_legacy_encoding(cells) is None
    back = [from_legacy(cell, encoding) for cell in typed]
    assert back == cells if encoding == "vni" else [b.lower() for b in back] == [c.lower() for c in cells]


@pytest.mark.parametrize(
    "cells, encoding",
    [
        # Unicode names in letters below U+0100 only, as TCVN3 text is: symbols beside them do not make them TCVN3
        (["Xã Vân Hà", "«trích»"], None),
        (["Xã Hà Tân", "25°C"], None),
        (["Xã Liên Khê", "¼ ha"], None),
        ([to_legacy("Quận An Dương", "vni")], "vni"),  # one cell is enough when it has a syllable of two vowels
        (["Xã A Lù"], None),  # reads as well in every font: the text is taken as it came
        ([to_legacy("Xã Đa Mi", "tcvn3")], "tcvn3"),
        (
            [to_legacy(cell, "tcvn3") for cell in ("Xã Nam Sơn", "«trích»")],
            "tcvn3",
        ),  # a quotation in guillemets beside it
    ],
)
def test_a_few_cells_are_read_in_the_font_they_were_typed_in(cells, encoding):
    assert detect_legacy_encoding(cells) == encoding


@given(st.lists(syllables(), min_size=2, max_size=4), st.randoms(use_true_random=False))
def test_a_person_has_one_key_whatever_the_order_of_the_names_and_diacritics(names, rng):
    shuffled = names[:]
    rng.shuffle(shuffled)
    assert person_key(" ".join(shuffled)) == person_key(" ".join(names)) == person_key(fold(" ".join(names)))


# -- DOIs ----------------------------------------------------------------------------------------------------
dois = st.builds(
    lambda prefix, suffix: f"10.{prefix}/{suffix}",
    st.integers(1000, 999999999).map(str),
    st.text(
        st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._;()/:"),
        min_size=1,
        max_size=30,
    ).filter(lambda s: s[-1] not in ".,;"),
)
DOI_FORMS = [
    "{}",
    "doi:{}",
    "DOI: {}",
    "info:doi/{}",
    "urn:doi:{}",
    "https://doi.org/{}",
    "http://dx.doi.org/{}",
    "https://www.doi.org/{}",
    "info:eu-repo/semantics/altIdentifier/doi/{}",
    " {} ",
]


@given(dois, st.sampled_from(DOI_FORMS), st.booleans())
def test_a_doi_in_any_form_a_repository_writes_is_one_lower_case_doi(doi, form, upper):
    written = form.format(doi.upper() if upper else doi)
    found = doi_of([written], [])
    assert found == doi.lower()
    assert doi_of([found], []) == found  # the normal form is a fixed point
    assert doi_of(["http://hdl.handle.net/123456789/1"], [written]) == found  # from dc:relation too


@given(dois, phrases)
def test_a_doi_quoted_in_a_citation_is_found(doi, citation):
    assume("doi" not in citation.lower())
    assert doi_of([f"{citation}, 2023. doi:{doi}"], []) == doi.lower()
    assert doi_of([citation], []) is None
