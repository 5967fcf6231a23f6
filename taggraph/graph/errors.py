"""One error root for taggraph and the few kinds a caller may want to tell apart."""


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
