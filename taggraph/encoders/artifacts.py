"""Model folders: written all at once, checksummed, and marked with their kind and format version."""

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

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


FORMAT_VERSION = 1
"""Version of the model-folder layout; a folder of another version is refused with how to rebuild it."""
FORMAT_FILE = "format.json"
WEIGHTS = "model.safetensors"


def write_format(folder: Path, kind: str) -> None:
    """Write ``format.json``: the folder's kind and :data:`FORMAT_VERSION`."""
    record = {"kind": kind, "format_version": FORMAT_VERSION}
    (folder / FORMAT_FILE).write_text(json.dumps(record) + "\n", encoding="utf-8")


def check_format(path: Path, kind: str, rebuild: str) -> None:
    """Refuse a folder that is not a ``kind`` folder of this :data:`FORMAT_VERSION`.

    Args:
        path: The folder.
        kind: The kind it must be (``tagger``, ``extractor``, ``gnn``, ``recommender``, ``linker``).
        rebuild: The command that builds one, for the message.

    Raises:
        ModelArtifactError: Naming what the folder is and what to do.

    """
    try:
        record = json.loads((path / FORMAT_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelArtifactError(
            f"{path} was written before model folders had a format version; rebuild it with {rebuild}"
        ) from error
    except (OSError, ValueError) as error:
        raise ModelArtifactError(f"{path}/{FORMAT_FILE} is unreadable: {error}") from error
    if not isinstance(record, dict) or record.get("kind") != kind:
        found = record.get("kind") if isinstance(record, dict) else None
        raise ModelArtifactError(f"{path} holds a {found} model, not a {kind}; give the folder of a {kind}")
    if record.get("format_version") != FORMAT_VERSION:
        raise ModelArtifactError(
            f"{path} has model-folder format {record.get('format_version')}; this taggraph reads format "
            f"{FORMAT_VERSION}: rebuild it with {rebuild}"
        )


@dataclass(frozen=True)
class ModelFolder:
    """How one kind of weights-and-record model folder is written and read.

    A folder holds ``format.json``, ``model.safetensors``, a JSON record (settings, metadata and
    the weights' checksum) and whatever files the model adds (a tokenizer, labels).

    Attributes:
        kind: The model kind recorded in ``format.json``.
        record: File name of the record, such as ``gnn.json``.
        files: Further files the folder must hold.
        rebuild: The command that builds one, for messages.
        name: What messages call it (``<kind> model`` when empty).

    """

    kind: str
    record: str
    files: tuple[str, ...] = ()
    rebuild: str = "the command that trained it"
    name: str = ""

    @property
    def what(self) -> str:
        """What messages call a folder of this kind."""
        return self.name or f"{self.kind} model"

    def save(
        self,
        path: Path,
        tensors: dict[str, torch.Tensor],
        write_files: Callable[[Path, str], dict[str, Any]],
    ) -> Path:
        """Write the folder all at once.

        Args:
            path: The directory to create or replace.
            tensors: The weights, by name.
            write_files: Writes the model's own files into the folder it is given and returns
                its record; called with the folder and the weights' SHA-256.

        Raises:
            ModelArtifactError: If it cannot be written; whatever was at ``path`` is kept.

        """

        def write(folder: Path) -> None:
            save_file({name: tensor.contiguous() for name, tensor in tensors.items()}, str(folder / WEIGHTS))
            checksum = sha256_of(folder / WEIGHTS)
            record = {**write_files(folder, checksum), "weights_sha256": checksum}
            (folder / self.record).write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
            write_format(folder, self.kind)

        return write_directory(path, write, self.what)

    def open(self, path: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """The record and the weights of a folder :meth:`save` wrote.

        Raises:
            ModelArtifactError: If the folder is missing, incomplete, of another kind or format
                version, or corrupt.

        """
        require_files(path, (*self.files, self.record, WEIGHTS), self.what, f"build one with {self.rebuild}")
        check_format(path, self.kind, self.rebuild)
        try:
            record = json.loads((path / self.record).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelArtifactError(f"{path}/{self.record} is unreadable: {error}") from error
        if not isinstance(record, dict):
            raise ModelArtifactError(f"{path}/{self.record} is not a JSON object")
        require_weights(path, record.get("weights_sha256"))
        try:
            return record, load_file(str(path / WEIGHTS))
        except (SafetensorError, OSError) as error:
            raise ModelArtifactError(f"{path}/{WEIGHTS} is unreadable: {error}") from error


def prefixed(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """The tensors named ``<prefix>.<name>``, by ``name``."""
    start = len(prefix) + 1
    return {name[start:]: tensor for name, tensor in tensors.items() if name.startswith(prefix + ".")}
