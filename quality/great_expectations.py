"""Runs a suite of Great Expectations 1.x on a pandas frame (GX is imported on first use: it is slow)."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
_lock = threading.Lock()

# Expectations given as (class name, keyword arguments) or (class name, keyword arguments, severity).
Expectation = tuple


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str
    success: bool
    unexpected_count: int
    sample: list
    severity: str | None = None
    # positions (frame index labels) of the rows that failed, for expectations that judge rows one by one
    unexpected_rows: list = field(default_factory=list, repr=False)


@cache
def _context():
    import great_expectations as gx  # noqa: PLC0415  (3 s import; only when a check runs)

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    return gx, context


def warm_up() -> None:
    """Imports GX and makes its context now (in a thread, while other work goes on)."""
    with _lock:
        _context()


def _conditions(kwargs: dict) -> dict:
    """A row condition written (method, column), e.g. ("is_not_null", "province_code"), as a GX condition."""
    condition = kwargs.get("row_condition")
    if not isinstance(condition, tuple):
        return kwargs
    from great_expectations.expectations.row_conditions import Column  # noqa: PLC0415

    method, column = condition
    return {**kwargs, "row_condition": getattr(Column(column), method)()}


def column_of(kwargs: dict) -> str:
    """The column an expectation is about, as reports name it (`a,b` for pairs and compound keys)."""
    return kwargs.get("column") or ",".join(kwargs.get("column_list") or [kwargs.get("column_A", ""),
                                                                          kwargs.get("column_B", "")])


def validate(name: str, frame: pd.DataFrame, expectations: list[Expectation]) -> list[ExpectationOutcome]:
    """Validates `frame`; one outcome per expectation, in the order given."""
    with _lock:  # the ephemeral context is shared; GX is not thread-safe
        gx, context = _context()
        suite = gx.ExpectationSuite(name=name)
        for position, (class_name, kwargs, *severity) in enumerate(expectations):
            suite.add_expectation(getattr(gx.expectations, class_name)(
                **_conditions(kwargs), meta={"position": position, "severity": severity[0] if severity else None}))
        source = context.data_sources.add_or_update_pandas(f"{name}_source")
        asset = source.add_dataframe_asset(name=name)
        batch = asset.add_batch_definition_whole_dataframe(f"{name}_batch").get_batch(
            batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        source.delete_asset(name)
    outcomes = []
    for item in sorted(result.results, key=lambda r: r.expectation_config.meta["position"]):
        config = item.expectation_config
        outcomes.append(ExpectationOutcome(
            expectation=config.type, column=column_of(config.kwargs), success=bool(item.success),
            unexpected_count=int(item.result.get("unexpected_count") or 0),
            sample=[str(v) for v in (item.result.get("partial_unexpected_list") or [])[:5]],
            severity=config.meta.get("severity"),
            unexpected_rows=list(item.result.get("unexpected_index_list") or [])))
    return outcomes
