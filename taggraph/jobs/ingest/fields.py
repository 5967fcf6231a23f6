"""Validation of single field values; a bad value raises :class:`RowError` with the reason."""

import math
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


class RowError(ValueError):
    """A row cannot be taken; the message is the reason written to the rejects file."""


def text(value: object, field: str, max_chars: int, required: bool = False) -> str | None:
    """Clean one text field: reject bad encoding and NUL, fold control characters and spaces.

    Args:
        value: The raw value (str or None).
        field: Field name, for the reason.
        max_chars: Longest accepted value after cleaning.
        required: Whether an empty value rejects the row.

    Returns:
        The cleaned text, or None when empty and not required.

    Raises:
        RowError: If the value is not text, not valid UTF-8, holds NUL, is too long, or is
            empty while required.

    """
    if value is None:
        if required:
            raise RowError(f"missing {field}")
        return None
    if not isinstance(value, str):
        raise RowError(f"{field} is {type(value).__name__}, expected text")
    if value.isprintable() and value[:1] != " " and value[-1:] != " " and "  " not in value:
        cleaned = value  # already clean: printable excludes NUL, surrogates and every space but " "
    else:
        cleaned = _cleaned(value, field)
    if not cleaned:
        if required:
            raise RowError(f"missing {field}")
        return None
    if len(cleaned) > max_chars:
        raise RowError(f"{field} has {len(cleaned)} characters, more than the limit of {max_chars}")
    return cleaned


def _cleaned(value: str, field: str) -> str:
    """``value`` with control characters and runs of spaces folded to one space, stripped.

    Raises:
        RowError: If it holds NUL or is not valid UTF-8.

    """
    if "\x00" in value:
        raise RowError(f"{field} contains a NUL byte")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise RowError(f"{field} is not valid UTF-8") from error
    return _SPACE.sub(" ", _CONTROL.sub(" ", value)).strip()


def identifier(value: object, field: str, max_chars: int) -> str:
    """Clean a required id: text without spaces or control characters.

    Args:
        value: The raw value.
        field: Field name, for the reason.
        max_chars: Longest accepted id.

    Returns:
        The id.

    Raises:
        RowError: If missing, too long, or containing whitespace or control characters.

    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    cleaned = text(value, field, max_chars, required=True)
    assert cleaned is not None
    if any(character.isspace() for character in cleaned) or _CONTROL.search(str(value)):
        raise RowError(f"{field} {cleaned[:40]!r} contains whitespace or control characters")
    return cleaned


def number(value: object, field: str) -> float | None:
    """Parse an optional non-negative finite number.

    Args:
        value: The raw value (str, int, float or None).
        field: Field name, for the reason.

    Returns:
        The number, or None when empty.

    Raises:
        RowError: If it is not a finite non-negative number.

    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RowError(f"{field} is a boolean, expected a number")
    try:
        parsed = float(value.replace(",", "") if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise RowError(f"{field} {str(value)[:40]!r} is not a number") from error
    if not math.isfinite(parsed) or parsed < 0:
        raise RowError(f"{field} {str(value)[:40]!r} is not a finite non-negative number")
    return parsed


def integer(value: object, field: str, low: int, high: int) -> int | None:
    """Parse an optional integer within ``[low, high]``.

    Args:
        value: The raw value.
        field: Field name, for the reason.
        low: Smallest accepted value.
        high: Largest accepted value.

    Returns:
        The integer, or None when empty.

    Raises:
        RowError: If it is not an integer in range.

    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RowError(f"{field} is a boolean, expected an integer")
    try:
        parsed = int(value.strip() if isinstance(value, str) else value)  # type: ignore[call-overload]
    except (TypeError, ValueError) as error:
        raise RowError(f"{field} {str(value)[:40]!r} is not an integer") from error
    if not low <= parsed <= high:
        raise RowError(f"{field} {parsed} is outside [{low}, {high}]")
    return parsed
