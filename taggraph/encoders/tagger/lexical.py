"""The lexical head: a learned weight per (word piece, output), summed over a text's word pieces.

A fine-tuned encoder sees a text through its pooled states, in which one rare word piece (a
brand's, say) can be drowned by the rest of the title; a linear model over the bag of word
pieces, like TF-IDF with logistic regression, keeps it. The lexical head is that linear model,
added to the network's logits. It covers only the word pieces of the training texts: every
other id, padding and the special tokens share row 0, which is fixed at zero.
"""

from collections.abc import Iterable

import torch
from torch import nn


class LexicalHead(nn.Module):
    """``[batch, seq]`` token ids to ``[batch, outputs]`` logits: the sum of each piece's row.

    Args:
        vocab_size: Size of the tokenizer's vocabulary (ids are below it).
        pieces: Rows besides row 0 (one per covered word piece).
        num_outputs: Logits per text.

    """

    def __init__(self, vocab_size: int, pieces: int, num_outputs: int) -> None:
        super().__init__()
        self.register_buffer("rows", torch.zeros(vocab_size, dtype=torch.long))
        self.weight = nn.Embedding(pieces + 1, num_outputs, padding_idx=0)
        nn.init.zeros_(self.weight.weight)

    @classmethod
    def covering(
        cls, token_ids: Iterable[int], vocab_size: int, num_outputs: int, excluded: Iterable[int] = ()
    ) -> "LexicalHead":
        """A zero head with a row for every id of ``token_ids`` except ``excluded``.

        Args:
            token_ids: The ids of the training texts (repeats allowed).
            vocab_size: Size of the tokenizer's vocabulary.
            num_outputs: Logits per text.
            excluded: Ids left on row 0 (the tokenizer's special tokens).

        """
        pieces = sorted(set(token_ids) - set(excluded))
        head = cls(vocab_size, len(pieces), num_outputs)
        head.rows[torch.tensor(pieces, dtype=torch.long)] = torch.arange(1, len(pieces) + 1)
        return head

    @property
    def pieces(self) -> int:
        """Word pieces with a row of their own."""
        return self.weight.num_embeddings - 1

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Sum of the rows of a batch's real tokens.

        Args:
            input_ids: ``[batch, seq]`` token ids.
            attention_mask: ``[batch, seq]`` 1 for tokens, 0 for padding.

        Returns:
            ``[batch, outputs]`` logits.

        """
        rows = self.rows[input_ids] * attention_mask.to(torch.long)
        return self.weight(rows).sum(1)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(pieces={self.pieces}, outputs={self.weight.embedding_dim})"
