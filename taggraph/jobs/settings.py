"""Settings of the jobs, read from ``TAGGRAPH_*`` variables and ``.env``."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Precision = Literal["auto", "fp32", "bf16"]


def _default_state() -> Path:
    return Path.home() / ".local" / "share" / "taggraph"


class IngestSettings(BaseSettings):
    """How catalog files are read and written to the graph.

    Attributes:
        pseudonym_key: Secret key of the keyed hash applied to user ids at ingest. When unset,
            a random key is created once in ``pseudonym_key_file`` and reused.
        pseudonym_key_file: Where the generated key is kept (mode 0600).
        batch_size: Rows per write transaction.
        rejects_dir: Folder of the rejects files (``<source>.rejects.jsonl``).
        state_dir: Folder of the checkpoints that let an interrupted ingest or tagging run resume.
        max_id_chars: Longest accepted id.
        max_name_chars: Longest accepted product name.
        max_description_chars: Longest accepted description.

    """

    model_config = SettingsConfigDict(
        env_prefix="TAGGRAPH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    pseudonym_key: SecretStr | None = None
    pseudonym_key_file: Path = Field(default_factory=lambda: _default_state() / "pseudonym.key")
    batch_size: int = Field(default=5000, ge=1, le=100_000)
    rejects_dir: Path = Path("rejects")
    state_dir: Path = Field(default_factory=lambda: _default_state() / "state")
    max_id_chars: int = Field(default=200, ge=1)
    max_name_chars: int = Field(default=1000, ge=1)
    max_description_chars: int = Field(default=20_000, ge=1)


class TaggerSettings(BaseSettings):
    """Where tagger models live and how tagging runs read text.

    Attributes:
        models_dir: Folder of model directories (``<models_dir>/tagger/<source>`` by default).
        encoder: Pretrained encoder to fine-tune: a local Hugging Face model directory; the
            packaged all-MiniLM-L6-v2 when unset.
        page_size: Products per read and per write transaction of ``taggraph tag``.
        max_text_chars: Longer product texts are skipped by ``taggraph tag`` and counted.
        state_dir: Folder of the checkpoints (shared with the ingest settings).
        precision: Inference precision of ``taggraph tag`` and ``taggraph extract``: ``auto``
            (bf16 where the CPU has AVX-512 BF16 or AMX, or on a GPU with bf16; else fp32),
            ``fp32`` or ``bf16``.
        gnn_mini_batch: GNN training: products per mini-batch step, each over its sampled
            neighbourhood; 0 trains on the whole graph at once (for graphs that fit in memory).
        gnn_fanouts: GNN mini-batches: most neighbours sampled per node, edge type and layer.

    """

    model_config = SettingsConfigDict(
        env_prefix="TAGGRAPH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    models_dir: Path = Path("models")
    encoder: str | None = None
    page_size: int = Field(default=1000, ge=1, le=100_000)
    max_text_chars: int = Field(default=20_000, ge=1)
    state_dir: Path = Field(default_factory=lambda: _default_state() / "state")
    precision: Precision = "auto"
    gnn_mini_batch: int = Field(default=0, ge=0, le=1_000_000)
    gnn_fanouts: list[int] = Field(default_factory=lambda: [10, 10], min_length=1, max_length=6)

    @field_validator("gnn_fanouts")
    @classmethod
    def _positive_fanouts(cls, fanouts: list[int]) -> list[int]:
        if any(not 1 <= fanout <= 1000 for fanout in fanouts):
            raise ValueError("every fanout must be between 1 and 1000")
        return fanouts


class LinkingSettings(BaseSettings):
    """Where the extractor, the entity index and generated tags live, and how linking runs.

    Attributes:
        models_dir: Folder of model directories (``extractor`` and ``linker`` inside by default).
        encoder: Pretrained encoder of the extractor and of the entity embeddings; the packaged
            all-MiniLM-L6-v2 when unset.
        generated_dir: Folder of generated tags files (``<source>.jsonl``).
        linker_exact_max: Most surface forms of an exact (flat) index; HNSW above it.
        page_size: Products per read and per write transaction.
        max_text_chars: Longer product texts are skipped by ``taggraph extract`` and counted.
        rejects_dir: Folder of the rejects files.
        state_dir: Folder of the checkpoints that let an interrupted run resume.
        precision: Inference precision of the extractor (see :class:`TaggerSettings`).

    """

    model_config = SettingsConfigDict(
        env_prefix="TAGGRAPH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    models_dir: Path = Path("models")
    encoder: str | None = None
    precision: Precision = "auto"
    generated_dir: Path = Path("generated")
    linker_exact_max: int = Field(default=200_000, ge=1)
    page_size: int = Field(default=1000, ge=1, le=100_000)
    max_text_chars: int = Field(default=20_000, ge=1)
    rejects_dir: Path = Path("rejects")
    state_dir: Path = Field(default_factory=lambda: _default_state() / "state")
