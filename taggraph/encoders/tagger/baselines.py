"""Baselines a fine-tuned tagger is measured against, each giving ``[n, L]`` label scores.

- TF-IDF (word 1-2 and character 3-5 grams) with one-vs-rest logistic regression;
- zero-shot similarity between a text's embedding and its labels' names (no training);
- nearest-neighbour label transfer from the most similar training products (FAISS, exact).
"""

from collections.abc import Sequence

import numpy as np

from taggraph.encoders.embedder import TextEmbedder
from taggraph.encoders.tagger.labels import LabelSpace


def tfidf_logistic_scores(
    train_texts: Sequence[str], train_truth: np.ndarray, texts: Sequence[str], c: float = 10.0
) -> np.ndarray:
    """Scores from TF-IDF features and one logistic regression per label.

    Args:
        train_texts: Training texts.
        train_truth: ``[n_train, L]`` training labels.
        texts: Texts to score.
        c: Inverse regularisation strength.

    Returns:
        ``[len(texts), L]`` probabilities (0 for labels with no positive training example).
    """
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    characters = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)
    features = hstack([words.fit_transform(train_texts), characters.fit_transform(train_texts)]).tocsr()
    target = train_truth.astype(np.int32)
    present = target.sum(0) > 0
    classifier = OneVsRestClassifier(LogisticRegression(C=c, solver="liblinear"), n_jobs=1)
    classifier.fit(features, target[:, present])
    query = hstack([words.transform(texts), characters.transform(texts)]).tocsr()
    scores = np.zeros((len(texts), train_truth.shape[1]), dtype=np.float32)
    scores[:, present] = classifier.predict_proba(query)
    return scores


def label_phrase(label: str) -> str:
    """A label as words for an encoder: ``article_type:Tshirts`` -> ``article type: Tshirts``."""
    kind, _, value = label.partition(":")
    return f"{kind.replace('_', ' ')}: {value}"


def zero_shot_scores(embedder: TextEmbedder, space: LabelSpace, text_vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity between each text and each label phrase.

    Args:
        embedder: The pretrained sentence encoder.
        space: Labels.
        text_vectors: ``[n, d]`` unit embeddings of the texts.

    Returns:
        ``[n, L]`` similarities.
    """
    label_vectors = embedder.embed([label_phrase(label) for label in space.labels])
    return text_vectors @ label_vectors.T


def knn_scores(
    train_vectors: np.ndarray, train_truth: np.ndarray, vectors: np.ndarray, k: int = 5
) -> np.ndarray:
    """Labels of the ``k`` most similar training texts, weighted by similarity.

    Args:
        train_vectors: ``[n_train, d]`` unit embeddings of training texts.
        train_truth: ``[n_train, L]`` their labels.
        vectors: ``[n, d]`` unit embeddings of the texts to score.
        k: Neighbours.

    Returns:
        ``[n, L]`` similarity-weighted label shares in [0, 1].
    """
    import faiss

    index = faiss.IndexFlatIP(train_vectors.shape[1])
    index.add(np.ascontiguousarray(train_vectors, dtype=np.float32))
    similarities, neighbours = index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
    weights = np.clip(similarities, 0.0, None)
    scores = np.einsum("nk,nkl->nl", weights, train_truth[neighbours].astype(np.float32))
    return scores / np.maximum(weights.sum(1, keepdims=True), 1e-9)
