"""taggraph's one settings object: shared values at the top, one nested section per part.

Read once at an entry point (the CLI, ``create_app``) from ``TAGGRAPH_*`` variables and a
``.env`` file, then passed in. A section's variables carry its name after the prefix:
``TAGGRAPH_NEO4J_URI`` is ``settings.neo4j.uri``, ``TAGGRAPH_GNN_MINI_BATCH`` is
``settings.gnn.mini_batch``. Every package may import this module; it imports nothing of taggraph.
"""

from enum import IntEnum
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
Precision = Literal["auto", "fp32", "bf16"]


def _default_cache() -> Path:
    return Path.home() / ".cache" / "taggraph"


def _default_data() -> Path:
    return Path.home() / ".local" / "share" / "taggraph"


class Section(BaseModel):
    """A section refuses keys it does not know, so a misspelt variable is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


class Neo4jSettings(Section):
    """Where the graph lives and how to reach it (``TAGGRAPH_NEO4J_*``).

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


class Role(IntEnum):
    """What an API key may do; each role includes the ones below it."""

    READ = 1
    REVIEW = 2
    ADMIN = 3


class ApiKey(Section):
    """One client's key and role.

    Attributes:
        key: The secret the client sends in the ``X-API-Key`` header (at least 16 characters).
        role: ``read`` (queries), ``review`` (also review decisions) or ``admin`` (also reloads).

    """

    key: SecretStr = Field(min_length=16)
    role: str = Field(pattern=r"^(read|review|admin)$")

    @property
    def level(self) -> Role:
        """The role as a comparable level."""
        return Role[self.role.upper()]


class ApiSettings(Section):
    """How the service listens, who may call it and how much one request may ask for (``TAGGRAPH_API_*``).

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
        load_models: Whether the service loads the taggers, linker and recommender (off: graph
            queries only).
        max_k: Largest ``k`` of a similarity or recommendation query.
        max_page_size: Largest page of a listing.
        max_body_bytes: Largest request body.
        max_text_chars: Longest title and description given to ``POST /v1/tag``.
        neo4j_retry_s: Seconds a query retries while Neo4j is unreachable before answering 503.
        neo4j_timeout_s: Seconds a graph request may take, waiting for a thread included, before
            it is answered 503 (a stalled Neo4j never holds a request longer); also the
            server-side timeout of each of its transactions.
        graph_queue: Graph requests that may wait for one of ``threads`` beyond those running;
            more are answered 503 at once instead of queueing.
        header_timeout_s: Seconds a client has to send a request's headers (``taggraph serve``).
        body_timeout_s: Seconds the service waits for the next part of a request body (408 after).
        keep_alive_s: Seconds an idle kept-alive connection stays open.
        retry_after_s: ``Retry-After`` seconds of a 503.
        reload_check_s: Seconds between looks for a newer tagger, tagging or recommender run in
            the graph, which reloads the models (0: only ``POST /v1/admin/reload`` does).
        torch_threads: Threads of each model call (PyTorch intra-op). One keeps a query's small
            matrix products from waiting on a core the HTTP loop and Neo4j need: on 2 cores a
            user's next-item ranking took 0.7 ms with 1 thread and 7 ms with 2.
        text_model_threads: Threads of the taggers' and the linker's batched forward passes
            (``POST /v1/tag``, ``/v1/tags/search``); 0: the cores shared among the workers. A batch
            of 16 short texts took 44 ms with 1 thread and 27 ms with 2 on 2 cores.
        text_runtime: What runs those passes: ``onnx`` (ONNX Runtime, each model exported once
            into ``onnx_cache_dir`` and checked against its weights) or ``torch``. ONNX Runtime
            takes Python's interpreter lock once per pass, PyTorch at every operator: beside a
            busy event loop a batch of 16 product names took 71 ms in ONNX Runtime, 1,614 in PyTorch.
        onnx_cache_dir: Where the exported text models are kept (one file per model's weights).
        catalog_check_s: Seconds between looks for a graph change (node and edge counts, the
            newest tag edge change), which reads the in-memory catalog again (0: only a reload
            does). A review decision through the service looks at once.
        review_session_s: Seconds a sign-in to the review page lasts.
        review_bulk_max: Most proposals one bulk decision of the review page decides.
        browser_url: Neo4j Browser's address the review page links to (empty: the local
            server's HTTP port on the Bolt host).

    """

    keys: dict[str, ApiKey] = Field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    threads: int = Field(default=4, ge=1, le=256)
    load_models: bool = True
    max_k: int = Field(default=100, ge=1, le=10_000)
    max_page_size: int = Field(default=200, ge=1, le=10_000)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_text_chars: int = Field(default=5000, ge=1)
    neo4j_retry_s: float = Field(default=1.0, ge=0)
    neo4j_timeout_s: float = Field(default=2.0, gt=0, le=600)
    graph_queue: int = Field(default=124, ge=0, le=10_000)
    header_timeout_s: float = Field(default=10.0, gt=0, le=600)
    body_timeout_s: float = Field(default=10.0, gt=0, le=600)
    keep_alive_s: float = Field(default=5.0, gt=0, le=600)
    retry_after_s: int = Field(default=5, ge=1)
    reload_check_s: float = Field(default=30.0, ge=0, le=86_400)
    catalog_check_s: float = Field(default=5.0, ge=0, le=86_400)
    torch_threads: int = Field(default=1, ge=1, le=256)
    text_model_threads: int = Field(default=0, ge=0, le=256)
    text_runtime: Literal["onnx", "torch"] = "onnx"
    onnx_cache_dir: Path = Field(default_factory=lambda: _default_cache() / "onnx")
    review_session_s: int = Field(default=8 * 3600, ge=60, le=30 * 86_400)
    review_bulk_max: int = Field(default=1000, ge=1, le=10_000)
    browser_url: str = Field(default="", max_length=2000, pattern=r"^(|https?://[^\s]+)$")

    @field_validator("keys")
    @classmethod
    def _distinct_keys(cls, keys: dict[str, ApiKey]) -> dict[str, ApiKey]:
        secrets = [key.key.get_secret_value() for key in keys.values()]
        if len(set(secrets)) != len(secrets):
            raise ValueError("two clients share one API key")
        return keys


