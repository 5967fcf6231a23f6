"""Tagger jobs: training data from the graph, train, evaluate, and batch tagging."""
