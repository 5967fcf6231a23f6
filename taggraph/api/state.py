"""What the service holds for its lifetime: settings, the graph executor, the models."""

import time
from dataclasses import dataclass

from taggraph.api.models import Models
from taggraph.api.settings import ApiSettings
from taggraph.graph.connection import GraphExecutor
from taggraph.jobs.ingest.pseudonym import Pseudonymiser


@dataclass
class Service:
    """The state the lifespan builds once and every request shares.

    Attributes:
        settings: The API settings.
        executor: Executor over the one driver.
        pseudonymiser: The keyed hash of ingest: callers send their own user ids
            (``<source>:<native id>``) and the graph, logs and answers never hold them.
        models: Loaded models; None until loading finished.
        embeddings_checked_at: When the product embedding index was last looked for.
        embeddings: Whether it was there.

    """

    settings: ApiSettings
    executor: GraphExecutor
    pseudonymiser: Pseudonymiser
    models: Models | None = None
    embeddings_checked_at: float = float("-inf")
    embeddings: bool = False

    def graph_user_id(self, user_id: str) -> str:
        """The graph's pseudonymous id of ``<source>:<native id>``."""
        source, _, native = user_id.partition(":")
        return self.pseudonymiser.user_id(source, native)

    def has_product_embeddings(self, max_age_s: float = 60.0) -> bool:
        """Whether ``taggraph embed`` has built the product embedding index (looked up once a minute)."""
        now = time.monotonic()
        if now - self.embeddings_checked_at > max_age_s:
            rows = self.executor.read("read/vector_index_dimensions")
            self.embeddings = any(row["name"] == "product_embedding" for row in rows)
            self.embeddings_checked_at = now
        return self.embeddings
