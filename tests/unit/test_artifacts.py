"""Model folders: written whole, checksummed, and refused when of another kind or format version."""

import json
from pathlib import Path

import pytest
import torch

from taggraph.encoders.artifacts import FORMAT_FILE, FORMAT_VERSION, ModelFolder, prefixed
from taggraph.errors import ModelArtifactError, TaggraphError

FOLDER = ModelFolder("probe", "probe.json", ("extra.txt",), "`taggraph probe train`")


def write_probe(path: Path) -> Path:
    def write_files(folder: Path, checksum: str) -> dict[str, object]:
        (folder / "extra.txt").write_text("x")
        return {"width": 3, "seen_checksum": checksum}

    return FOLDER.save(path, {"layer.weight": torch.arange(6.0).reshape(2, 3)}, write_files)


def test_round_trip_keeps_record_and_weights(tmp_path: Path) -> None:
    path = write_probe(tmp_path / "probe")
    record, tensors = FOLDER.open(path)
    assert record["width"] == 3 and record["seen_checksum"] == record["weights_sha256"]
    assert torch.equal(prefixed(tensors, "layer")["weight"], torch.arange(6.0).reshape(2, 3))
    assert json.loads((path / FORMAT_FILE).read_text()) == {"kind": "probe", "format_version": FORMAT_VERSION}


def test_another_format_version_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = write_probe(tmp_path / "probe")
    (path / FORMAT_FILE).write_text(json.dumps({"kind": "probe", "format_version": FORMAT_VERSION + 1}))
    with pytest.raises(ModelArtifactError, match=r"format .*rebuild it with `taggraph probe train`"):
        FOLDER.open(path)


def test_a_folder_without_a_format_version_is_refused(tmp_path: Path) -> None:
    path = write_probe(tmp_path / "probe")
    (path / FORMAT_FILE).unlink()
    with pytest.raises(ModelArtifactError, match="before model folders had a format version"):
        FOLDER.open(path)


def test_a_folder_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = write_probe(tmp_path / "probe")
    other = ModelFolder("other", "probe.json", ("extra.txt",), "`taggraph other train`")
    with pytest.raises(ModelArtifactError, match="holds a probe model, not a other"):
        other.open(path)


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"kind": "probe"}'])
def test_a_malformed_format_file_is_refused(tmp_path: Path, content: str) -> None:
    path = write_probe(tmp_path / "probe")
    (path / FORMAT_FILE).write_text(content)
    with pytest.raises(ModelArtifactError):
        FOLDER.open(path)


def test_changed_weights_are_refused(tmp_path: Path) -> None:
    path = write_probe(tmp_path / "probe")
    data = bytearray((path / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (path / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelArtifactError, match="checksum"):
        FOLDER.open(path)


def test_model_artifact_errors_share_the_one_root() -> None:
    assert issubclass(ModelArtifactError, TaggraphError)
    assert not issubclass(ModelArtifactError, ValueError)
