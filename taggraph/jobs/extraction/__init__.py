"""Attribute extraction jobs: training files, training and evaluation, extraction from the graph."""
