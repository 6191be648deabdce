"""The warehouse's SQL models: `warehouse/models/<layer>/<table>.sql` (one SELECT) and `<table>.yml` beside it.

The table a model builds is `<layer>.<table>`; its dependencies are the tables its SELECT reads, never a
hand-kept list. Its yml says what the table is (description in English and Vietnamese, grain, keys),
what each column means and the checks each must pass (`quality/suites.py` turns them into Great
Expectations), and, for a staging model computed row by row over one raw table, its `incremental_key`.

A staging model may add two columns, `reject_reason` and `raw_record`: rows with a reason go to
`quality.quarantine` (with the raw record as JSON) instead of the table, so every row received is
either kept or quarantined, and the counts reconcile. With an `incremental_key`, `run_model(...,
incremental=True)` computes only the rows of the raw loads it has not processed yet and replaces those
keys' rows (in the table and in the quarantine), keeping what it processed in `quality.model_builds`.

Modules: `schema` (the yml), `model` (discovery), `lineage` (dependencies, column lineage),
`transpile`, `row_wise` (the proof an incremental key can be trusted), `state` (what the last build
processed), `build` (the table and its quarantine), `order` (one build order for models and matchers).
"""

from warehouse.modelling.build import run_model
from warehouse.modelling.model import Model, ModelError, discover
from warehouse.modelling.order import in_dependency_order, in_rounds
from warehouse.modelling.schema import TableSchema, load_schema

__all__ = [
    "Model",
    "ModelError",
    "TableSchema",
    "discover",
    "in_dependency_order",
    "in_rounds",
    "load_schema",
    "run_model",
]
