"""Rebuild the demo attribute files from ExtractGPT's AE-110k and OA-Mine files: a stable sample.

Usage: python data/demo/attributes/sample.py ../shared/data/attributes
Lines are copied unchanged; a line is kept when the SHA-1 of its text, read as an integer, is
divisible by 2. Both data sets go into one train and one test file.
"""

import hashlib
import sys
from pathlib import Path


def keep(line: str) -> bool:
    """Whether a line is in the sample (about one in two)."""
    return int(hashlib.sha1(line.encode()).hexdigest(), 16) % 2 == 0


if __name__ == "__main__":
    source, here = Path(sys.argv[1]), Path(__file__).parent
    for split in ("train", "test"):
        lines = [
            line
            for name in ("ae-110k", "oa-mine")
            for line in (source / name / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip() and keep(line)
        ]
        (here / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(split, len(lines))
