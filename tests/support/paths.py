"""Checks that the reasons of an answer are paths that exist in the graph."""

from neo4j import Driver

from taggraph.graph.connection import create_driver
from taggraph.settings import Neo4jSettings

NOT_PATHS = ("embedding",)
"""Reason kinds whose ``path`` is a similarity, not a graph path."""


def missing_paths(settings: Neo4jSettings, results: list[dict]) -> list[str]:
    """The reason paths of ``results`` that match nothing in the graph (each run as a MATCH)."""
    with create_driver(settings) as driver:
        return [
            reason["path"]
            for result in results
            for reason in result["reasons"]
            if reason["kind"] not in NOT_PATHS and not _exists(driver, reason["path"])
        ]


def _exists(driver: Driver, path: str) -> bool:
    records, _, _ = driver.execute_query(f"MATCH p = {path} RETURN count(p) > 0 AS found")
    return bool(records[0]["found"])
