"""Neo4j connection and local-server settings, read from ``TAGGRAPH_NEO4J_*`` variables and ``.env``."""

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def _default_cache() -> Path:
    return Path.home() / ".cache" / "taggraph"


def _default_data() -> Path:
    return Path.home() / ".local" / "share" / "taggraph"


class Neo4jSettings(BaseSettings):
    """Where the graph lives and how to reach it.

    The same settings talk to the local server that ``taggraph neo4j`` runs, to a Docker
    container or to a remote Neo4j 5 (cluster or Aura): only ``uri`` and credentials change.

    Attributes:
        uri: Bolt or neo4j URI of the server.
        user: User name.
        password: Password; for the local server it is also the initial password set at install.
        database: Database name (Community Edition has one user database, ``neo4j``).
        home: Directory of the local server's configuration, data and logs.
        lib_dir: Directory of the local server's jars (shared between homes; outside the repo).
        version: Neo4j version the local server is resolved at.
        browser_version: Neo4j Browser version served by the local server.
        listen_address: Address the local server listens on.
        bolt_port: Bolt port of the local server.
        http_port: HTTP port of the local server (Neo4j Browser).
        heap: JVM heap (both -Xms upper bound and -Xmx) of the local server, such as ``1g``.
        pagecache: Page cache size of the local server, such as ``512m``.
        start_timeout_s: Seconds ``start`` waits for Bolt to answer.
        connect_timeout_s: Seconds a driver waits for a connection.
        retry_time_s: Seconds a transaction is retried while the server is unreachable or busy.

    """

    model_config = SettingsConfigDict(
        env_prefix="TAGGRAPH_NEO4J_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: SecretStr = SecretStr("taggraph-local")
    database: str = "neo4j"
    home: Path = Field(default_factory=lambda: _default_data() / "neo4j")
    lib_dir: Path = Field(default_factory=lambda: _default_cache() / "neo4j-5.26.0" / "lib")
    version: str = "5.26.0"
    browser_version: str = "5.24.0"
    listen_address: str = "127.0.0.1"
    bolt_port: int = Field(default=7687, ge=1, le=65535)
    http_port: int = Field(default=7474, ge=1, le=65535)
    heap: str = Field(default="1g", pattern=r"^[0-9]+[mMgG]$")
    pagecache: str = Field(default="512m", pattern=r"^[0-9]+[mMgG]$")
    start_timeout_s: float = Field(default=120.0, gt=0)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    retry_time_s: float = Field(default=30.0, ge=0)

    @field_validator("uri")
    @classmethod
    def _bolt_uri(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in BOLT_SCHEMES or not parts.hostname:
            raise ValueError(f"expected {'|'.join(BOLT_SCHEMES)}://host[:port], got {value!r}")
        try:
            port = parts.port
        except ValueError as error:
            raise ValueError(f"invalid port in {value!r}") from error
        if port == 0:
            raise ValueError(f"invalid port in {value!r}")
        return value
