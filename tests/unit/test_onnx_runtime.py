"""Text models in ONNX Runtime: the same outputs as their PyTorch weights, exported once, checked on load."""

import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from taggraph.core.loaded_models import TextRuntime
from taggraph.encoders.embedder import TextEmbedder
from taggraph.encoders.onnx_embedder import onnx_embedder
from taggraph.encoders.onnx_export import cached_export, export_module, session
from taggraph.encoders.tagger.onnx_runtime import OnnxTagger, onnx_tagger
from taggraph.encoders.tagger.tagger import Tagger
from taggraph.errors import ModelArtifactError
from taggraph.linker.index import EntityIndex
from taggraph.linker.linker import Linker
from taggraph.linker.scoring import LinkScorer
from tests.unit.test_linker import ENTITIES
from tests.unit.test_tagger import trained  # noqa: F401 - the module's trained tiny tagger

HOSTILE_TEXTS = [
    "Navy Blue Slim Fit Shirt",
    "",
    "   ",
    "red " * 2000,
    "🙂🙂 kurta 🙂",
    "\x00\x1f control\u202e characters",
    "קורטה אדומה",
    "Kurta für Damen — 100% Baumwolle",
]


class Doubling(torch.nn.Module):
    def forward(self, values: torch.Tensor) -> torch.Tensor:
        return values * 2


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    return TextEmbedder()


def export_doubling(path: Path) -> Path:
    return export_module(Doubling(), [torch.ones(1, 3)], ["values"], path)


def doubling_difference(path: Path) -> float:
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    return float(np.abs(session(path, 1).run(None, {"values": values})[0] - values * 2).max())


def test_an_export_is_made_once_and_reused(tmp_path: Path) -> None:
    exports: list[Path] = []

    def export(path: Path) -> Path:
        exports.append(path)
        return export_doubling(path)

    first = cached_export(tmp_path, "doubling-1", export, doubling_difference)
    second = cached_export(tmp_path, "doubling-1", export, doubling_difference)
    assert first == second == tmp_path / "doubling-1.onnx" and len(exports) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doubling-1.onnx"]


def test_a_corrupt_or_disagreeing_cached_export_is_made_again(tmp_path: Path) -> None:
    (tmp_path / "doubling-1.onnx").write_bytes(b"not an onnx graph")
    model = cached_export(tmp_path, "doubling-1", export_doubling, doubling_difference)
    assert doubling_difference(model) == 0.0
    exports: list[Path] = []

    def halving_check(path: Path) -> float:
        return 0.0 if exports else 1.0  # the cached file disagrees until a fresh export is made

    cached_export(
        tmp_path, "doubling-1", lambda path: exports.append(path) or export_doubling(path), halving_check
    )
    assert len(exports) == 1


def test_an_export_that_disagrees_with_its_weights_is_refused_and_not_kept(tmp_path: Path) -> None:
    with pytest.raises(ModelArtifactError, match="differs from its weights by 1"):
        cached_export(tmp_path, "doubling-1", export_doubling, lambda path: 1.0)
    assert list(tmp_path.iterdir()) == []


def test_a_model_the_exporter_cannot_take_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    def unsupported(path: Path) -> Path:
        path.write_bytes(b"half")
        raise RuntimeError("Exporting the operator 'aten::unknown' is not supported")

    with pytest.raises(
        ModelArtifactError, match="doubling-1 cannot be exported to ONNX: Exporting the operator"
    ):
        cached_export(tmp_path, "doubling-1", unsupported, doubling_difference)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    with pytest.raises(ModelArtifactError, match="cannot write the ONNX export"):
        cached_export(blocker / "cache", "doubling-1", export_doubling, doubling_difference)


def test_the_onnx_embedder_gives_the_pytorch_vectors(embedder: TextEmbedder, tmp_path: Path) -> None:
    onnx = onnx_embedder(embedder, tmp_path)
    assert onnx.model_id == embedder.model_id and onnx.dimension == embedder.dimension
    vectors = onnx.embed(HOSTILE_TEXTS, batch_size=3)
    assert vectors.shape == (len(HOSTILE_TEXTS), embedder.dimension)
    np.testing.assert_allclose(vectors, embedder.embed(HOSTILE_TEXTS), atol=1e-4)
    assert onnx.embed([]).shape == (0, embedder.dimension)


def test_a_linker_links_the_same_through_either_runtime(embedder: TextEmbedder, tmp_path: Path) -> None:
    onnx = onnx_embedder(embedder, tmp_path)
    index = EntityIndex.build(ENTITIES, embedder)
    queries = ["navy blu", "Yamaha RX-V663 black", "light blue", "tartan", "unknown thing", ""]
    by_torch = Linker(index, embedder, LinkScorer.untrained()).link(queries)
    by_onnx = Linker(index, onnx, LinkScorer.untrained()).link(queries)
    assert [r.entity_id for r in by_onnx] == [r.entity_id for r in by_torch]
    assert [r.method for r in by_onnx] == [r.method for r in by_torch]
    np.testing.assert_allclose([r.score for r in by_onnx], [r.score for r in by_torch], atol=1e-4)


def test_the_onnx_tagger_gives_the_pytorch_scores_and_follows_new_weights(trained, tmp_path: Path) -> None:  # noqa: F811
    tagger, texts, _ = trained
    tagger.save(tmp_path / "model")
    saved = Tagger.load(tmp_path / "model")
    onnx = onnx_tagger(saved, tmp_path / "model", tmp_path / "cache")
    assert isinstance(onnx, OnnxTagger)
    np.testing.assert_allclose(
        onnx.predict_proba(texts + HOSTILE_TEXTS), saved.predict_proba(texts + HOSTILE_TEXTS), atol=1e-4
    )
    with torch.no_grad():
        next(saved.network.parameters()).add_(0.5)
    saved.save(tmp_path / "retrained")
    retrained = Tagger.load(tmp_path / "retrained")
    np.testing.assert_allclose(
        onnx_tagger(retrained, tmp_path / "retrained", tmp_path / "cache").predict_proba(texts),
        retrained.predict_proba(texts),
        atol=1e-4,
    )
    assert len(list((tmp_path / "cache").glob("*.onnx"))) == 2


def test_a_model_that_cannot_be_exported_runs_in_pytorch_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "file").write_text("in the way of the cache")
    runtime = TextRuntime("onnx", tmp_path / "file" / "cache", threads=1)
    with caplog.at_level(logging.WARNING):
        embedder = runtime.embedder(None)
    assert isinstance(embedder, TextEmbedder) and TextRuntime.of(embedder) == "torch"
    assert "runs in PyTorch: cannot write the ONNX export" in caplog.text
    assert TextRuntime.of(onnx_embedder(embedder, tmp_path / "ok")) == "onnx"
