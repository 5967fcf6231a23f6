"""The kinds a generated tag may link to, checked against one pattern."""

import re

from taggraph.errors import InputError

BRAND = "brand"
CATEGORY = "category"
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def check_kind(kind: str) -> str:
    """``kind`` if it is a usable tag kind (lower-case letters, digits, ``_``; up to 40).

    Raises:
        InputError: If it is not.

    """
    if not _KIND.match(kind):
        raise InputError(f"{kind!r} is not a tag kind: use lower-case letters, digits and _ (up to 40)")
    return kind
