"""A tagger's training job and label vocabulary, as the graph gives them now."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taggraph.core.identity import source_name
from taggraph.core.labelled_products import LabelledProduct, read_labelled_products
from taggraph.encoders.tagger.labels import LabelSpace
from taggraph.errors import ModelArtifactError
from taggraph.graph.connection import GraphExecutor

if TYPE_CHECKING:
    from taggraph.encoders.tagger.tagger import Tagger


@dataclass(frozen=True)
class TaggerJob:
    """What to learn: which products, from which text, which kinds of labels.

    Attributes:
        source: Product source, such as ``myntra``.
        kinds: Label kinds to learn (tag kinds, ``category_1``..``category_3``, ``brand``);
            every kind found when empty.
        with_description: Whether the text includes the description.
        min_support: Fewest training products a label needs to be in the vocabulary.
        encoder: Pretrained encoder setting (packaged MiniLM by default).
        include_reviewed: Whether people's review decisions are training data (approved tags
            as positives, rejected ones as negatives) beside the catalog's tags.
    """

    source: str
    kinds: tuple[str, ...] = ()
    with_description: bool = False
    min_support: int = 5
    encoder: str | None = None
    include_reviewed: bool = False

    def __post_init__(self) -> None:
        source_name(self.source)

    @classmethod
    def of_model(cls, meta: dict[str, Any]) -> "TaggerJob":
        """The job a saved model was trained by, from its metadata."""
        try:
            return cls(
                str(meta["source"]),
                tuple(meta["kinds"]),
                bool(meta["with_description"]),
                int(meta["min_support"]),
                meta.get("encoder"),
                bool(meta.get("include_reviewed", True)),  # earlier models always learnt from reviews
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelArtifactError(f"the model's metadata lacks its training job: {error}") from error


def vocabulary(products: Iterable[LabelledProduct], job: TaggerJob) -> LabelSpace:
    """The labels of the job's kinds that at least ``min_support`` training products carry."""
    train = (product.positives for product in products if product.text and product.split == "train")
    return LabelSpace.from_examples(train, job.min_support, job.kinds or None)


def graph_vocabulary(executor: GraphExecutor, job: TaggerJob) -> LabelSpace:
    """The vocabulary the job would learn from the graph as it is now (read page by page)."""
    pages = read_labelled_products(executor, job.source, job.with_description, reviewed=job.include_reviewed)
    return vocabulary((product for page in pages for product in page), job)


def check_vocabulary(executor: GraphExecutor, tagger: "Tagger") -> TaggerJob:
    """The model's training job, after checking the graph still has the model's vocabulary.

    Raises:
        ModelArtifactError: If the labels the graph gives for the job differ from the model's.
    """
    job = TaggerJob.of_model(tagger.meta)
    current = graph_vocabulary(executor, job)
    if current.labels != tagger.space.labels:
        added = set(current.labels) - set(tagger.space.labels)
        gone = set(tagger.space.labels) - set(current.labels)
        raise ModelArtifactError(
            f"the graph's tag vocabulary changed since the model was trained ({len(added)} tags new, "
            f"{len(gone)} gone, e.g. {sorted(added | gone)[:3]}); retrain with `taggraph tagger train`"
        )
    return job


def tag_ids(executor: GraphExecutor, tagger: "Tagger") -> dict[str, str]:
    """``kind:name`` label -> Tag id, for the model's labels that are Tag nodes."""
    rows = executor.read("read/tags_of_kinds", kinds=tagger.space.kinds)
    by_label = {f"{row['kind']}:{row['name']}": row["id"] for row in rows}
    return {label: by_label[label] for label in tagger.space.labels if label in by_label}
