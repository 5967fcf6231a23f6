"""The fused score of a (product, label) pair: logistic regression over the tagger's and GNN's logits."""

from dataclasses import dataclass

import numpy as np

EPSILON = 1e-6


def logit(probabilities: np.ndarray) -> np.ndarray:
    """Log-odds, clipped away from 0 and 1."""
    clipped = np.clip(probabilities, EPSILON, 1 - EPSILON)
    return np.log(clipped / (1 - clipped))


@dataclass(frozen=True)
class Fusion:
    """``sigmoid(a * logit(tagger) + b * logit(gnn) + c)``.

    Attributes:
        tagger_weight: ``a``.
        gnn_weight: ``b``.
        bias: ``c``.

    """

    tagger_weight: float
    gnn_weight: float
    bias: float

    @classmethod
    def fit(cls, tagger: np.ndarray, gnn: np.ndarray, truth: np.ndarray, seed: int = 0) -> "Fusion":
        """Fit on validation pairs: ``[n, L]`` probabilities of each model and the ``[n, L]`` truth."""
        from sklearn.linear_model import LogisticRegression

        features = np.stack([logit(tagger).ravel(), logit(gnn).ravel()], axis=1)
        model = LogisticRegression(C=1.0, random_state=seed, max_iter=1000).fit(
            features, truth.ravel().astype(int)
        )
        return cls(float(model.coef_[0, 0]), float(model.coef_[0, 1]), float(model.intercept_[0]))

    def __call__(self, tagger: np.ndarray, gnn: np.ndarray) -> np.ndarray:
        """Fused probabilities, the shape of the inputs."""
        z = self.tagger_weight * logit(tagger) + self.gnn_weight * logit(gnn) + self.bias
        return 1.0 / (1.0 + np.exp(-z))
