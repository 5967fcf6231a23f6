"""The identity of an ingest input, so a checkpoint is only reused for the same files."""

import hashlib
from pathlib import Path


def input_fingerprint(source: str, path: Path, options: list[str]) -> str:
    """Identify an ingest by source, options and the size and mtime of every input file.

    Args:
        source: Source name.
        path: Input file or folder.
        options: Options that change what is written (such as a column mapping).

    Returns:
        A hex digest; a changed file gives a different one, so its checkpoint is not reused.

    """
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    digest = hashlib.sha256(f"{source}\n{path.resolve()}\n{options}".encode())
    for file in files:
        if file.is_file():
            stat = file.stat()
            digest.update(f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]
