"""Model directories written all at once, and checksums of their files."""

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from taggraph.encoders.errors import ModelArtifactError


def sha256_of(*paths: Path) -> str:
    """Hex SHA-256 of the files' bytes, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def write_directory(path: Path, write: Callable[[Path], None], what: str = "model") -> Path:
    """Fill a sibling folder with ``write`` and move it into place at ``path``.

    A failed write leaves whatever was at ``path`` as it was, and no partial folder.

    Args:
        path: The directory to create or replace.
        write: Writes every file into the folder it is given.
        what: What the directory holds, for the error message.

    Returns:
        ``path``, resolved.

    Raises:
        ModelArtifactError: If the directory cannot be written.

    """
    path = path.resolve()
    partial = path.with_name(f".{path.name}.partial")
    try:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        write(partial)
        if path.exists():
            replaced = path.with_name(f".{path.name}.replaced")
            shutil.rmtree(replaced, ignore_errors=True)
            os.replace(path, replaced)
            os.replace(partial, path)
            shutil.rmtree(replaced)
        else:
            os.replace(partial, path)
    except OSError as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise ModelArtifactError(f"cannot write the {what} to {path}: {error.strerror or error}") from error
    return path


def require_files(path: Path, names: tuple[str, ...], what: str, build_hint: str) -> None:
    """Refuse a directory that is absent or lacks one of ``names``.

    Raises:
        ModelArtifactError: Naming what is missing and how to make it.

    """
    if not path.is_dir():
        raise ModelArtifactError(f"no {what} at {path}; {build_hint}")
    missing = [name for name in names if not (path / name).is_file()]
    if missing:
        raise ModelArtifactError(f"{path} is not a complete {what}: missing {', '.join(missing)}")
