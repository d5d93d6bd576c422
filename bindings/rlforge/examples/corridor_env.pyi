# corridor_env.pyi: type stub of the example C++ env module (bindings/examples/corridor_env.cpp).
"""Importing this module registers Corridor-v0 with rlforge and gymnasium."""

env_ids: list[str]
