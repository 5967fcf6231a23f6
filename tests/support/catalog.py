"""Small catalogs for tests, cut from the shipped demo files."""

from pathlib import Path

MYNTRA_HEADER = (
    "id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName"
)


def first_rows(source: Path, rows: int, target: Path) -> Path:
    """Write the header and the first ``rows`` rows of the CSV ``source`` to ``target``."""
    lines = source.read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")
    return target
