"""The ``taggraph`` sub-commands, one module per group."""
