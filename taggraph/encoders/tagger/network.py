"""The tagger network: a pretrained encoder, mean pooling, a linear head, an optional lexical head."""

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig

from taggraph.encoders.tagger.lexical import LexicalHead


class TaggerNetwork(nn.Module):
    """Encoder + masked mean pooling + dropout + linear head giving one logit per output.

    Args:
        encoder: A transformers encoder (BERT-like), pretrained or from a config.
        num_outputs: Width of the head (see :func:`objective.output_width`).
        dropout: Dropout before the head.

    Attributes:
        lexical: A :class:`LexicalHead` whose logits are added to the head's, or None.

    """

    def __init__(self, encoder: nn.Module, num_outputs: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = int(encoder.config.hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, num_outputs)
        self.lexical: LexicalHead | None = None
        self.reset_parameters()

    @classmethod
    def from_pretrained(cls, path: str, num_outputs: int, dropout: float = 0.1) -> "TaggerNetwork":
        """Start from pretrained encoder weights at ``path`` (a local directory)."""
        return cls(AutoModel.from_pretrained(path), num_outputs, dropout)

    @classmethod
    def from_config(
        cls,
        config: PretrainedConfig,
        num_outputs: int,
        lexical_pieces: int | None = None,
        vocab_size: int | None = None,
    ) -> "TaggerNetwork":
        """An untrained network of the given encoder configuration (weights loaded after).

        Args:
            config: The encoder's configuration.
            num_outputs: Width of the head.
            lexical_pieces: Word pieces of its lexical head; None for a network without one.
            vocab_size: The tokenizer's vocabulary size (the configuration's when None).

        """
        network = cls(AutoModel.from_config(config), num_outputs)
        if lexical_pieces is not None:
            size = vocab_size or int(config.vocab_size)
            network.lexical = LexicalHead(size, lexical_pieces, num_outputs)
        return network

    @staticmethod
    def encoder_config(path: str) -> PretrainedConfig:
        """The encoder configuration stored at ``path``."""
        return AutoConfig.from_pretrained(path)

    def reset_parameters(self) -> None:
        """Re-initialise the head (the encoder keeps its pretrained weights)."""
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Mean of the token states over real tokens.

        Args:
            input_ids: ``[batch, seq]`` token ids.
            attention_mask: ``[batch, seq]`` 1 for tokens, 0 for padding.

        Returns:
            ``[batch, hidden]`` text embeddings.

        """
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    def encoder_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The linear head's logits of the pooled encoder states (the lexical head left out).

        Args:
            input_ids: ``[batch, seq]`` token ids.
            attention_mask: ``[batch, seq]`` attention mask.

        Returns:
            ``[batch, num_outputs]`` logits.

        """
        return self.head(self.dropout(self.embed(input_ids, attention_mask)))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Output logits: the encoder's, plus the lexical head's when there is one.

        Args:
            input_ids: ``[batch, seq]`` token ids.
            attention_mask: ``[batch, seq]`` attention mask.

        Returns:
            ``[batch, num_outputs]`` logits.

        """
        logits = self.encoder_logits(input_ids, attention_mask)
        if self.lexical is None:
            return logits
        return logits + self.lexical(input_ids, attention_mask)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(encoder={type(self.encoder).__name__}, "
            f"hidden={self.head.in_features}, outputs={self.head.out_features}, lexical={self.lexical})"
        )
