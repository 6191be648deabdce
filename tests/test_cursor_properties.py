"""The incremental cursor of one sender over many runs, on generated histories (hypothesis; profile in
tests/conftest.py): no record skipped, none loaded twice, whatever the page size and the ties in time."""

from datetime import UTC, datetime, timedelta

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from sources.cursors import TS, SenderCursor, SenderCursors
from sources.http import EPOCH

# -- incremental cursors: one sender, many runs ----------------------------------------------------------------
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _page(rows: list[tuple[str, datetime | None]]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"source_id": key, "updated_at": at} for key, at in rows],
        schema=pa.schema([("source_id", pa.string()), ("updated_at", TS)]),
    )


def _harvest(state: dict, records: dict[str, datetime], page_size: int, now: datetime) -> list[tuple[str, datetime]]:
    """One run against the sender: it answers `updated_at >= since` in time order, `page_size` a page."""
    cursors = SenderCursors(state, column="updated_at")
    cursor = cursors.open("BKHCN")
    cursor.not_after = now
    asked = sorted(((k, at) for k, at in records.items() if at >= cursor.since), key=lambda r: r[1])
    kept = []
    for start in range(0, len(asked), page_size):
        page = cursor.keep_new(_page(asked[start : start + page_size]))
        kept += zip(page.column("source_id").to_pylist(), page.column("updated_at").to_pylist(), strict=False)
    cursors.advance(cursor)
    return kept


@given(
    st.lists(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 8)), max_size=6), min_size=1, max_size=5),
    st.integers(1, 4),
)
def test_every_record_a_sender_adds_or_changes_between_runs_is_loaded_once(runs, page_size):
    """Before each run the sender adds records or changes earlier ones, each stamped at or after its
    latest (ties on the second are common); every version a run could see is loaded, and only once,
    whatever the page size."""
    state, records, seen, loaded, clock = {}, {}, set(), [], T0
    for run, changes in enumerate(runs):
        for i, (step, which) in enumerate(changes):
            clock += timedelta(seconds=step)  # step 0: the same second as the change before
            key = sorted(records)[which] if which < len(records) and which % 2 else f"NV-{run}-{i}"
            records[key] = clock
        seen |= set(records.items())
        loaded += _harvest(state, records, page_size, now=clock + timedelta(minutes=1))
    assert sorted(loaded) == sorted(seen)


def test_a_record_dated_in_the_future_is_loaded_but_does_not_blind_the_cursor():
    state = {}
    records = {"NV-typo": datetime(2999, 1, 1, tzinfo=UTC), "NV-1": T0}
    assert sorted(k for k, _ in _harvest(state, records, 10, now=T0 + timedelta(hours=1))) == ["NV-1", "NV-typo"]
    assert state["cursors"]["BKHCN"] == {"last_value": "2026-03-02T08:00:00Z", "keys_at_last_value": ["NV-1"]}
    records["NV-2"] = T0 + timedelta(hours=2, microseconds=5)
    again = _harvest(state, records, 10, now=T0 + timedelta(hours=3))
    assert sorted(k for k, _ in again) == ["NV-2", "NV-typo"]  # asked again until corrected
    assert state["cursors"]["BKHCN"]["last_value"] == "2026-03-02T10:00:00.000005Z"


def test_a_record_that_could_not_be_read_is_kept_and_does_not_move_the_cursor():
    cursor = SenderCursors({}, column="updated_at").open("BKHCN")
    assert cursor.since == EPOCH
    assert cursor.keep_new(_page([("NV-1", None)])).num_rows == 1 and cursor.saved() is None
    # nor on a later run, beside records at the cursor time: it is kept, and its key is not noted as loaded
    state = {"cursors": {"BKHCN": {"last_value": "2026-03-02T08:00:00Z", "keys_at_last_value": ["NV-1"]}}}
    cursor = SenderCursors(state, column="updated_at").open("BKHCN")
    kept = cursor.keep_new(_page([("NV-1", T0), ("NV-2", T0), ("NV-3", None)]))
    assert kept.column("source_id").to_pylist() == ["NV-2", "NV-3"]
    assert cursor.saved() == {"last_value": "2026-03-02T08:00:00Z", "keys_at_last_value": ["NV-1", "NV-2"]}


def test_a_cursor_saved_at_the_very_moment_of_the_request_is_kept():
    saved = {"last_value": "2026-03-02T08:00:00Z", "keys_at_last_value": ["NV-1"]}
    assert SenderCursor("BKHCN", saved, "updated_at", "source_id", not_after=T0).since == T0
    assert (
        SenderCursor("BKHCN", saved, "updated_at", "source_id", not_after=T0 - timedelta(microseconds=1)).since == EPOCH
    )


def test_a_saved_cursor_in_the_future_asks_for_everything_again():
    saved = {"cursors": {"BKHCN": {"last_value": "2999-01-01T00:00:00Z", "keys_at_last_value": ["NV-1"]}}}
    cursor = SenderCursors(saved, column="updated_at").open("BKHCN")
    assert cursor.since == EPOCH
    assert cursor.keep_new(_page([("NV-1", T0)])).num_rows == 1
