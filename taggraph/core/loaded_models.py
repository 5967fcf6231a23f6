"""The models and indexes the service answers with, loaded once; what is missing says why."""

import logging
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from taggraph.core.batching import MicroBatcher
from taggraph.core.entities import read_entities
from taggraph.core.vocabulary import check_vocabulary, tag_ids
from taggraph.errors import ModelArtifactError, TaggraphError
from taggraph.graph.connection import GraphExecutor
from taggraph.settings import Settings

if TYPE_CHECKING:
    from taggraph.encoders.gnn.recommender import NextItemRanker
    from taggraph.encoders.tagger.tagger import Tagger
    from taggraph.linker.index import Embedder
    from taggraph.linker.linker import Linker, LinkResult

log = logging.getLogger("taggraph.api")


@dataclass
class LoadedTagger:
    """A tagger with the graph's Tag id of each of its labels.

    Attributes:
        tagger: The tagger.
        tag_ids: Label -> Tag id.
        threads: PyTorch threads of its forward passes.
        predict: Text -> ``(label, score)`` pairs, concurrent texts in one forward pass.

    """

    tagger: "Tagger"
    tag_ids: dict[str, str]
    threads: int = 1
    predict: MicroBatcher[str, list[tuple[str, float]]] = field(init=False)

    def __post_init__(self) -> None:
        self.predict = MicroBatcher(
            self.tagger.predict, on_thread_start=partial(_torch_threads, self.threads)
        )


@dataclass
class LoadedRecommender:
    """The next-item ranker with the graph id of each product it ranks, by model position."""

    ranker: "NextItemRanker"
    product_ids: list[str]

    @classmethod
    def of(cls, ranker: "NextItemRanker") -> "LoadedRecommender":
        """The ranker with the product ids its record lists.

        Raises:
            ModelArtifactError: If the record lists another number of products than the model has.

        """
        product_ids = [str(product) for product in ranker.meta.get("product_ids", [])]
        if len(product_ids) != ranker.model.num_items:
            raise ModelArtifactError(f"{len(product_ids)} product ids for {ranker.model.num_items} items")
        return cls(ranker, product_ids)

    @property
    def run_id(self) -> str:
        """The training run that made the model."""
        return str(self.ranker.meta.get("run_id", "recommender"))


