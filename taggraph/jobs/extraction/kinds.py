"""Which graph tag kind an extracted attribute's values belong to."""

from collections.abc import Iterable

from taggraph.errors import InputError
from taggraph.jobs.linking.kinds import check_kind

DEFAULT_ATTRIBUTE_KINDS = {
    "brand": "brand",
    "brand name": "brand",
    "color": "colour",
    "colour": "colour",
    "fabric type": "material",
    "gender": "gender",
    "material": "material",
    "pattern": "pattern",
    "season": "season",
}


def attribute_kinds(overrides: Iterable[str] = ()) -> dict[str, str]:
    """The default attribute -> kind map (attribute names case-folded) with ``NAME=KIND`` overrides.

    Raises:
        InputError: If an override is not ``NAME=KIND`` or names an unusable kind.

    """
    mapping = dict(DEFAULT_ATTRIBUTE_KINDS)
    for override in overrides:
        name, separator, kind = override.partition("=")
        if not separator or not name.strip() or not kind.strip():
            raise InputError(f"--attribute-kind takes NAME=KIND, got {override!r}")
        mapping[name.strip().casefold()] = check_kind(kind.strip())
    return mapping


def kinds_of(attributes: Iterable[str], mapping: dict[str, str]) -> dict[str, str]:
    """The attributes that map to a kind, with their kind."""
    return {name: mapping[name.casefold()] for name in attributes if name.casefold() in mapping}
