"""S3-Rec style sequences (``user item item ...``) with an item-to-attribute-ids JSON file."""

import json
from collections.abc import Iterator
from pathlib import Path

from taggraph.errors import InputError
from taggraph.jobs.ingest.fields import RowError, identifier
from taggraph.jobs.ingest.readers import open_text
from taggraph.jobs.ingest.records import InteractionRecord, ProductRecord, SourceRow, TagRef, slug
from taggraph.jobs.ingest.sources.base import SourceContext

_MAX_SEQUENCE = 100_000


def attributes_path(sequences: Path) -> Path:
    """Where the attributes of ``Beauty.txt`` live: ``Beauty_item2attributes.json`` beside it."""
    return sequences.with_name(f"{sequences.stem}_item2attributes.json")


class SequenceSource:
    """Reads interaction sequences and item attributes as preprocessed for S3-Rec.

    The data set name is the file stem (``Beauty.txt`` -> ``beauty``): products are
    ``beauty:<item>``, attribute ids become tags ``tag:beauty-attribute:<id>`` and a sequence's
    position is the interaction's ``ts``. Rows are the sequence lines, then the attribute entries.

    Args:
        context: Limits and keys.

    """

    name = "seq"

    def __init__(self, context: SourceContext) -> None:
        self._context = context

    def __repr__(self) -> str:
        return "SequenceSource()"

    def check(self, path: Path) -> None:
        """Fail early, before any write, unless the sequences and their attributes are there."""
        if not path.is_file():
            raise InputError(f"no such file: {path}")
        attributes = attributes_path(path)
        if not attributes.is_file():
            raise InputError(f"{path.name} needs its attributes file beside it: {attributes.name}")

    def rows(self, path: Path) -> Iterator[SourceRow]:
        """Yield each sequence line of ``path``, then each entry of its attributes file."""
        self.check(path)
        dataset = slug(path.stem)
        attributes = attributes_path(path)
        with open_text(path) as handle:
            number = 0
            for line in handle:
                if not line.strip():
                    continue
                number += 1
                try:
                    records = self._sequence(dataset, line)
                except RowError as error:
                    yield SourceRow(path.name, number, reason=str(error), raw=self._shown(dataset, line))
                    continue
                yield SourceRow(path.name, number, records=records, raw=line[:200])
        yield from self._attributes(dataset, attributes)

    def _sequence(self, dataset: str, line: str) -> tuple[InteractionRecord, ...]:
        fields = line.split()
        if len(fields) < 2:
            raise RowError("expected a user id followed by at least one item id")
        if len(fields) > _MAX_SEQUENCE:
            raise RowError(f"sequence longer than {_MAX_SEQUENCE} items")
        user = identifier(fields[0], "user", self._context.max_id_chars)
        user_id = self._context.pseudonymiser.user_id(dataset, user)
        items = [identifier(item, "item", self._context.max_id_chars) for item in fields[1:]]
        return tuple(
            InteractionRecord(user_id, f"{dataset}:{item}", dataset, ts=position, kind="sequence")
            for position, item in enumerate(items)
        )

    def _shown(self, dataset: str, line: str) -> str:
        """A rejected line as a rejects file may keep it: its user id replaced by the pseudonym."""
        user, _, items = line.strip().partition(" ")
        return f"{self._context.pseudonymiser.user_id(dataset, user)} {items}"[:200]

    def _attributes(self, dataset: str, path: Path) -> Iterator[SourceRow]:
        with open_text(path) as handle:
            try:
                table = json.load(handle)
            except json.JSONDecodeError as error:
                raise InputError(f"{path.name} is not valid JSON: {error.msg}") from error
        if not isinstance(table, dict):
            raise InputError(f"{path.name} must map item ids to lists of attribute ids")
        for number, (item, values) in enumerate(table.items(), start=1):
            try:
                native_id = identifier(item, "item", self._context.max_id_chars)
                if not isinstance(values, list) or not all(
                    isinstance(value, int) and not isinstance(value, bool) for value in values
                ):
                    raise RowError("attributes must be a list of integer ids")
            except RowError as error:
                yield SourceRow(path.name, number, reason=str(error), raw={item: values})
                continue
            tags = tuple(TagRef(f"{dataset}-attribute", str(value)) for value in dict.fromkeys(values))
            record = ProductRecord(source=dataset, native_id=native_id, name=None, tags=tags)
            yield SourceRow(path.name, number, records=(record,), raw={item: values})
