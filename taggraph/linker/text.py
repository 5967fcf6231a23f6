"""Surface forms made comparable: normalised text, compact text and model-number-like codes."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9\-/.]*")


def normalise(text: str) -> str:
    """NFKC, case-folded, control characters and punctuation to spaces, spaces collapsed.

    ``" Navy-Blue "`` -> ``"navy blue"``; non-Latin letters are kept.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    cleaned = "".join(" " if unicodedata.category(char).startswith("C") else char for char in folded)
    return " ".join(_NOT_WORD.sub(" ", cleaned).replace("_", " ").split())


def compact(text: str) -> str:
    """Only the ASCII letters and digits of the case-folded text: ``"RX-V663 BK"`` -> ``"rxv663bk"``."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def codes(text: str) -> set[str]:
    """Model-number-like tokens (letters and digits mixed, at least 4 characters), compacted.

    ``"Yamaha RX-V663BK receiver 7.1"`` -> ``{"rxv663bk"}``.
    """
    found = set()
    for token in _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold()):
        code = _NOT_ALNUM.sub("", token)
        if len(code) >= 4 and any(char.isdigit() for char in code) and any(char.isalpha() for char in code):
            found.add(code)
    return found


COLOURS = frozenset(
    "black white silver grey gray red blue green pink purple plum brown gold orange yellow beige "
    "titanium bronze copper cream ivory navy maroon teal violet charcoal graphite".split()
)


def colours(text: str) -> frozenset[str]:
    """The colour words of a text (``grey`` and ``gray`` are the same colour)."""
    words = set(normalise(text).split()) & COLOURS
    return frozenset("grey" if word == "gray" else word for word in words)
