"""Folders and files only Relance's own user may open (modes 700 and 600).

The data folder holds the secret key, the SQLite database, uploaded PDFs and
outgoing messages: nothing in it is for other accounts of the machine. Whatever
the umask, what Relance creates there is private. Nothing here touches Django,
so the settings can use it.
"""

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """The folder, created mode 700 if it does not exist (an existing folder
    keeps its mode: `relance check --deploy` warns when the data folder is
    open to others)."""
    try:
        path.mkdir(mode=FOLDER_MODE, parents=True)
    except FileExistsError:
        return path
    path.chmod(FOLDER_MODE)  # mkdir's mode is narrowed by the umask, never widened
    return path


def private_file(path: Path) -> Path:
    """The file, created empty and mode 600 if it does not exist (SQLite
    takes an empty file as an empty database, and gives its journal files the
    database file's mode)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    os.close(fd)
    return path


def write_private(path: Path, content: bytes) -> None:
    """Writes a new file, mode 600 from its first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as file:
        file.write(content)
