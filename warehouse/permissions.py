"""Who may read the data folder: its owner only, except the published snapshot, which analysts read.

The working warehouse, dlt's load packages, quarantined files and exports hold personal data as received;
they are created owner-only (folders 0700, files 0600). The data folder itself is 0711: other users may
pass through it to `published/` by its path, but can neither list it nor open anything else in it.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077  # what this process creates from now on: 0700 folders, 0600 files
DATA_FOLDER_MODE = 0o711
PUBLISHED_FOLDER_MODE = 0o755
PRIVATE_FOLDER_MODE, PRIVATE_FILE_MODE = 0o700, 0o600
PUBLISHED = "published"


def secure_data_folder(root: Path) -> None:
    """Creates the data folder owner-only (but for `published/`) and restricts what an earlier version left
    readable. Whatever lies below a 0700 folder is out of other users' reach whatever its own mode."""
    os.umask(PRIVATE_UMASK)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, DATA_FOLDER_MODE)
    for entry in root.iterdir():
        if entry.is_symlink():
            continue
        if entry.name == PUBLISHED:
            os.chmod(entry, PUBLISHED_FOLDER_MODE)
        else:
            os.chmod(entry, PRIVATE_FOLDER_MODE if entry.is_dir() else PRIVATE_FILE_MODE)


def create_private_file(path: Path):
    """Opens `path` for writing text, readable by its owner only (also when it already existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    os.fchmod(fd, PRIVATE_FILE_MODE)
    return os.fdopen(fd, "w", encoding="utf-8")
