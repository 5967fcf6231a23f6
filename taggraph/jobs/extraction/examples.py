"""Attribute-value training files (ExtractGPT's JSON Lines), read row by row with rejects.

A row is ``{"input": text, "category": name, "target_scores": {attribute: {value: score}}}``;
a value ``"n/a"`` says the attribute is absent from the text. A value may also be given as a
list of strings or a single string.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from taggraph.encoders.extractor.attributes import NOT_APPLICABLE, AttributeExample, value_key
from taggraph.errors import InputError
from taggraph.jobs.ingest import fields
from taggraph.jobs.ingest.fields import RowError
from taggraph.jobs.ingest.readers import RawRow, jsonl_rows
from taggraph.jobs.ingest.records import SourceRow
from taggraph.jobs.ingest.rejects import RejectsFile

MAX_TEXT_CHARS = 5000
MAX_NAME_CHARS = 200
MAX_ATTRIBUTES = 100


@dataclass
class ExampleFile:
    """The examples of one file and what was rejected.

    Attributes:
        path: The file.
        examples: Accepted examples, in file order.
        rejected: Rejected rows by reason; ``len(examples) + sum(rejected.values())`` is every row.

    """

    path: Path
    examples: list[AttributeExample] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        """Every non-blank row of the file."""
        return len(self.examples) + sum(self.rejected.values())


def parse_example(raw: RawRow) -> AttributeExample:
    """One row as an example.

    Raises:
        RowError: With the reason the row cannot be taken.

    """
    text = fields.text(raw.get("input"), "input", MAX_TEXT_CHARS, required=True)
    category = fields.text(raw.get("category"), "category", MAX_NAME_CHARS) or ""
    targets = raw.get("target_scores")
    if not isinstance(targets, dict) or not targets:
        raise RowError("target_scores must be a non-empty object of attribute -> values")
    if len(targets) > MAX_ATTRIBUTES:
        raise RowError(f"target_scores has {len(targets)} attributes, more than {MAX_ATTRIBUTES}")
    values: dict[str, tuple[str, ...]] = {}
    for name, given in targets.items():
        attribute = fields.text(name, "attribute name", MAX_NAME_CHARS, required=True)
        assert attribute is not None
        if attribute in values:
            raise RowError(f"attribute {attribute!r} appears twice")
        values[attribute] = _values(attribute, given)
    assert text is not None
    return AttributeExample(text, category, values)


def _values(attribute: str, given: object) -> tuple[str, ...]:
    if isinstance(given, str):
        given = [given]
    if isinstance(given, dict):
        given = list(given)
    if not isinstance(given, list) or not given:
        raise RowError(f"values of {attribute!r} must be an object, a list or a string")
    values = []
    for value in given:
        cleaned = fields.text(value, f"value of {attribute!r}", MAX_TEXT_CHARS, required=True)
        assert cleaned is not None
        if value_key(cleaned) != NOT_APPLICABLE:
            values.append(cleaned)
    return tuple(dict.fromkeys(values))


def read_examples(path: Path, rejects: RejectsFile) -> ExampleFile:
    """Read a training or test file; bad rows and repeated ``(category, input)`` go to ``rejects``.

    Raises:
        InputError: If the file cannot be read.

    """
    result = ExampleFile(path)
    seen: set[tuple[str, str]] = set()
    for number, raw, error in jsonl_rows(path):
        reason = error
        if raw is not None:
            try:
                example = parse_example(raw)
                key = (example.category, example.text)
                if key in seen:
                    raise RowError("duplicate record (same category and input as an earlier row)")
                seen.add(key)
                result.examples.append(example)
                continue
            except RowError as problem:
                reason = str(problem)
        assert reason is not None
        rejects.add(SourceRow(path.name, number, reason=reason, raw=raw))
        result.rejected[reason.split(":")[0] if reason.startswith("malformed JSON") else reason] += 1
    return result


def read_example_files(paths: Sequence[Path], rejects_path: Path) -> list[ExampleFile]:
    """Read every file, writing one rejects file for all of them.

    Raises:
        InputError: If a file cannot be read or holds no usable example.

    """
    with RejectsFile(rejects_path) as rejects:
        files = [read_examples(path, rejects) for path in paths]
    for file in files:
        if not file.examples:
            raise InputError(f"{file.path} holds no usable example ({file.rows} rows; see {rejects_path})")
    return files
