"""Rebuild the demo catalog from the full public files: a stable sample chosen by id hash.

Usage: python data/demo/sample.py ../shared/data/catalog ../shared/data/recsys
"""

import csv
import hashlib
import json
import sys
from pathlib import Path


def keep(key: str, one_in: int) -> bool:
    """Whether the row with this id is in the sample (about one row in ``one_in``).

    The hash is salted: the tagger splits products by the unsalted SHA-1 of their id, and a
    sample chosen by that same hash would fall into the training split alone.
    """
    return int(hashlib.sha1(f"demo:{key}".encode()).hexdigest(), 16) % one_in == 0


def sample(source: Path, target: Path, id_column: str, one_in: int) -> int:
    """Copy the header and the sampled rows of ``source`` unchanged to ``target``."""
    with source.open(encoding="utf-8", newline="") as reader, target.open(
        "w", encoding="utf-8", newline=""
    ) as writer:
        rows = csv.DictReader(reader)
        out = csv.DictWriter(writer, fieldnames=rows.fieldnames or [])
        out.writeheader()
        count = 0
        for row in rows:
            if keep(row[id_column], one_in):
                out.writerow(row)
                count += 1
    return count


def sample_sequences(recsys: Path, target: Path, one_in: int) -> int:
    """Copy the sampled users' lines of ``Beauty.txt`` unchanged, and the attributes of their items."""
    items: set[str] = set()
    count = 0
    with (recsys / "Beauty.txt").open(encoding="utf-8") as reader, (target / "beauty.txt").open(
        "w", encoding="utf-8"
    ) as writer:
        for line in reader:
            fields = line.split()
            if fields and keep(fields[0], one_in):
                writer.write(line)
                items.update(fields[1:])
                count += 1
    attributes = json.loads((recsys / "Beauty_item2attributes.json").read_text(encoding="utf-8"))
    kept = {item: values for item, values in attributes.items() if item in items}
    (target / "beauty_item2attributes.json").write_text(json.dumps(kept), encoding="utf-8")
    return count


if __name__ == "__main__":
    catalog = Path(sys.argv[1])
    here = Path(__file__).parent
    print(sample(catalog / "myntra_styles.csv", here / "myntra_styles.csv", "id", 15))
    print(sample(catalog / "flipkart_20k.csv", here / "flipkart.csv", "uniq_id", 10))
    if len(sys.argv) > 2:
        print(sample_sequences(Path(sys.argv[2]), here, 5))
