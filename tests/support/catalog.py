"""Small catalogs for tests, cut from the shipped demo files."""

from pathlib import Path

from taggraph.core.identity import load_pseudonymiser
from taggraph.graph.connection import GraphExecutor
from taggraph.graph.writer import BatchWriter
from taggraph.jobs.ingest.run import run_ingest
from taggraph.jobs.ingest.sources.base import Source, SourceContext
from taggraph.jobs.ingest.sources.flipkart import FlipkartSource
from taggraph.jobs.ingest.sources.myntra import MyntraSource
from taggraph.jobs.ingest.sources.sequences import SequenceSource
from taggraph.settings import Settings

MYNTRA_HEADER = (
    "id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName"
)


def first_rows(source: Path, rows: int, target: Path) -> Path:
    """Write the header and the first ``rows`` rows of the CSV ``source`` to ``target``."""
    lines = source.read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")
    return target


# Sequences of a shop: u1 and u2 share items 1 and 2, so co-interaction links u1 to item 4.
SEQUENCES = "u1 1 2 3\nu2 1 2 4\nu3 5\n"


def ingest_all(executor: GraphExecutor, demo_dir: Path, folder: Path) -> None:
    """Ingest 300 Myntra rows, 150 Flipkart rows and the shop's sequences."""
    context = SourceContext(pseudonymiser=load_pseudonymiser(Settings()))
    myntra = first_rows(demo_dir / "myntra_styles.csv", 300, folder / "styles.csv")
    flipkart = first_rows(demo_dir / "flipkart.csv", 150, folder / "flipkart.csv")
    (folder / "shop.txt").write_text(SEQUENCES)
    (folder / "shop_item2attributes.json").write_text("{}")
    sources: list[tuple[Source, Path]] = [
        (MyntraSource(context), myntra),
        (FlipkartSource(context), flipkart),
        (SequenceSource(context), folder / "shop.txt"),
    ]
    for source, path in sources:
        run_ingest(source, path, BatchWriter(executor, 500), folder / "rejects", folder / "state", 500)
