"""The analysts' snapshot, written only when every blocking check upstream passed."""

import dagster as dg

from assets.metadata import OWNERS, described, tags
from assets.resources import DuckDBWarehouse
from assets.warehouse import MODELS, source_families
from quality.checks import record
from quality.suites import WARNING
from warehouse.dictionary import DICTIONARY
from warehouse.publish import publish

PUBLISHED_MODELS = [m for m in MODELS if m.layer in ("core", "marts")]
SNAPSHOT_KEY = dg.AssetKey(["published", "csdl"])
PERSONAL_DATA_CHECK = "no_personal_data_in_text"


@dg.asset(
    key=SNAPSHOT_KEY,
    deps=[dg.AssetKey(m.asset_path) for m in PUBLISHED_MODELS],
    group_name="publish",
    kinds={"duckdb", "parquet"},
    pool="duckdb",
    check_specs=[
        dg.AssetCheckSpec(
            PERSONAL_DATA_CHECK,
            asset=SNAPSHOT_KEY,
            blocking=False,
            description="Warning: e-mail addresses, phone numbers or citizen ID numbers were found in the text of "
            "core and marts (names, titles) and masked in every published copy; fix them at the source.",
        )
    ],
    description=described(
        "data/published/csdl.duckdb (opened by DuckDB 1.4 and later), parquet/ (also by year), provinces/ and "
        "data_dictionary.html: core and marts without personal identifiers (e-mails, phones and ID numbers in text "
        "masked), commented in Vietnamese and English, with code lookups, keys and the analyst questions as views; "
        "a read-only version made current in one switch.",
        "Bản công bố cho người phân tích: data/published/csdl.duckdb (mở được bằng DuckDB 1.4 trở lên), parquet/ "
        "(cả theo năm), provinces/ và data_dictionary.html: các bảng core và marts không có thông tin định danh cá "
        "nhân (thư điện tử, điện thoại, số định danh trong văn bản được che), có chú thích tiếng Việt và tiếng Anh, "
        "bảng tra mã, khóa và các câu hỏi phân tích dưới dạng view; một phiên bản chỉ đọc, được chuyển sang dùng "
        "trong một bước.",
    ),
    owners=OWNERS["published"],
    # names of researchers and authors are published: personal data, though no identifier is
    tags=tags("published", set().union(*(source_families(m.table) for m in PUBLISHED_MODELS)), True),
)
def published_snapshot(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
    with duckdb.connect() as con:
        snapshot = publish(con, duckdb.published_dir, context.run.run_id, MODELS)
        found = {}
        for schema, table, column, kind, count in snapshot.personal_data:
            found.setdefault(f"{schema}.{table}.{column}", {"unexpected": 0, "sample": []})
            found[f"{schema}.{table}.{column}"]["unexpected"] += count
            found[f"{schema}.{table}.{column}"]["sample"].append(f"{count} {kind} masked")  # counts, never values
        # kept with the other checks' results, so the quality review alerts on it (a warning)
        record(
            con,
            context.run.run_id,
            SNAPSHOT_KEY.to_user_string().replace("/", "."),
            PERSONAL_DATA_CHECK,
            not found,
            len(found),
            found,
            WARNING,
        )
    if found:
        context.log.warning(
            f"personal data masked in the published copies: {snapshot.personal_data_masked} values in "
            f"{', '.join(found)}; the working warehouse keeps them as received"
        )
    for left_out in snapshot.keys_left_out + snapshot.views_left_out:
        context.log.warning(f"not in the snapshot: {left_out}")
    context.log.info(
        f"published {len(snapshot.rows)} tables, {len(snapshot.lookups)} code lists and "
        f"{len(snapshot.views)} views to {snapshot.path}"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(snapshot.path)),
            "tables": dg.MetadataValue.json(snapshot.rows),
            "dagster/row_count": sum(snapshot.rows.values()),
            "personal_data_masked": snapshot.personal_data_masked,
            "views": dg.MetadataValue.json(snapshot.views),
            "left_out": dg.MetadataValue.json(snapshot.keys_left_out + snapshot.views_left_out),
            "data_dictionary": dg.MetadataValue.path(str(snapshot.path.parent / DICTIONARY)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=PERSONAL_DATA_CHECK,
                passed=not found,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"values_masked": snapshot.personal_data_masked, "columns": dg.MetadataValue.json(found)},
                description=(
                    "no personal data in published text"
                    if not found
                    else f"{snapshot.personal_data_masked} values masked in {len(found)} columns"
                ),
            )
        ],
    )