@dataclass
class LoadedModels:
    """What is loaded, by name, and why each missing part is missing.

    Attributes:
        taggers: Tagger of each product source (``myntra``, ``flipkart``...).
        linker: The entity linker.
        recommender: The next-item model that ranks a user's recommendations.
        missing: Part name -> the reason it is not loaded and how to build it.
        link: ``(text, kind)`` -> the linker's decision, concurrent texts in one forward pass.
        runtimes: Text model (``tagger/<source>``, ``linker``) -> what runs it, ``onnx`` or ``torch``.

    """

    taggers: dict[str, LoadedTagger] = field(default_factory=dict)
    linker: "Linker | None" = None
    recommender: LoadedRecommender | None = None
    missing: dict[str, str] = field(default_factory=dict)
    link: "MicroBatcher[tuple[str, str | None], LinkResult] | None" = None
    runtimes: dict[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        """The parts that are loaded: ``tagger/<source>``, ``linker``, ``recommender``."""
        names = [f"tagger/{source}" for source in self.taggers]
        return names + (["linker"] if self.linker else []) + (["recommender"] if self.recommender else [])

    def why(self, part: str) -> str:
        """Why ``part`` (``linker``, ``tagger``) is not loaded."""
        reasons = [
            reason
            for name, reason in self.missing.items()
            if name in (part, "models") or name.startswith(f"{part}/")
        ]
        return "; ".join(reasons) or "not loaded"


RUN_KINDS = ("tagger-training", "tagging", "recommender-training")
"""Runs whose newer record means the service should load its models again."""


def latest_runs(executor: GraphExecutor) -> dict[str, str]:
    """When the newest finished run of each of :data:`RUN_KINDS` was recorded, by kind."""
    return {
        row["kind"]: row["updated_at"] for row in executor.read("read/latest_runs", kinds=list(RUN_KINDS))
    }


def load_models(executor: GraphExecutor, settings: Settings) -> LoadedModels:
    """Load the taggers, the linker and the recommender under ``models_dir``.

    Every tagger under ``tagger/``, the linker in ``linker/`` and the recommender in
    ``recommender/``.

    A model that is absent, corrupt or stale against the graph is left out with its reason;
    the routes that need it answer 503 with that reason.

    Args:
        executor: The graph, to check vocabularies against.
        settings: ``models_dir`` (where the models are), ``encoder`` (the linker's pretrained
            encoder), ``tagger.precision``, ``api.torch_threads`` (set for the process),
            ``api.text_model_threads`` (the taggers' and the linker's forward passes) and
            ``api.text_runtime`` with ``api.onnx_cache_dir`` (what runs those passes).

    """
    import torch

    torch.set_num_threads(settings.api.torch_threads)
    text_threads = settings.api.text_model_threads or max(1, (os.cpu_count() or 1) // settings.api.workers)
    models = LoadedModels()
    models_dir = settings.models_dir
    tagger_root = models_dir / "tagger"
    folders = sorted(p for p in tagger_root.iterdir() if p.is_dir()) if tagger_root.is_dir() else []
    if not folders:
        models.missing["tagger"] = f"no tagger under {tagger_root}; train one with `taggraph tagger train`"
    runtime = TextRuntime(settings.api.text_runtime, settings.api.onnx_cache_dir, text_threads)
    for folder in folders:
        part = f"tagger/{folder.name}"
        try:
            tagger = _load_tagger(executor, folder, settings.tagger.precision)
            tagger, models.runtimes[part] = runtime.tagger(part, tagger, folder)
            models.taggers[folder.name] = LoadedTagger(tagger, tag_ids(executor, tagger), text_threads)
        except TaggraphError as error:
            models.missing[part] = str(error)
    try:
        models.linker = _load_linker(executor, models_dir / "linker", settings.encoder, runtime)
        models.runtimes["linker"] = runtime.of(models.linker.embedder)
        models.link = _link_batcher(models.linker, text_threads)
    except TaggraphError as error:
        models.missing["linker"] = str(error)
    try:
        models.recommender = _load_recommender(models_dir / "recommender")
    except ModelArtifactError as error:
        models.missing["recommender"] = str(error)
    for part, reason in models.missing.items():
        log.warning("%s not loaded: %s", part, reason)
    return models


def _link_batcher(linker: "Linker", threads: int) -> "MicroBatcher[tuple[str, str | None], LinkResult]":
    def link(queries: list[tuple[str, str | None]]) -> list["LinkResult"]:
        return linker.link([text for text, _ in queries], [kind for _, kind in queries])

    return MicroBatcher(link, on_thread_start=partial(_torch_threads, threads))


def _torch_threads(threads: int) -> None:
    """Give the calling thread's PyTorch calls ``threads`` threads (kept per thread under OpenMP)."""
    import torch

    torch.set_num_threads(threads)


@dataclass(frozen=True)
class TextRuntime:
    """What runs the text models' forward passes: ONNX Runtime (exported once, cached) or PyTorch.

    ONNX Runtime holds Python's interpreter lock once per forward pass instead of at every
    operator, so a busy event loop does not stretch a batch (see :mod:`taggraph.encoders.onnx_export`).
    A model whose export fails or disagrees with its weights runs in PyTorch, with a warning.

    Attributes:
        name: ``onnx`` or ``torch``.
        cache_dir: Where exported models are kept.
        threads: Intra-op threads of each session.

    """

    name: str
    cache_dir: Path
    threads: int

    def tagger(self, part: str, tagger: "Tagger", folder: Path) -> tuple["Tagger", str]:
        """The tagger saved in ``folder`` as this runtime runs it, and the runtime's name."""
        if self.name != "onnx":
            return tagger, "torch"
        from taggraph.encoders.tagger.onnx_runtime import onnx_tagger

        try:
            return onnx_tagger(tagger, folder, self.cache_dir, self.threads), "onnx"
        except ModelArtifactError as error:
            log.warning("%s runs in PyTorch: %s", part, error)
            return tagger, "torch"

    def embedder(self, encoder: str | None) -> "Embedder":
        """The pretrained encoder ``encoder`` as this runtime runs it."""
        from taggraph.encoders.embedder import TextEmbedder

        embedder = TextEmbedder(encoder)
        if self.name != "onnx":
            return embedder
        from taggraph.encoders.onnx_embedder import onnx_embedder

        try:
            return onnx_embedder(embedder, self.cache_dir, self.threads)
        except ModelArtifactError as error:
            log.warning("the linker's encoder runs in PyTorch: %s", error)
            return embedder

    @staticmethod
    def of(embedder: "Embedder") -> str:
        """``onnx`` or ``torch``: what runs ``embedder``."""
        from taggraph.encoders.onnx_embedder import OnnxEmbedder

        return "onnx" if isinstance(embedder, OnnxEmbedder) else "torch"


def _load_tagger(executor: GraphExecutor, folder: Path, precision: str) -> "Tagger":
    from taggraph.encoders.tagger.tagger import Tagger

    tagger = Tagger.load(folder)
    check_vocabulary(executor, tagger)
    tagger.set_precision(precision)
    return tagger


def _load_linker(
    executor: GraphExecutor, folder: Path, encoder: str | None, runtime: TextRuntime
) -> "Linker":
    from taggraph.linker.entities import vocabulary_version
    from taggraph.linker.linker import Linker

    if not folder.is_dir():
        raise ModelArtifactError(f"no linker index at {folder}; build it with `taggraph linker build`")
    version = vocabulary_version(read_entities(executor))
    return Linker.load(folder, runtime.embedder(encoder), version)


def _load_recommender(folder: Path) -> LoadedRecommender:
    from taggraph.encoders.gnn.recommender import NextItemRanker

    ranker = NextItemRanker.load(folder)
    try:
        return LoadedRecommender.of(ranker)
    except ModelArtifactError as error:
        raise ModelArtifactError(f"{folder}: {error}") from error
