"""One error root for taggraph and the few kinds a caller may want to tell apart.

Every package may import this module; it imports nothing of taggraph.
"""


class TaggraphError(Exception):
    """Root of every error taggraph raises on purpose; its message is meant for a person."""


class ConfigurationError(TaggraphError):
    """A setting or a command-line option has a value that cannot work."""


class InputError(TaggraphError):
    """An input file or argument cannot be read as asked (missing, wrong format, wrong mapping)."""


class Neo4jUnavailableError(TaggraphError):
    """The Neo4j server cannot be reached or refused the credentials."""


class ServerError(TaggraphError):
    """The local Neo4j server could not be installed, started or stopped."""


class CypherNotFoundError(TaggraphError):
    """A Cypher statement was asked for by a name that has no file in ``cypher/``."""


class ModelArtifactError(TaggraphError):
    """A model directory is missing, incomplete, corrupt, of another format or for another vocabulary."""


class LinkerIndexError(ModelArtifactError):
    """An entity index is missing, corrupt, or made for another encoder or graph vocabulary."""


class ServiceUnavailable(TaggraphError):
    """A model or index a request needs is not loaded; the message says how to build it."""


class NotFoundError(TaggraphError):
    """A product, tag or other entity a request names is not in the graph."""


class InvalidRequestError(TaggraphError):
    """A well-formed request asks for what cannot be answered (over a limit, an unknown kind)."""
