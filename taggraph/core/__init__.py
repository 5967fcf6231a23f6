"""Graph-aware domain code shared by the service and the jobs.

``core`` may import ``graph``, ``encoders`` and ``linker``; ``api`` and ``jobs`` compose through it.
"""
