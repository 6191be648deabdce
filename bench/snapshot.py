"""What publishing the analysts' snapshot costs: seconds and file size, with the keys declared and without.

    .venv/bin/python bench/snapshot.py [--warehouse data/bench/full/warehouse.duckdb] [--repeat 2]

The default is the national-scale warehouse `make bench-refresh` leaves. Each variant publishes a copy of it
into a temporary folder --repeat times (the first also computes nothing the warehouse step has not kept:
the column lineage is read from `quality.model_lineage`) and prints the best time and the file's size.
"""

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from warehouse import snapshot
from warehouse.modelling import discover
from warehouse.publish import publish

REPO = Path(__file__).resolve().parents[1]


def _without(kinds: set[str]):
    """table_specs, less the keys of `kinds` ("primary", "foreign", "lookup")."""
    declared = snapshot.table_specs

    def specs(con, columns):
        found, left_out = declared(con, columns)
        for spec in found:
            spec.foreign_keys = [
                f
                for f in spec.foreign_keys
                if ("lookup" if f[1].startswith("code_") else "foreign") not in kinds and "primary" not in kinds
            ]
            spec.primary_key = [] if "primary" in kinds else spec.primary_key
        return found, left_out

    return specs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=REPO / "data" / "bench" / "full" / "warehouse.duckdb")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    models = discover()
    declared = snapshot.table_specs
    variants = {
        "all keys": set(),
        "no foreign keys to dimensions": {"foreign"},
        "primary keys only": {"foreign", "lookup"},
        "no keys": {"primary"},
    }
    print(f"{'variant':32} {'best s':>7} {'file MB':>8}")
    for name, left_out in variants.items():
        snapshot.table_specs = _without(left_out) if left_out else declared
        with tempfile.TemporaryDirectory() as folder:  # (the published versions are read-only: made writable below)
            shutil.copyfile(args.warehouse, Path(folder) / "warehouse.duckdb")
            con = duckdb.connect(str(Path(folder) / "warehouse.duckdb"))
            spent = []
            for run in range(args.repeat):
                started = time.perf_counter()
                publish(con, Path(folder) / "published", f"bench-{run}", models)
                spent.append(time.perf_counter() - started)
            con.close()
            size = os.path.getsize(os.path.realpath(Path(folder) / "published" / "csdl.duckdb"))
            for root, dirs, _ in os.walk(folder):
                for child in dirs:
                    os.chmod(os.path.join(root, child), 0o700)
        print(f"{name:32} {min(spent):7.2f} {size / 1e6:8.1f}")
    snapshot.table_specs = declared


if __name__ == "__main__":
    main()
