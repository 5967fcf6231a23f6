"""taggraph from Python: the graph as PyG, networkx or pandas in memory, and the shipped models.

``taggraph.connect()`` reads the settings as the CLI does (``TAGGRAPH_*`` variables and
``.env``) and opens one driver; the models load on first use and stay loaded::

    import taggraph

    with taggraph.connect() as tg:
        nodes, edges = tg.to_pandas(splits=True)
        tags = tg.tag(["Nike Men Navy Blue Running Shoes"])
"""

import os
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from taggraph.core.labelled_products import split_of
from taggraph.core.loaded_models import LoadedModels, load_models
from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor, create_driver
from taggraph.graph.export import GraphSnapshot, read_snapshot, to_arrow, to_networkx
from taggraph.settings import Settings

EMBEDDING_STATEMENTS = {"product": "read/product_embeddings", "tag": "read/tag_embeddings"}


class Taggraph:
    """One connection to the graph, with the models under ``models_dir`` loaded when first asked.

    Args:
        settings: Settings, as :func:`connect` reads them.

    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._driver = create_driver(settings.neo4j)
        self.executor = GraphExecutor.from_settings(self._driver, settings.neo4j)
        self.executor.verify()
        self._models: LoadedModels | None = None

    def __repr__(self) -> str:
        return f"Taggraph({self.settings.neo4j.uri!r})"

    def __enter__(self) -> "Taggraph":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the driver."""
        self._driver.close()

    def snapshot(self, sources: Sequence[str] | None = None) -> GraphSnapshot:
        """Products (of ``sources``, or all), tags, categories, brands, users and every edge."""
        return read_snapshot(self.executor, sources)

    def to_pandas(self, sources: Sequence[str] | None = None, splits: bool = False) -> tuple[Any, Any]:
        """The graph as two DataFrames, ``nodes`` and ``edges``, as ``taggraph export`` writes them.

        Args:
            sources: Product sources to keep; all when None.
            splits: Add each product's ``split`` (train, validation or test) as the jobs use it.

        """
        snapshot = self.snapshot(sources)
        nodes, edges = to_arrow(snapshot, self._splits(snapshot) if splits else None)
        return nodes.to_pandas(), edges.to_pandas()

    def to_networkx(self, sources: Sequence[str] | None = None, splits: bool = False) -> Any:
        """The graph as a ``networkx.MultiDiGraph`` keyed by graph id, properties as attributes."""
        snapshot = self.snapshot(sources)
        return to_networkx(snapshot, self._splits(snapshot) if splits else None)

    def to_pyg(self, sources: Sequence[str] | None = None, splits: bool = False) -> tuple[Any, dict]:
        """The graph as a PyG ``HeteroData`` with text features from the configured encoder.

        Returns:
            The data and the ids: node type -> graph ids in index order, and ``edge_values``
            (the values each coded edge property's codes stand for).

        """
        from taggraph.encoders.embedder import TextEmbedder
        from taggraph.jobs.gnn.dataset import to_hetero_data

        snapshot = self.snapshot(sources)
        data, edge_values = to_hetero_data(
            snapshot, TextEmbedder(self.settings.encoder), self._splits(snapshot) if splits else None
        )
        return data, {**snapshot.ids, "edge_values": edge_values}

    def embeddings(self, node_type: str = "product") -> Any:
        """The GNN embeddings ``taggraph embed`` wrote, as a DataFrame of id, embedding and run.

        Raises:
            InputError: For a node type other than ``product`` or ``tag``.

        """
        import pandas as pd

        if node_type not in EMBEDDING_STATEMENTS:
            raise InputError(
                f"embeddings are kept for {' and '.join(EMBEDDING_STATEMENTS)}, not {node_type!r}"
            )
        rows: list[dict[str, Any]] = []
        after = ""
        while page := self.executor.read(EMBEDDING_STATEMENTS[node_type], after=after, limit=10_000):
            rows += page
            after = page[-1]["id"]
        return pd.DataFrame(rows, columns=["id", "embedding", "run"])

    def tag(self, texts: Sequence[str], source: str | None = None) -> list[list[dict[str, Any]]]:
        """Tag product texts with a source's tagger; nothing is written to the graph.

        Args:
            texts: Product titles (with descriptions, if the tagger was trained with them).
            source: Whose tagger (``myntra``...); may be None when only one is trained.

        Returns:
            Per text, its tags above their thresholds: ``tag_id``, ``label`` and ``score``.

        Raises:
            InputError: If no tagger is trained, or ``source`` names none of them.

        """
        taggers = self.models().taggers
        if not taggers:
            raise InputError(f"no tagger is loaded: {self.models().why('tagger')}")
        if source is None and len(taggers) > 1:
            raise InputError(f"several taggers are loaded; pass source= one of {', '.join(taggers)}")
        loaded = taggers.get(source) if source else next(iter(taggers.values()))
        if loaded is None:
            raise InputError(f"no tagger for {source!r}; loaded: {', '.join(taggers)}")
        return [
            [
                {"tag_id": loaded.tag_ids.get(label), "label": label, "score": score}
                for label, score in predicted
            ]
            for predicted in loaded.tagger.predict(list(texts))
        ]

    def link(self, strings: Sequence[str], kind: str | None = None) -> list[dict[str, Any]]:
        """Link strings to the graph's entities (tags, brands, categories) as ``/v1/tags/search`` does.

        Returns:
            Per string: the ``entity_id`` it links to (None for NIL), the ``method`` and ``score``,
            and its nearest ``candidates`` as ``(entity id, score)``.

        Raises:
            InputError: If the linker is not built.

        """
        linker = self.models().linker
        if linker is None:
            raise InputError(f"the linker is not loaded: {self.models().why('linker')}")
        return [
            {
                "text": text,
                "entity_id": result.entity_id,
                "method": result.method,
                "score": result.score,
                "candidates": list(result.candidates),
            }
            for text, result in zip(strings, linker.link(list(strings), [kind] * len(strings)), strict=True)
        ]

    def models(self) -> LoadedModels:
        """The taggers and the linker under ``models_dir``, loaded once (in PyTorch, all cores)."""
        if self._models is None:
            api = self.settings.api.model_copy(
                update={"text_runtime": "torch", "torch_threads": os.cpu_count() or 1}
            )
            self._models = load_models(self.executor, self.settings.model_copy(update={"api": api}))
        return self._models

    @staticmethod
    def _splits(snapshot: GraphSnapshot) -> list[str]:
        return [split_of(product) for product in snapshot.ids["product"]]


def connect(settings: Settings | None = None) -> Taggraph:
    """Connect to the configured graph, with the settings the CLI reads unless given.

    Raises:
        Neo4jUnavailableError: If the server does not answer.

    """
    return Taggraph(settings or Settings())
