"""Label matrices and the data hash of labelled products."""

import hashlib

import numpy as np

from taggraph.core.labelled_products import LabelledProduct
from taggraph.encoders.tagger.labels import LabelSpace, label_kind


def label_matrix(products: list[LabelledProduct], space: LabelSpace, negatives: bool = False) -> np.ndarray:
    """``[n, L]`` 0/1 matrix of the products' positive (or rejected) labels within ``space``."""
    matrix = np.zeros((len(products), len(space)), dtype=np.int8)
    for row, product in enumerate(products):
        for label in product.negatives if negatives else product.positives:
            column = space.index.get(label)
            if column is not None:
                matrix[row, column] = 1
    return matrix


def unlisted_matrix(products: list[LabelledProduct], space: LabelSpace) -> np.ndarray:
    """``[n, K]`` 1 where a product's known value of a kind is not in ``space``.

    Kinds are in ``space.kinds`` order; a product with no value of a kind, or with one in the
    space, has 0 there.
    """
    kinds = {kind: position for position, kind in enumerate(space.kinds)}
    matrix = np.zeros((len(products), len(kinds)), dtype=np.int8)
    for row, product in enumerate(products):
        listed = {label_kind(label) for label in product.positives if label in space.index}
        for kind in {label_kind(label) for label in product.positives} - listed:
            if kind in kinds:
                matrix[row, kinds[kind]] = 1
    return matrix


def dataset_hash(products: list[LabelledProduct]) -> str:
    """A hash of the texts and labels a model was trained on."""
    digest = hashlib.sha256()
    for product in products:
        digest.update(product.id.encode())
        digest.update(product.text.encode())
        digest.update("|".join(sorted(product.positives)).encode())
        digest.update("|".join(sorted(product.negatives)).encode())
    return digest.hexdigest()[:16]
