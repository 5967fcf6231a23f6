"""Catalog sources: each turns the rows of its files into records or rejects."""
