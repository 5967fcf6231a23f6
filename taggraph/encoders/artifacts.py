"""Model directories written all at once, and checksums of their files."""

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from safetensors import SafetensorError

from taggraph.errors import ModelArtifactError


def sha256_of(*paths: Path) -> str:
    """Hex SHA-256 of the files' bytes, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def check_writable(path: Path, what: str = "model") -> Path:
    """Fail now, not after hours of training, when ``path``'s folder cannot be written.

    Creates the parent folder and a probe file in it (removed again).

    Args:
        path: The directory a job will write later.
        what: What it will hold, for the error message.

    Returns:
        ``path``, resolved.

    Raises:
        ModelArtifactError: If the parent folder cannot be created or written.

    """
    path = path.resolve()
    if path.exists() and not path.is_dir():
        raise ModelArtifactError(f"cannot write the {what} to {path}: a file is there, not a folder")
    probe = path.with_name(f".{path.name}.{os.getpid()}.probe")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ModelArtifactError(f"cannot write the {what} to {path}: {error.strerror or error}") from error
    return path


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
    if path.exists() and not path.is_dir():
        raise ModelArtifactError(f"cannot write the {what} to {path}: a file is there, not a folder")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        write(partial)
        if path.exists():
            replaced = path.with_name(f".{path.name}.{os.getpid()}.replaced")
            shutil.rmtree(replaced, ignore_errors=True)
            os.replace(path, replaced)
            os.replace(partial, path)
            shutil.rmtree(replaced)
        else:
            os.replace(partial, path)
    except (OSError, SafetensorError) as error:  # safetensors reports I/O errors as its own
        shutil.rmtree(partial, ignore_errors=True)
        reason = getattr(error, "strerror", None) or error
        raise ModelArtifactError(f"cannot write the {what} to {path}: {reason}") from error
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


def require_weights(path: Path, recorded_sha256: object) -> None:
    """Refuse ``path/model.safetensors`` when its bytes are not the ones recorded at save time.

    Raises:
        ModelArtifactError: If the checksum differs.

    """
    if recorded_sha256 != sha256_of(path / "model.safetensors"):
        raise ModelArtifactError(f"{path}/model.safetensors is corrupt (checksum differs)")
