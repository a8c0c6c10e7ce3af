"""pathways: decarbonisation pathway optimizer for Chinese SMEs and industrial parks.

Public API: ``plan(model, scenario=..., **settings) -> PlanResult`` (single SME), ``pareto(...)``.
"""
from __future__ import annotations

__version__ = "0.1.0"


def plan(*args, **kwargs):
    """Plan one SME; see ``pathways.planner.plan``."""
    from .planner import plan as _plan
    return _plan(*args, **kwargs)


def pareto(*args, **kwargs):
    """Cost-vs-CO2 frontier of one SME; see ``pathways.planner.pareto``."""
    from .planner import pareto as _pareto
    return _pareto(*args, **kwargs)


def collect(*args, **kwargs):
    """Results of a batch directory as one tidy DataFrame; see ``pathways.batch.collect``."""
    from .batch import collect as _collect
    return _collect(*args, **kwargs)


__all__ = ["plan", "pareto", "collect", "__version__"]