class IngestSettings(Section):
    """How catalog files are read and written to the graph (``TAGGRAPH_INGEST_*``).

    Attributes:
        batch_size: Rows per write transaction. Myntra's 44,446 products went in at 3,775/s in
            batches of 2,000, 3,770/s of 1,000 and 3,201/s of 5,000 (2 cores, Neo4j beside).
        max_id_chars: Longest accepted id.
        max_name_chars: Longest accepted product name.
        max_description_chars: Longest accepted description.

    """

    batch_size: int = Field(default=2000, ge=1, le=100_000)
    max_id_chars: int = Field(default=200, ge=1)
    max_name_chars: int = Field(default=1000, ge=1)
    max_description_chars: int = Field(default=20_000, ge=1)


class TaggerSettings(Section):
    """How the tagger and the span extractor read product text (``TAGGRAPH_TAGGER_*``).

    Attributes:
        precision: Inference precision of ``taggraph tag``, ``taggraph extract`` and the API's
            taggers: ``auto`` (bf16 where the CPU has AVX-512 BF16 or AMX and a timing shows it
            faster, or on a GPU with bf16; else fp32), ``fp32`` or ``bf16``.
        max_text_chars: Longer product texts are skipped by ``taggraph tag`` and ``taggraph
            extract`` and counted.

    """

    precision: Precision = "auto"
    max_text_chars: int = Field(default=20_000, ge=1)


class GnnSettings(Section):
    """How the graph neural network trains (``TAGGRAPH_GNN_*``).

    Attributes:
        mini_batch: Products per mini-batch step, each over its sampled neighbourhood; 0 trains
            on the whole graph at once (for graphs that fit in memory).
        fanouts: Mini-batches: most neighbours sampled per node, edge type and layer.

    """

    mini_batch: int = Field(default=0, ge=0, le=1_000_000)
    fanouts: list[int] = Field(default_factory=lambda: [10, 10], min_length=1, max_length=6)

    @field_validator("fanouts")
    @classmethod
    def _positive_fanouts(cls, fanouts: list[int]) -> list[int]:
        if any(not 1 <= fanout <= 1000 for fanout in fanouts):
            raise ValueError("every fanout must be between 1 and 1000")
        return fanouts


class LinkerSettings(Section):
    """Where generated tags live and how the entity index is built (``TAGGRAPH_LINKER_*``).

    Attributes:
        generated_dir: Folder of generated tags files (``<source>.jsonl``).
        exact_max: Most surface forms of an exact (flat) index; HNSW above it.

    """

    generated_dir: Path = Path("generated")
    exact_max: int = Field(default=200_000, ge=1)


class Settings(BaseSettings):
    """Everything taggraph can be configured with.

    Attributes:
        models_dir: Folder of model directories (``tagger/<source>``, ``extractor``, ``linker``,
            ``gnn``, ``recommender``).
        encoder: Pretrained encoder (a local Hugging Face model directory) to fine-tune and to
            embed with; the packaged all-MiniLM-L6-v2 when unset.
        page_size: Products per read and per write transaction of the batch jobs.
        state_dir: Folder of the checkpoints that let an interrupted job resume.
        rejects_dir: Folder of the rejects files (``<source>.rejects.jsonl``).
        pseudonym_key: Secret key of the keyed hash applied to user ids, at ingest and by the
            API. When unset, a random key is created once in ``pseudonym_key_file`` and reused.
        pseudonym_key_file: Where the generated key is kept (mode 0600).
        neo4j: The graph's server and connection.
        api: The HTTP service.
        ingest: Catalog ingest.
        tagger: The tagger and the span extractor.
        gnn: The graph neural network.
        linker: Linking generated tags to entities.

    """

    model_config = SettingsConfigDict(
        env_prefix="TAGGRAPH_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    models_dir: Path = Path("models")
    encoder: str | None = None
    page_size: int = Field(default=1000, ge=1, le=100_000)
    state_dir: Path = Field(default_factory=lambda: _default_data() / "state")
    rejects_dir: Path = Path("rejects")
    pseudonym_key: SecretStr | None = None
    pseudonym_key_file: Path = Field(default_factory=lambda: _default_data() / "pseudonym.key")
    neo4j: Neo4jSettings = Field(default_factory=Neo4jSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    tagger: TaggerSettings = Field(default_factory=TaggerSettings)
    gnn: GnnSettings = Field(default_factory=GnnSettings)
    linker: LinkerSettings = Field(default_factory=LinkerSettings)
