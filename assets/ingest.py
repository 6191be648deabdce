"""One set of dlt assets per source family: `raw/<source>/<resource>`; and `raw/provinces/reporting_year`,
which re-reads the report files of one reporting year (partitioned by year, for re-runs and backfills)."""

from collections.abc import Callable
from datetime import date

import dagster as dg
import dlt
from dagster._core.definitions.metadata.metadata_set import TableMetadataSet
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from assets.cadences import CADENCES
from assets.metadata import OWNERS, described, tags
from assets.resources import DuckDBWarehouse
from sources.academies import academies
from sources.ministries import ministries
from sources.provinces import provinces
from sources.reference import reference

# What each raw table holds, in English and Vietnamese, and whether it holds personal data. A resource
# missing here stops the definitions from loading: every raw asset is described.
RAW_TABLES: dict[str, tuple[str, str, bool]] = {
    "raw_ministries.tasks": (
        "S&T task registrations as each ministry's API sends them (one row per ministry and record; unknown "
        "fields kept in `extra`, unusable records with `parse_error` for staging to quarantine).",
        "Các nhiệm vụ KH&CN do các bộ đăng ký, đúng như API của từng bộ gửi về.",
        True,
    ),
    "raw_ministries.task_results": (
        "Acceptance and registration of task results as each ministry sends them.",
        "Kết quả nghiệm thu và đăng ký kết quả nhiệm vụ, đúng như các bộ gửi về.",
        False,
    ),
    "raw_ministries.organizations": (
        "S&T organisations registered with each ministry, under the names that ministry uses.",
        "Các tổ chức KH&CN đăng ký với từng bộ, theo tên mà bộ đó dùng.",
        False,
    ),
    "raw_ministries.researchers": (
        "Researchers as each ministry registers them, with identifiers that never leave the working warehouse "
        "(national ID, e-mail, phone, birth date).",
        "Nhà nghiên cứu do các bộ đăng ký, kèm thông tin định danh không bao giờ ra khỏi kho làm việc "
        "(số định danh, thư điện tử, điện thoại, ngày sinh).",
        True,
    ),
    "raw_academies.publications": (
        "Publication records harvested over OAI-PMH from the academy repositories (Dublin Core: titles, "
        "creators, dates, identifiers), deleted records included; `harvest_status` beside it holds each "
        "repository's last harvest.",
        "Các bản ghi công bố thu thập qua OAI-PMH từ kho của các viện hàn lâm (Dublin Core), kể cả bản ghi "
        "đã xóa; bảng harvest_status ghi lần thu thập gần nhất của từng kho.",
        True,
    ),
    "raw_provinces.report_rows": (
        "One row per indicator and breakdown of each provincial report file in the intake folder (forms 01-04 "
        "of Circular 15/2018/TT-BKHCN), with its file and row; `report_files` beside it says what became of "
        "each file.",
        "Mỗi dòng là một chỉ tiêu và phân tổ trong một tệp báo cáo của tỉnh (biểu 01-04, Thông tư "
        "15/2018/TT-BKHCN); bảng report_files ghi kết quả tiếp nhận từng tệp.",
        False,
    ),
    "raw_reference.provinces": (
        "Provincial units before and after the 2025 merger (Resolution 202/2025/QH15), with validity dates "
        "and successor.",
        "Các đơn vị hành chính cấp tỉnh trước và sau sáp nhập năm 2025 (Nghị quyết 202/2025/QH15), với thời "
        "gian hiệu lực và đơn vị kế thừa.",
        False,
    ),
    "raw_reference.fields": (
        "Fields of S&T (Decision 12/2008/QĐ-BKHCN), levels 1 and 2.",
        "Lĩnh vực KH&CN (Quyết định 12/2008/QĐ-BKHCN), cấp 1 và cấp 2.",
        False,
    ),
    "raw_reference.task_levels": (
        "Task levels: national, ministry, provincial, institutional.",
        "Cấp nhiệm vụ: quốc gia, bộ, tỉnh, cơ sở.",
        False,
    ),
    "raw_reference.indicators": (
        "Statistical indicators of Circular 03/2018/TT-BKHCN with their units.",
        "Chỉ tiêu thống kê theo Thông tư 03/2018/TT-BKHCN và đơn vị tính.",
        False,
    ),
    "raw_reference.managing_bodies": (
        "Managing bodies of S&T tasks (ministries and sectors, and those merged on 1 March 2025) with the names "
        "sources write for them, validity dates and successor.",
        "Các cơ quan quản lý nhiệm vụ KH&CN (bộ, ngành và các cơ quan đã hợp nhất từ 1/3/2025) với các tên mà "
        "nguồn dùng, thời gian hiệu lực và cơ quan kế thừa.",
        False,
    ),
    "raw_reference.report_template": (
        "The indicators and breakdowns each report form asks for, with a ceiling for one province.",
        "Các chỉ tiêu và phân tổ của từng biểu báo cáo, với mức trần cho một tỉnh.",
        False,
    ),
}


