"""Settings of the HTTP service, read from ``TAGGRAPH_API_*`` variables and ``.env``."""

from enum import IntEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Role(IntEnum):
    """What a key may do; each role includes the ones below it."""

    READ = 1
    REVIEW = 2
    ADMIN = 3


class ApiKey(BaseModel):
    """One client's key and role.

    Attributes:
        key: The secret the client sends in the ``X-API-Key`` header (at least 16 characters).
        role: ``read`` (queries), ``review`` (also review decisions) or ``admin`` (also reloads).

    """

    model_config = ConfigDict(extra="forbid")

    key: SecretStr = Field(min_length=16)
    role: str = Field(pattern=r"^(read|review|admin)$")

    @property
    def level(self) -> Role:
        """The role as a comparable level."""
        return Role[self.role.upper()]


class ApiSettings(BaseSettings):
    """How the service listens, who may call it and how much one request may ask for.

    Attributes:
        keys: Client name -> key and role, as JSON in ``TAGGRAPH_API_KEYS``, for example
            ``{"recsys": {"key": "...", "role": "read"}, "ana": {"key": "...", "role": "review"}}``.
            With no keys every call but the health probes is refused.
        host: Address uvicorn binds.
        port: Port uvicorn binds.
        workers: uvicorn worker processes (each loads the models once).
        threads: Threads a worker runs blocking graph and model calls on. A few keep requests
            from contending for Python's interpreter lock: on 2 cores, 4 threads answered
            /v1/products/{id}/tags at concurrency 16 with p99 36 ms where 40 took 53 ms.
        models_dir: Folder of model directories (``tagger/<source>``, ``extractor``, ``linker``).
        encoder: Pretrained encoder of the linker's embeddings; the packaged MiniLM when unset.
        load_models: Whether the lifespan loads the tagger and linker (off: graph queries only).
        max_k: Largest ``k`` of a similarity or recommendation query.
        max_page_size: Largest page of a listing.
        max_body_bytes: Largest request body.
        max_text_chars: Longest title or description given to ``POST /v1/tag``.
        neo4j_retry_s: Seconds a query retries while Neo4j is unreachable before answering 503.
        retry_after_s: ``Retry-After`` seconds of a 503.
        startup_wait_s: Seconds the lifespan waits for Neo4j before loading models without it.

    """

    model_config = SettingsConfigDict(
        env_prefix="TAGGRAPH_API_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    keys: dict[str, ApiKey] = Field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    threads: int = Field(default=4, ge=1, le=256)
    models_dir: Path = Path("models")
    encoder: str | None = None
    load_models: bool = True
    max_k: int = Field(default=100, ge=1, le=10_000)
    max_page_size: int = Field(default=200, ge=1, le=10_000)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_text_chars: int = Field(default=5000, ge=1)
    neo4j_retry_s: float = Field(default=1.0, ge=0)
    retry_after_s: int = Field(default=5, ge=1)
    startup_wait_s: float = Field(default=30.0, ge=0)

    @field_validator("keys")
    @classmethod
    def _distinct_keys(cls, keys: dict[str, ApiKey]) -> dict[str, ApiKey]:
        secrets = [key.key.get_secret_value() for key in keys.values()]
        if len(set(secrets)) != len(secrets):
            raise ValueError("two clients share one API key")
        return keys
