"""Linking generated tags to graph entities: the entity reader, index builds and link runs."""
