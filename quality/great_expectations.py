"""Runs a suite of Great Expectations 1.x on a pandas frame (GX is imported on first use: it is slow)."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

_lock = threading.Lock()
_warming_lock, _warming = threading.Lock(), None

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
    error: str | None = None  # the expectation could not be evaluated (e.g. a range on a text column)


@cache
def _great_expectations():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # read by GX when imported: no usage reports
    import great_expectations as gx  # noqa: PLC0415  (3 s import; only when a check runs)

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    # One batch definition serves every frame (each is a batch parameter): adding or removing a data
    # source or asset rewrites the context's whole configuration, a tenth of a second each time.
    frames = context.data_sources.add_pandas("frames").add_dataframe_asset(name="frame")
    return gx, frames.add_batch_definition_whole_dataframe("whole frame")


def _warm_up() -> None:
    with _lock:
        _great_expectations()


def warm_up_in_background() -> None:
    """Starts importing GX (seconds) in a thread, once per process, so that a later validation finds it
    ready: the caller does other work meanwhile (waits on senders, builds tables in DuckDB)."""
    global _warming
    with _warming_lock:
        if _warming is None:
            _warming = threading.Thread(target=_warm_up, name="import-great-expectations", daemon=True)
            _warming.start()


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
    return kwargs.get("column") or ",".join(
        kwargs.get("column_list") or [kwargs.get("column_A", ""), kwargs.get("column_B", "")]
    )


def _raised(info: dict | None) -> str | None:
    """The message of an exception GX caught while evaluating an expectation: its `exception_info` is one
    such dict, or one per metric it computed."""
    infos = [info] if info and "exception_message" in info else list((info or {}).values())
    messages = [i.get("exception_message") for i in infos if isinstance(i, dict) and i.get("exception_message")]
    return messages[0].strip().splitlines()[-1] if messages else None


def validate(name: str, frame: pd.DataFrame, expectations: list[Expectation]) -> list[ExpectationOutcome]:
    """Validates `frame`; one outcome per expectation, in the order given."""
    with _lock:  # the ephemeral context is shared; GX is not thread-safe
        gx, whole_frame = _great_expectations()
        suite = gx.ExpectationSuite(name=name)
        for position, (class_name, kwargs, *severity) in enumerate(expectations):
            suite.add_expectation(
                getattr(gx.expectations, class_name)(
                    **_conditions(kwargs), meta={"position": position, "severity": severity[0] if severity else None}
                )
            )
        batch = whole_frame.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    outcomes = []
    for item in sorted(result.results, key=lambda r: r.expectation_config.meta["position"]):
        config = item.expectation_config
        error = _raised(item.exception_info)
        outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                column=column_of(config.kwargs),
                success=bool(item.success) and not error,
                unexpected_count=int(item.result.get("unexpected_count") or 0),
                sample=[f"could not be evaluated: {error}"]
                if error
                else [str(v) for v in (item.result.get("partial_unexpected_list") or [])[:5]],
                severity=config.meta.get("severity"),
                unexpected_rows=list(item.result.get("unexpected_index_list") or []),
                error=error,
            )
        )
    return outcomes