class RawLayerTranslator(DagsterDltTranslator):
    def __init__(self, source_name: str):
        self.source_name = source_name

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        table = f"raw_{self.source_name}.{data.resource.name}"
        english, vietnamese, personal_data = RAW_TABLES[table]
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=dg.AssetKey(["raw", self.source_name, data.resource.name]),
            deps=[],
            group_name="ingest",
            kinds={"dlt", "duckdb", "table"},
            description=described(english, vietnamese),
            owners=OWNERS["raw"],
            tags=tags("raw", {self.source_name}, personal_data),
            # the schema-qualified table in the warehouse, not the bare resource name dlt gives
            metadata={**spec.metadata, **TableMetadataSet(table_name=table), "description_vi": vietnamese},
            freshness_policy=CADENCES[self.source_name].freshness_policy,
        )


def _in_warehouse(source_name: str, event):
    """dagster-dlt names the table `<destination>.<dlt schema>.<table>` (`duckdb.ministries.tasks`) when it
    is loaded: name it as the warehouse does."""
    table = f"raw_{source_name}.{event.asset_key.path[-1]}"
    return event._replace(metadata={**event.metadata, **TableMetadataSet(table_name=table)})


def _ingest_assets(
    source_name: str,
    listing_source: dlt.sources.DltSource,
    run_source: Callable[[DuckDBWarehouse], dlt.sources.DltSource],
    description: str,
):
    """`listing_source` only names the resources (no config needed to load the definitions);
    `run_source` builds the source a run loads, with its settings resolved by dlt."""

    @dlt_assets(
        dlt_source=listing_source,
        dlt_pipeline=dlt.pipeline(pipeline_name=source_name, destination="duckdb", dataset_name=f"raw_{source_name}"),
        name=f"ingest_{source_name}",
        dagster_dlt_translator=RawLayerTranslator(source_name),
        pool="duckdb",
    )
    def _assets(context: dg.AssetExecutionContext, dlt: DagsterDltResource, duckdb: DuckDBWarehouse):
        for event in dlt.run(
            context=context,
            dlt_source=run_source(duckdb),
            dlt_pipeline=duckdb.dlt_pipeline(source_name),
            loader_file_format="parquet",
        ):
            yield _in_warehouse(source_name, event)

    _assets.__doc__ = description
    return _assets


ministry_assets = _ingest_assets(
    "ministries",
    ministries(base_url="", api_key=""),
    lambda wh: ministries(),
    "Tasks, results, organisations and researchers from the ministry APIs in the registry.",
)
academy_assets = _ingest_assets(
    "academies",
    academies(base_url=""),
    lambda wh: academies(),
    "Publications harvested over OAI-PMH from the academy repositories.",
)
province_assets = _ingest_assets(
    "provinces",
    provinces(intake_dir="", quarantine_dir=""),
    lambda wh: provinces(intake_dir=str(wh.intake_dir), quarantine_dir=str(wh.quarantine_dir)),
    "Provincial report files (forms 01-04) from the intake folder.",
)
reference_assets = _ingest_assets(
    "reference",
    reference(),
    lambda wh: reference(),
    "Provincial units before and after the 2025 merger, fields of S&T, task levels.",
)


# Provincial statistics partitioned by reporting year. The partitioned asset re-reads one year's files into
# the same raw table; the unpartitioned models downstream are then rebuilt whole (cheap) by the
# `provinces_year_refresh` job. `national_refresh` leaves it out, so it stays one unpartitioned run.
PROVINCE_YEAR_KEY = dg.AssetKey(["raw", "provinces", "reporting_year"])
REPORTING_YEARS = dg.StaticPartitionsDefinition([str(y) for y in range(2016, date.today().year + 1)])
_YEAR_EN = (
    "Re-reads every report file of one reporting year in the intake folder (loaded before or not) into "
    "raw_provinces.report_rows, replacing that year's earlier rows file by file."
)
_YEAR_VI = (
    "Đọc lại mọi tệp báo cáo của một năm báo cáo trong thư mục tiếp nhận (đã nạp hay chưa) vào "
    "raw_provinces.report_rows, thay các dòng cũ của năm đó theo từng tệp."
)


@dg.asset(
    key=PROVINCE_YEAR_KEY,
    partitions_def=REPORTING_YEARS,
    group_name="ingest",
    kinds={"dlt", "duckdb", "table"},
    pool="duckdb",
    owners=OWNERS["raw"],
    tags=tags("raw", {"provinces"}, False),
    metadata={**TableMetadataSet(table_name="raw_provinces.report_rows"), "description_vi": _YEAR_VI},
    description=described(_YEAR_EN, _YEAR_VI),
)
def province_reporting_year(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
    year = int(context.partition_key)
    pipeline = duckdb.dlt_pipeline("provinces")
    pipeline.run(
        provinces(intake_dir=str(duckdb.intake_dir), quarantine_dir=str(duckdb.quarantine_dir), reload_year=year),
        loader_file_format="parquet",
    )
    rows = pipeline.last_trace.last_normalize_info.row_counts.get("report_rows", 0)
    with duckdb.connect() as con:
        files = con.execute(
            "SELECT count(DISTINCT file_sha256) FROM raw_provinces.report_rows WHERE reference_year = ?", [year]
        ).fetchall()[0][0]
    context.log.info(f"reporting year {year}: {rows} rows of {files} files in the raw table after the re-read")
    return dg.MaterializeResult(metadata={"reporting_year": year, "rows_loaded": rows, "files": files})


INGEST_ASSETS = [ministry_assets, academy_assets, province_assets, reference_assets, province_reporting_year]
