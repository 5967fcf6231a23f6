"""Errors of the model layer (which imports nothing else of taggraph)."""


class ModelArtifactError(ValueError):
    """A model directory is missing, incomplete, corrupt, or made for another label space."""
