"""What the service holds for its lifetime: settings, the graph executor, the models, the catalog."""

import gc
import logging
import time
from dataclasses import dataclass
from typing import Any

from taggraph.core.catalog_index import CatalogIndex, graph_version, read_catalog_index
from taggraph.core.decision_log import plan_review_statements
from taggraph.core.identity import Pseudonymiser
from taggraph.core.loaded_models import LoadedModels, LoadedRecommender, latest_runs, load_models
from taggraph.core.ranking import ModelView
from taggraph.errors import ServiceUnavailable
from taggraph.graph.connection import GraphExecutor
from taggraph.settings import Settings

log = logging.getLogger("taggraph.api")


@dataclass(frozen=True)
class Serving:
    """The in-memory catalog and the next-item model over it, replaced together in one step.

    A request reads :attr:`Service.serving` once, so its answer never mixes two catalogs or
    two models.

    Attributes:
        catalog: The catalog index.
        model: The next-item model's view of the catalog, None when no model is loaded.
        version: :func:`~taggraph.core.catalog_index.graph_version` when the catalog was read.
        built_s: Seconds the catalog took to read.

    """

    catalog: CatalogIndex
    model: ModelView | None
    version: dict[str, Any]
    built_s: float


def build_serving(executor: GraphExecutor, recommender: LoadedRecommender | None) -> Serving:
    """Read the catalog from the graph and put the next-item model over it."""
    started = time.perf_counter()
    version = graph_version(executor)
    catalog = read_catalog_index(executor)
    model = ModelView(recommender, catalog) if recommender is not None else None
    serving = Serving(catalog, model, version, time.perf_counter() - started)
    log.info("catalog of %d products read in %.1f s", len(catalog), serving.built_s)
    return serving


def settle_heap() -> None:
    """Free what the previous catalog and models left; keep what is alive now out of later collections.

    The catalog and models are millions of long-lived objects: a full collection scanning them
    stalls every request for hundreds of milliseconds, and Python runs one whenever enough
    objects have survived younger collections. Frozen objects are still freed when their last
    reference goes; the next settle collects any cycles among them.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class Readiness:
    """Whether the service can answer: Neo4j reachable, models loaded (or why not)."""

    ready: bool
    neo4j: str
    loaded: list[str]
    missing: dict[str, str]


@dataclass
class Service:
    """The state built once at start-up and shared by every request.

    Attributes:
        settings: The settings.
        executor: Executor over the one driver.
        pseudonymiser: The keyed hash of ingest: callers send their own user ids
            (``<source>:<native id>``) and the graph, logs and answers never hold them.
        models: Loaded models; None until loading finished. A reload replaces the whole object
            at once, so a request that read it once never mixes two models.
        serving: The in-memory catalog and next-item model the recommendations rank with;
            None until read.
        loaded_runs: The newest model runs the graph recorded when the models were loaded.

    """

    settings: Settings
    executor: GraphExecutor
    pseudonymiser: Pseudonymiser
    models: LoadedModels | None = None
    serving: Serving | None = None
    loaded_runs: dict[str, str] | None = None

    def graph_user_id(self, user_id: str) -> str:
        """The graph's pseudonymous id of ``<source>:<native id>``."""
        source, _, native = user_id.partition(":")
        return self.pseudonymiser.user_id(source, native)

    def loaded(self) -> LoadedModels:
        """The loaded models.

        Raises:
            ServiceUnavailable: While they are still loading.

        """
        if self.models is None:
            raise ServiceUnavailable("models are still loading (they need Neo4j to check their vocabulary)")
        return self.models

    def current_serving(self) -> Serving:
        """The catalog and model recommendations rank with now.

        Raises:
            ServiceUnavailable: While the catalog is still being read.

        """
        serving = self.serving
        if serving is None:
            raise ServiceUnavailable("the catalog is still being read into memory")
        return serving

    def readiness(self, neo4j_reachable: bool) -> Readiness:
        """Ready when Neo4j answers and model loading finished; lists what is loaded and what is missing.

        Args:
            neo4j_reachable: Whether Neo4j answered a connectivity check just now.

        """
        neo4j = "reachable" if neo4j_reachable else "not reachable"
        models = self.models
        if models is None or self.serving is None:
            return Readiness(False, neo4j, [], {"models": "not loaded yet"})
        return Readiness(neo4j_reachable, neo4j, [*models.names(), "catalog"], dict(models.missing))

    def reload(self) -> LoadedModels:
        """Load every model again from the models folder and put them in place in one step.

        With ``api.load_models`` off nothing is loaded, and the models say so. The review
        statements are planned first, so a reviewer's first decision does not wait for it.
        """
        background = self.executor.without_timeout()  # whole-graph reads outlast a request's limit
        plan_review_statements(background)
        if not self.settings.api.load_models:
            models = LoadedModels(missing={"models": "not loaded: TAGGRAPH_API_LOAD_MODELS is off"})
            self.serving, self.models = build_serving(background, None), models
            settle_heap()
            return models
        runs = latest_runs(background)
        models = load_models(background, self.settings)
        self.serving = build_serving(background, models.recommender)
        self.models, self.loaded_runs = models, runs
        settle_heap()
        return models

    def catalog_is_stale(self) -> bool:
        """Whether the graph changed since the catalog was read (counts or the newest tag edge change)."""
        return self.serving is not None and graph_version(self.executor) != self.serving.version

    def refresh_catalog(self) -> Serving:
        """Read the catalog again and serve it with the models loaded now."""
        models = self.loaded()
        self.serving = build_serving(self.executor.without_timeout(), models.recommender)
        settle_heap()
        return self.serving

    def models_are_stale(self) -> bool:
        """Whether the graph records a model run newer than those of the loaded models."""
        return self.models is not None and latest_runs(self.executor) != self.loaded_runs
