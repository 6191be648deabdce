"""One incremental cursor per sender, kept in the dlt resource state.

A single cursor shared by every sender skips records: a sender whose clock lags, or who posts late
records older than another sender's latest, would be asked only for changes after the other sender's
time. So each sender (a ministry for one resource, an academy repository) has its own cursor: the
latest change time loaded from it, and the keys loaded at exactly that time (the sender is asked again
from that time, `>=`, and those rows are dropped rather than loaded twice).

The cursors live in `dlt.current.resource_state()`, which dlt keeps in the pipeline state it stores in
the destination (`_dlt_pipeline_state`), so a run from an empty pipelines folder (dagster-dlt drops it)
gets them back. A sender's cursor moves only after all of its pages were read: a failure part-way
leaves it where it was, and the next run asks for the same changes again (the merge deduplicates).

A cursor never moves past the moment it was opened, which comes before the sender's first request: one
record dated in 2999 (a typo, a clock set wrong) would otherwise blind the cursor, every later run
asking only for changes after 2999. Such a record is still loaded, and staging quarantines it for its
update time in the future; the sender is asked for it again on each run until it is corrected.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from sources.http import EPOCH

TS = pa.timestamp("us", tz="UTC")

log = logging.getLogger(__name__)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


class SenderCursor:
    """What one sender has sent so far; `keep_new` is called for each of its pages, in order, by one thread."""

    def __init__(self, sender: str, saved: dict | None, column: str, key: str, not_after: datetime | None = None):
        self.sender, self.column, self.key = sender, column, key
        # the latest time the cursor may move to: records dated later are loaded but do not move it
        self.not_after = not_after or datetime.now(UTC)
        self.future_rows, self.latest_future = 0, None
        self.last_value = datetime.fromisoformat(saved["last_value"].replace("Z", "+00:00")) if saved else None
        self.keys_at_last_value = set(saved["keys_at_last_value"]) if saved else set()
        if self.last_value is not None and self.last_value > self.not_after:
            # saved before cursors stopped at the request time: nothing after it was ever asked for
            log.warning(
                f"{sender}: the saved cursor {_iso(self.last_value)} is in the future; asking for "
                "every record again (the merge keeps one row each)"
            )
            self.last_value, self.keys_at_last_value = None, set()
        self._seen_max, self._seen_keys = self.last_value, set(self.keys_at_last_value)

    @property
    def since(self) -> datetime:
        """The time to ask the sender for changes from (inclusive)."""
        return self.last_value or EPOCH

    def keep_new(self, table: pa.Table) -> pa.Table:
        """Drops the rows loaded before at exactly the cursor time and notes the latest time on this page.
        Rows without a time (a record that could not be read) are kept and do not move the cursor."""
        times = table.column(self.column)
        if self.last_value is not None and self.keys_at_last_value:
            at_cursor = pc.equal(times, pa.scalar(self.last_value, TS))
            seen = pc.is_in(table.column(self.key), value_set=pa.array(sorted(self.keys_at_last_value), pa.string()))
            table = table.filter(pc.invert(pc.fill_null(pc.and_(at_cursor, seen), False)))
            times = table.column(self.column)
        future = pc.fill_null(pc.greater(times, pa.scalar(self.not_after, TS)), False)
        if pc.any(future).as_py():
            self.future_rows += pc.sum(future).as_py()
            latest = pc.max(times).as_py()
            self.latest_future = max(self.latest_future or latest, latest)
        page_max = pc.max(pc.if_else(future, pa.scalar(None, TS), times)).as_py()
        if page_max is None:
            return table
        if self._seen_max is None or page_max > self._seen_max:
            self._seen_max, self._seen_keys = page_max, set()
        if page_max == self._seen_max:
            at_max = table.filter(pc.fill_null(pc.equal(times, pa.scalar(page_max, TS)), False))
            self._seen_keys.update(at_max.column(self.key).to_pylist())
        return table

    def saved(self) -> dict | None:
        if self._seen_max is None:
            return None
        return {"last_value": _iso(self._seen_max), "keys_at_last_value": sorted(self._seen_keys)}


class SenderCursors:
    """The cursors of one resource, by sender, in `state` (the resource's dlt state)."""

    def __init__(self, state: dict, column: str, key: str = "source_id"):
        self._saved: dict[str, dict] = state.setdefault("cursors", {})
        self.column, self.key = column, key

    def open(self, sender: str) -> SenderCursor:
        return SenderCursor(sender, self._saved.get(sender), self.column, self.key)

    def advance(self, cursor: SenderCursor) -> None:
        """Called once the sender's pages have all been read, in the thread that runs the dlt resource."""
        if cursor.future_rows:
            log.warning(
                f"{cursor.sender}: {cursor.future_rows} records dated after the request "
                f"({_iso(cursor.not_after)}), the latest {_iso(cursor.latest_future)}: loaded for staging to "
                f"quarantine; the cursor does not move past the request time. Ask the sender to correct them."
            )
        saved = cursor.saved()
        if saved is not None:
            self._saved[cursor.sender] = saved
