"""One ministry page read into Arrow: records that cannot be used are kept with `parse_error` and raw text."""

from __future__ import annotations

import hashlib
import io
import json

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from sources.cursors import TS
from sources.http import RefusedReply, TruncatedPage
from sources.ministries.schemas import PAGE_SCHEMAS, SCHEMAS, TRAILER


def _raw_text(item) -> str:
    """The record as it came, for the quarantine; bytes that were not UTF-8 are shown as \\xNN."""
    text = json.dumps(item, ensure_ascii=False)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _unusable_key(item, raw: str) -> str:
    source_id = item.get("source_id") if isinstance(item, dict) else None
    if isinstance(source_id, str) and source_id.strip() and source_id.isprintable():
        return source_id
    # no key of its own: one from its content, the same every time the sender sends it unchanged
    return f"unreadable:{hashlib.sha1(raw.encode('utf-8', 'backslashreplace')).hexdigest()[:16]}"


def _columns(resource: str, column) -> list[pa.Array]:
    arrays = []
    for field in SCHEMAS[resource]:
        values = column(field.name)
        if not isinstance(values, pa.Array):
            values = pa.array(values, pa.string() if field.name == "updated_at" else field.type)
        # updated_at: ISO 8601 with a zone ("Z", "+07:00"), read as text, parsed by Arrow
        arrays.append(pc.cast(values, TS) if field.name == "updated_at" else values)
    return arrays


_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError, ValueError)


def _value_problem(field: pa.Field, value) -> str | None:
    try:
        _columns_of_one(field, value)
    except _CONVERSION_ERRORS as exc:
        return f"field `{field.name}` is not {field.type}: {json.dumps(value, ensure_ascii=False)[:100]} ({exc})"
    return None


def _columns_of_one(field: pa.Field, value) -> None:
    array = pa.array([value], pa.string() if field.name == "updated_at" else field.type)
    if field.name == "updated_at":
        pc.cast(array, TS)


