"""Models only: the text embedder, the tagger and span extractor, the GNN.

Models take tensors, texts and ids; this package never imports ``graph``, ``linker``, ``api``
or ``jobs``.
"""
