import stat
from pathlib import Path

import pytest

from taggraph.core.identity import Pseudonymiser, load_pseudonymiser
from taggraph.errors import ConfigurationError
from taggraph.settings import Settings


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAGGRAPH_PSEUDONYM_KEY", raising=False)


def test_keyed_hash_is_stable_and_depends_on_key_and_source() -> None:
    one = Pseudonymiser(b"k" * 16)
    assert one.user_id("instacart", "42") == one.user_id("instacart", "42")
    assert one.user_id("instacart", "42") != one.user_id("beauty", "42")
    assert one.user_id("instacart", "42") != Pseudonymiser(b"j" * 16).user_id("instacart", "42")
    assert one.user_id("instacart", "42").startswith("user:")
    assert "kkkk" not in repr(one)


def test_short_key_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        Pseudonymiser(b"short")


def test_key_file_is_created_once_private(tmp_path: Path) -> None:
    settings = Settings(pseudonym_key_file=tmp_path / "key")
    first = load_pseudonymiser(settings).user_id("s", "1")
    assert stat.S_IMODE((tmp_path / "key").stat().st_mode) == 0o600
    assert load_pseudonymiser(settings).user_id("s", "1") == first


def test_corrupt_key_file_gives_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("not hex")
    with pytest.raises(ConfigurationError, match="TAGGRAPH_PSEUDONYM_KEY"):
        load_pseudonymiser(Settings(pseudonym_key_file=tmp_path / "key"))
