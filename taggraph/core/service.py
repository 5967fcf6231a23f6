"""What the service holds for its lifetime: settings, the graph executor, the models."""

import time
from dataclasses import dataclass

from taggraph.core.identity import Pseudonymiser
from taggraph.core.loaded_models import LoadedModels, latest_runs, load_models
from taggraph.errors import ServiceUnavailable
from taggraph.graph.connection import GraphExecutor
from taggraph.settings import Settings


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
        loaded_runs: The newest model runs the graph recorded when the models were loaded.
        embeddings_checked_at: When the product embedding index was last looked for.
        embeddings: Whether it was there.

    """

    settings: Settings
    executor: GraphExecutor
    pseudonymiser: Pseudonymiser
    models: LoadedModels | None = None
    loaded_runs: dict[str, str] | None = None
    embeddings_checked_at: float = float("-inf")
    embeddings: bool = False

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

    def has_product_embeddings(self, max_age_s: float = 60.0) -> bool:
        """Whether ``taggraph embed`` has built the product embedding index (looked up once a minute)."""
        now = time.monotonic()
        if now - self.embeddings_checked_at > max_age_s:
            rows = self.executor.read("read/vector_index_dimensions")
            self.embeddings = any(row["name"] == "product_embedding" for row in rows)
            self.embeddings_checked_at = now
        return self.embeddings

    def readiness(self, neo4j_reachable: bool) -> Readiness:
        """Ready when Neo4j answers and model loading finished; lists what is loaded and what is missing.

        Args:
            neo4j_reachable: Whether Neo4j answered a connectivity check just now.

        """
        neo4j = "reachable" if neo4j_reachable else "not reachable"
        models = self.models
        if models is None:
            return Readiness(False, neo4j, [], {"models": "not loaded yet"})
        return Readiness(neo4j_reachable, neo4j, models.names(), dict(models.missing))

    def reload(self) -> LoadedModels:
        """Load every model again from the models folder and put them in place in one step.

        With ``api.load_models`` off nothing is loaded, and the models say so.
        """
        if not self.settings.api.load_models:
            self.models = LoadedModels(missing={"models": "not loaded: TAGGRAPH_API_LOAD_MODELS is off"})
            return self.models
        runs = latest_runs(self.executor)
        models = load_models(self.executor, self.settings)
        self.models, self.loaded_runs = models, runs
        return models

    def models_are_stale(self) -> bool:
        """Whether the graph records a model run newer than those of the loaded models."""
        return self.models is not None and latest_runs(self.executor) != self.loaded_runs
