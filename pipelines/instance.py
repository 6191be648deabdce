"""The Dagster instance the command line runs on: the one the UI and the daemon use, never a throwaway one.

A review reads the run history (when each source last loaded, which runs failed). On an empty instance
every source looks never loaded and every one of them is alerted as stale, to Slack and e-mail: so the
commands that read the history refuse to run without an instance, and only the commands that start it
(`csdl demo`, `csdl refresh`) create one, where `make` puts it: `<data folder>/dagster_home`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg

from warehouse.permissions import secure_data_folder

# the project's instance settings (the `duckdb` pool of one, run monitoring); `make` copies the same file
SETTINGS = Path(__file__).resolve().parents[1] / "instance" / "dagster.yaml"


def data_folder() -> Path:
    """The data folder `CSDL_DATA_DIR` names (`make` sets it), else `./data`."""
    return Path(os.environ.get("CSDL_DATA_DIR", "data")).resolve()


class NoInstance(RuntimeError):
    """Neither DAGSTER_HOME nor the data folder's dagster_home names an instance."""


def instance_home(data_dir: Path, env=None) -> Path | None:
    """DAGSTER_HOME when set, else `<data_dir>/dagster_home` when it exists (what `make` sets up)."""
    env = os.environ if env is None else env
    if env.get("DAGSTER_HOME"):
        return Path(env["DAGSTER_HOME"]).resolve()
    home = data_dir / "dagster_home"
    return home if home.is_dir() else None


def no_instance_message(data_dir: Path) -> str:
    home = data_dir / "dagster_home"
    return (
        f"Không tìm thấy Dagster instance: DAGSTER_HOME chưa đặt và chưa có {home}. Hãy đặt DAGSTER_HOME "
        "(instance mà giao diện Dagster và daemon dùng) hoặc chạy `csdl refresh` / `make demo` trước. "
        "Chưa chạy gì, chưa gửi cảnh báo nào.\n"
        f"No Dagster instance: DAGSTER_HOME is not set and {home} does not exist. Set DAGSTER_HOME to the "
        "instance the Dagster UI and daemon use, or run `csdl refresh` (or `make demo`) first, which creates "
        "it. Nothing was run and no alert was sent: on an empty instance every source would look never "
        "loaded and be alerted as stale."
    )


def dagster_instance(data_dir: Path, create: bool, env=None) -> dg.DagsterInstance:
    """The instance at `instance_home`; with `create`, `<data_dir>/dagster_home` is made when there is none."""
    home = instance_home(data_dir, env)
    if home is None:
        if not create:
            raise NoInstance(no_instance_message(data_dir))
        secure_data_folder(data_dir)  # and so the new folder is its owner's
        home = data_dir / "dagster_home"
        home.mkdir(exist_ok=True)
        if SETTINGS.is_file():
            shutil.copyfile(SETTINGS, home / "dagster.yaml")
    return dg.DagsterInstance.from_config(str(home))
