"""``(:ModelRun)`` nodes: what each training or tagging run used and measured."""

import json
from typing import Any

from taggraph.errors import InputError
from taggraph.graph.connection import GraphExecutor


def record_run(executor: GraphExecutor, run_id: str, kind: str, **properties: Any) -> None:
    """Create or update the run's node.

    Args:
        executor: Executor on the graph.
        run_id: Stable id of the run.
        kind: What ran, such as ``tagger-training`` or ``tagging``.
        **properties: Scalars are stored as they are; dicts and lists of dicts as JSON text.
    """
    stored = {
        key: json.dumps(value, sort_keys=True) if isinstance(value, dict) else value
        for key, value in properties.items()
        if value is not None
    }
    executor.write("write/model_run", id=run_id, properties={"kind": kind, **stored})


def run_started_at(executor: GraphExecutor, run_id: str) -> Any:
    """When the run started, as the graph holds it.

    Raises:
        InputError: If no run has that id.
    """
    rows = executor.read("read/model_run", id=run_id)
    if not rows:
        raise InputError(f"no model run {run_id!r} in the graph")
    return rows[0]["started_at"]
