"""Pipelines that join the layers (ingest, tag, link, train, embed, export) and the CLI."""
