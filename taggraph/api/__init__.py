"""The FastAPI service that answers recommendation and tag queries from the graph."""
