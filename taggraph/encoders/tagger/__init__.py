"""The text tagger: a pretrained encoder fine-tuned as a multi-label classifier over tags."""
