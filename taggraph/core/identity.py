"""Identity: catalog source names, and keyed pseudonyms of user ids.

Raw user ids never reach the graph, logs or exports.
"""

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from taggraph.errors import ConfigurationError, InputError
from taggraph.settings import Settings

_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def source_name(value: str) -> str:
    """Check a catalog source name: it prefixes ids and names model folders.

    Args:
        value: A name such as ``myntra`` or ``shop_2024``.

    Returns:
        The name.

    Raises:
        InputError: Unless it is 1-64 lower-case letters, digits, ``_`` or ``-`` (first a letter
            or digit).

    """
    if not _SOURCE_NAME.match(value):
        shown = value if len(value) <= 80 else value[:80] + "..."
        raise InputError(f"not a source name: {shown!r} (1-64 lower-case letters, digits, '_' or '-')")
    return value


class Pseudonymiser:
    """Maps a source's user id to ``user:<hmac-sha256 prefix>`` under a secret key.

    Args:
        key: Secret key bytes (at least 16).

    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ConfigurationError("the pseudonym key must have at least 16 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<secret>)"

    def user_id(self, source: str, native_id: str) -> str:
        """The pseudonymous id of one user of one source.

        Args:
            source: Source name, so equal ids of two sources stay apart.
            native_id: The user id as the source gives it.

        Returns:
            ``user:`` and 32 hex digits.

        """
        digest = hmac.new(self._key, f"{source}:{native_id}".encode(), hashlib.sha256)
        return "user:" + digest.hexdigest()[:32]


def load_pseudonymiser(settings: Settings) -> Pseudonymiser:
    """The pseudonymiser for the configured key, creating a key file on first use.

    Args:
        settings: The settings (``pseudonym_key`` or ``pseudonym_key_file``).

    Returns:
        A pseudonymiser.

    Raises:
        ConfigurationError: If the key file cannot be read or created.

    """
    if settings.pseudonym_key is not None:
        return Pseudonymiser(settings.pseudonym_key.get_secret_value().encode())
    return Pseudonymiser(_key_from_file(settings.pseudonym_key_file))


def _key_from_file(path: Path) -> bytes:
    try:
        if path.exists():
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
        return key
    except (OSError, ValueError) as error:
        raise ConfigurationError(
            f"cannot use the pseudonym key file {path}: {error}; set TAGGRAPH_PSEUDONYM_KEY"
        ) from error
