"""The statistics each province reports on forms 01-04, in the demo generator."""

from __future__ import annotations

from collections import defaultdict

from demo.world import MERGER_DATE
from sources.provinces.template import FORMS


class ProvincialStatistics:
    """The provincial statistics of `_World` (what each province really reported)."""

    def build_statistics(self):
        """True indicator values per former province and year; after the merger, per current unit."""
        s = self.s
        truth: dict[tuple[str, int, str], list[tuple[str, str, float]]] = {}
        for year in range(s.first_year, s.last_year + 1):
            growth = 1.04 ** (year - s.first_year)
            per_old = {}
            for p in self.old_provinces:
                w = self.province_weight[p["province_code"]] * growth
                per_old[p["province_code"]] = {form: self.form_values(form, w) for form in FORMS}
            if year < MERGER_DATE.year:
                for code, forms in per_old.items():
                    for form, rows in forms.items():
                        truth[(code, year, form)] = rows
            else:  # a year that ends after the merger is reported by the 34 current units
                for p in self.new_provinces:
                    parts = [c for c, succ in self.successor.items() if succ == p["province_code"]]
                    for form in FORMS:
                        summed: dict[tuple[str, str], float] = defaultdict(float)
                        units = {}
                        for c in parts:
                            for indicator, breakdown, value, unit in per_old[c][form]:
                                summed[(indicator, breakdown)] += value
                                units[(indicator, breakdown)] = unit
                        truth[(p["province_code"], year, form)] = [
                            (k[0], k[1], round(v, 1), units[k]) for k, v in summed.items()
                        ]
        self.statistics = truth

    def form_values(self, form: str, weight: float):
        rng = self.rng
        spec = FORMS[form]
        rows = []
        for indicator in spec["indicators"]:
            base = indicator["scale"] * weight * rng.uniform(0.7, 1.3)
            total = round(base, 1) if indicator["unit"] in ("triệu đồng",) else float(max(1, round(base)))
            rows.append((indicator["code"], "tong", total, indicator["unit"]))
            for dimension, members in indicator.get("breakdowns", {}).items():
                shares = [rng.random() + 0.2 for _ in members]
                parts = [total * sh / sum(shares) for sh in shares]
                if total == int(total):  # counts split into whole numbers that still add up
                    parts = [float(int(v)) for v in parts]
                    parts[0] += total - sum(parts)
                else:
                    parts = [round(v, 1) for v in parts]
                    parts[0] = round(parts[0] + total - sum(parts), 1)
                rows.extend(
                    (indicator["code"], f"{dimension}:{m}", v, indicator["unit"])
                    for m, v in zip(members, parts, strict=False)
                )
        return rows
