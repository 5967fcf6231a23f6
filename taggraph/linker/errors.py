"""Errors of the linker (which imports nothing of taggraph but the encoders)."""

from taggraph.encoders.errors import ModelArtifactError


class LinkerIndexError(ModelArtifactError):
    """An entity index is missing, corrupt, or made for another encoder or graph vocabulary."""
