"""Runs a suite of Great Expectations 1.x on a pandas frame (GX is imported on first use: it is slow)."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from functools import cache

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
_lock = threading.Lock()


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str
    success: bool
    unexpected_count: int
    sample: list


@cache
def _context():
    import great_expectations as gx  # noqa: PLC0415  (3 s import; only when a check runs)

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    return gx, context


def _conditions(kwargs: dict) -> dict:
    """A row condition written (method, column), e.g. ("is_not_null", "province_code"), as a GX condition."""
    condition = kwargs.get("row_condition")
    if not isinstance(condition, tuple):
        return kwargs
    from great_expectations.expectations.row_conditions import Column  # noqa: PLC0415

    method, column = condition
    return {**kwargs, "row_condition": getattr(Column(column), method)()}


def validate(name: str, frame: pd.DataFrame, expectations: list[tuple[str, dict]]) -> list[ExpectationOutcome]:
    with _lock:  # the ephemeral context is shared; GX is not thread-safe
        gx, context = _context()
        suite = gx.ExpectationSuite(name=name)
        for class_name, kwargs in expectations:
            suite.add_expectation(getattr(gx.expectations, class_name)(**_conditions(kwargs)))
        source = context.data_sources.add_or_update_pandas(f"{name}_source")
        asset = source.add_dataframe_asset(name=name)
        batch = asset.add_batch_definition_whole_dataframe(f"{name}_batch").get_batch(
            batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format="SUMMARY")
        source.delete_asset(name)
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        kwargs = config.kwargs
        column = kwargs.get("column") or ",".join(kwargs.get("column_list") or [kwargs.get("column_A", ""), kwargs.get("column_B", "")])
        outcomes.append(ExpectationOutcome(
            expectation=config.type, column=column, success=bool(item.success),
            unexpected_count=int(item.result.get("unexpected_count") or 0),
            sample=[str(v) for v in (item.result.get("partial_unexpected_list") or [])[:5]]))
    return outcomes
