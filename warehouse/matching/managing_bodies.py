"""Managing bodies and their lineage: which body a name as written means, and whether two bodies are
one lineage (a body and the one that took it over).

Ministries merged on 1 March 2025 (Resolution 176/2025/QH15, `sources/reference/managing_bodies.csv`)
and provinces on 1 July 2025 (`provinces.csv`): a task keeps the body it was registered under, which
rolls up to its current successor. A provincial body ("UBND tỉnh X", "Sở KH&CN tỉnh X": the
province's People's Committee manages its tasks through its Department of S&T) has the code
`UBND-<province_code>@<valid_from>`, the province as it was at the time.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sources.reference import load_provinces, read_reference
from sources.vietnamese import fold

PROVINCIAL = re.compile(
    r"^(?:ubnd|uy ban nhan dan|so (?:khoa hoc cong nghe|kh cn|khcn)|so)\s+(?:tinh\s+|thanh pho\s+|tp\s+)?(.+)$"
)
MERGER_YEAR = 2025  # provinces merged on 1 July 2025: a start year after it means the current units


def _key(name: str | None) -> str:
    """Folded name without "và" and with "KH&CN"-style splits joined the same way for every spelling."""
    return " ".join(w for w in (fold(name) or "").split() if w != "va")


@lru_cache(maxsize=1)
def bodies() -> dict[str, dict]:
    """{code: row} of every managing body: the reference list, then each province's People's Committee."""
    rows = {r["body_code"]: r for r in read_reference("managing_bodies")}
    for p in load_provinces():
        code = f"UBND-{p['province_code']}@{p['valid_from']}"
        successor = None
        if p["valid_to"]:
            successor = f"UBND-{p['successor_code']}@2025-07-01"
        rows[code] = {
            "body_code": code,
            "name": f"Ủy ban nhân dân {p['name'].replace('Tỉnh ', 'tỉnh ')}",
            "aliases": None,
            "valid_from": p["valid_from"],
            "valid_to": p["valid_to"],
            "successor_code": successor,
            "note": None,
        }
    return rows


def successors() -> dict[str, str]:
    """{body: the body that took it over}, every merger."""
    return {code: row["successor_code"] for code, row in sorted(bodies().items()) if row["successor_code"]}


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names = {}
    for code, row in bodies().items():
        if not code.startswith("UBND-"):
            for name in [code, row["name"], *(row["aliases"] or "").split(";")]:
                names.setdefault(_key(name), code)
    return names


@lru_cache(maxsize=1)
def _provinces() -> dict[str, list[dict]]:
    by_name = {}
    for p in load_provinces():
        short = fold(p["name"]).replace("thanh pho ", "").replace("tinh ", "")
        by_name.setdefault(short, []).append(p)
    by_name["thua thien hue"] = by_name["hue"]
    return by_name


def body_code(name: str | None, year: int | None = None) -> str | None:
    """The code of the body a name as written means ("Bộ NN&PTNT", "BKHCN", "UBND tỉnh Sóc Trăng",
    "Sở KH&CN TP. Hồ Chí Minh"), the province as it was in `year`; an unknown name is its own key."""
    key = _key(name)
    if not key:
        return None
    if key in _names():
        return _names()[key]
    provincial = PROVINCIAL.match(key)
    if provincial:
        units = _provinces().get(provincial.group(1).strip())
        if units:
            current = [u for u in units if u["valid_to"] is None]
            former = [u for u in units if u["valid_to"]]
            unit = (current or former)[0] if (year or 0) > MERGER_YEAR or not former else former[0]
            return f"UBND-{unit['province_code']}@{unit['valid_from']}"
    return key


def lineage(code: str | None) -> list[str]:
    """The body and every body it rolled up into, oldest first."""
    chain, rows = [], bodies()
    while code and code not in chain:
        chain.append(code)
        code = (rows.get(code) or {}).get("successor_code")
    return chain


def current_body(code: str | None) -> str | None:
    return lineage(code)[-1] if code else None


def one_lineage(a: str | None, b: str | None) -> bool:
    """The same body, or one a predecessor of the other (BNNPTNT and BNNMT; not BNNPTNT and BTNMT,
    two bodies of their time that merged later)."""
    return a is not None and b is not None and (a in lineage(b) or b in lineage(a))
