"""The stage registry: names to functions, apart from the stages themselves (as in spaCy).

A stage takes the pipeline `State` and fills its part of it. `PIPELINE` is the order. A stage
may instead take a list of states (`batch_stage`), when one call for many documents is much
cheaper than one call each (the classifier: numpy's fixed cost per call is most of a document's).
"""
from __future__ import annotations

from collections.abc import Callable

STAGES: dict[str, Callable] = {}
BATCH_STAGES: dict[str, Callable] = {}


def stage(name: str):
    def register(fn: Callable) -> Callable:
        if name in STAGES:
            raise ValueError(f"stage {name!r} registered twice")
        STAGES[name] = fn
        return fn

    return register


def batch_stage(name: str):
    def register(fn: Callable) -> Callable:
        if name in STAGES or name in BATCH_STAGES:
            raise ValueError(f"stage {name!r} registered twice")
        BATCH_STAGES[name] = fn
        return fn

    return register


def get(name: str) -> Callable:
    """The stage as a function of one state (a batch stage is called with a list of one)."""
    if name in STAGES:
        return STAGES[name]
    if name in BATCH_STAGES:
        many = BATCH_STAGES[name]
        return lambda state: many([state])
    raise KeyError(f"no stage named {name!r}; known: {sorted(STAGES) + sorted(BATCH_STAGES)}")


def get_batch(name: str) -> Callable | None:
    return BATCH_STAGES.get(name)
