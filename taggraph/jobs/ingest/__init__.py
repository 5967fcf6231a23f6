"""Catalog ingest: source parsers, row validation, rejects, and the batched graph sink."""