def _record_problem(resource: str, item) -> str | None:
    """Why one record cannot be loaded, or None."""
    if not isinstance(item, dict):
        return f"the record is not a JSON object but {type(item).__name__}"
    try:
        json.dumps(item, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "the record holds bytes that are not UTF-8 text"
    source_id = item.get("source_id")
    if source_id is None or (isinstance(source_id, str) and not source_id.strip()):
        return "the record has no source_id, so it cannot be merged or traced back"
    for field in SCHEMAS[resource]:
        problem = _value_problem(field, item.get(field.name))
        if problem:
            return problem
    return None


def _finish(
    resource: str,
    ministry: str,
    arrays: list[pa.Array],
    extra: pa.Array,
    parse_error: pa.Array | None = None,
    raw_text: pa.Array | None = None,
) -> pa.Table:
    rows = len(extra)
    full = pa.schema(list(SCHEMAS[resource]) + TRAILER)
    sender = pa.array([ministry] * rows, pa.string())
    return pa.Table.from_arrays(
        arrays
        + [
            extra,
            sender,
            parse_error if parse_error is not None else pa.nulls(rows, pa.string()),
            raw_text if raw_text is not None else pa.nulls(rows, pa.string()),
        ],
        schema=full,
    )


def to_arrow(resource: str, ministry: str, items: list, where: str = "a page") -> pa.Table:
    """Records already parsed as an Arrow table, built column by column; fields outside the schema are kept
    in `extra` as JSON. A record that cannot be used becomes a row with only its key (its `source_id`, or
    one made from its content), `parse_error` (naming the sender, the page, the record's position and the
    reason) and its raw text."""
    known = set(SCHEMAS[resource].names)
    good, bad = [], []
    try:  # most pages: every record fits, checked a column at a time
        if not all(isinstance(item, dict) for item in items):
            raise TypeError
        for item in items:
            json.dumps(item, ensure_ascii=False).encode("utf-8")
        arrays = _columns(resource, lambda name: [item.get(name) for item in items])
        if pc.any(pc.or_(pc.is_null(arrays[0]), pc.equal(pc.utf8_trim_whitespace(arrays[0]), ""))).as_py():
            raise ValueError
        good = items
    except (*_CONVERSION_ERRORS, UnicodeEncodeError):  # some record does not: find which, record by record
        for number, item in enumerate(items, 1):
            problem = _record_problem(resource, item)
            if problem is None:
                good.append(item)
            else:
                bad.append((number, item, problem))
        arrays = _columns(resource, lambda name: [item.get(name) for item in good])
    extra = [
        None
        if known.issuperset(item)
        else json.dumps({k: v for k, v in item.items() if k not in known}, ensure_ascii=False)
        for item in good
    ]
    table = _finish(resource, ministry, arrays, pa.array(extra, pa.string()))
    if not bad:
        return table
    raws = [_raw_text(item) for _, item, _ in bad]
    unusable = {
        name: pa.nulls(len(bad), field.type)
        for name, field in zip(SCHEMAS[resource].names, SCHEMAS[resource], strict=False)
    }
    unusable["source_id"] = pa.array(
        [_unusable_key(item, raw) for (_, item, _), raw in zip(bad, raws, strict=False)], pa.string()
    )
    reasons = pa.array(
        [f"ministry {ministry}, {resource}, {where}: record {number}: {problem}" for number, _, problem in bad],
        pa.string(),
    )
    rejected = _finish(
        resource,
        ministry,
        list(unusable.values()),
        pa.nulls(len(bad), pa.string()),
        reasons,
        pa.array(raws, pa.string()),
    )
    return pa.concat_tables([table, rejected])


def _parse_json(body: bytes, url: str):
    """The page parsed, its nesting bounded before anything else reads it: orjson stops at 1,024 levels
    (Arrow's JSON reader crashes the process on a page nested some 20,000 deep)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise RefusedReply(
                f"{url}: the page is nested more than 1,024 levels deep; refused unread (no page of records is)"
            ) from None
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass  # some record holds bytes that are not UTF-8: read the rest, that record is quarantined
        else:
            raise TruncatedPage(f"{url}: the page is not complete JSON ({exc})") from exc
    try:  # the stdlib keeps the bad bytes as lone surrogates, which `_record_problem` finds
        return json.loads(body.decode("utf-8", "surrogateescape"))
    except RecursionError:
        raise RefusedReply(f"{url}: the page is nested too deep to read; refused") from None
    except json.JSONDecodeError as exc:
        raise TruncatedPage(f"{url}: the page is not complete JSON ({exc})") from exc


def _next_page(value, url: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    raise RefusedReply(f"{url}: `next_page` is {json.dumps(value)[:50]}, not a page number")


def read_page(resource: str, ministry: str, url: str, body: bytes) -> tuple[pa.Table, int | None]:
    """One JSON page as (records as an Arrow table, next page). Arrow's JSON reader parses the body
    straight into columns; a page it cannot read that way (fields outside the schema, a record that
    cannot be used) goes through `to_arrow`, which keeps the unknown fields and quarantines bad records."""
    parsed = _parse_json(body, url)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("items"), list):
        raise TruncatedPage(f"{url}: the page has no `items` list")
    next_page = _next_page(parsed.get("next_page"), url)
    try:
        page = pa_json.read_json(
            io.BytesIO(body),
            read_options=pa_json.ReadOptions(block_size=len(body) + 1),
            parse_options=pa_json.ParseOptions(
                explicit_schema=PAGE_SCHEMAS[resource], unexpected_field_behavior="infer", newlines_in_values=True
            ),
        )
        items = pc.list_flatten(page.column("items")).combine_chunks() if page.num_rows == 1 else None
        if (
            items is not None
            and page.column("items").null_count == 0
            and items.type.num_fields == len(SCHEMAS[resource])
            and items.null_count == 0
        ):
            arrays = _columns(resource, items.field)
            ids = arrays[0]
            if not pc.any(pc.or_(pc.is_null(ids), pc.equal(pc.utf8_trim_whitespace(ids), ""))).as_py():
                return _finish(resource, ministry, arrays, pa.nulls(len(items), pa.string())), next_page
    except _CONVERSION_ERRORS:
        pass
    return to_arrow(resource, ministry, parsed["items"], url), next_page
