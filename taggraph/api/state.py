"""What the service holds for its lifetime: settings, the graph executor, the models."""

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

    """

    settings: ApiSettings
    executor: GraphExecutor
    pseudonymiser: Pseudonymiser
    models: Models | None = None

    def graph_user_id(self, user_id: str) -> str:
        """The graph's pseudonymous id of ``<source>:<native id>``."""
        source, _, native = user_id.partition(":")
        return self.pseudonymiser.user_id(source, native)
