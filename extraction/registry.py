"""The stage registry: names to functions, apart from the stages themselves (as in spaCy).

A stage takes the pipeline `State` and fills its part of it. `PIPELINE` is the order.
"""
from __future__ import annotations

from collections.abc import Callable

STAGES: dict[str, Callable] = {}


def stage(name: str):
    def register(fn: Callable) -> Callable:
        if name in STAGES:
            raise ValueError(f"stage {name!r} registered twice")
        STAGES[name] = fn
        return fn

    return register


def get(name: str) -> Callable:
    try:
        return STAGES[name]
    except KeyError:
        raise KeyError(f"no stage named {name!r}; known: {sorted(STAGES)}") from None
