"""The span extractor: a pretrained encoder fine-tuned to find attribute values in product text."""
