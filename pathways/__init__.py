"""pathways: decarbonisation pathway optimizer for Chinese SMEs and industrial parks.

Public API: ``plan(model, scenario=..., **settings) -> PlanResult`` (single SME), ``pareto(...)`` (cost-vs-CO2
frontier), ``plan_park(...) -> ParkResult`` (industrial park), ``collect(DIR)`` (batch results).
"""
from __future__ import annotations

__version__ = "0.1.0"


def plan(*args, **kwargs):
    """Plan one SME; see ``pathways.model.planner.plan``."""
    from pathways.model.planner import plan as _plan
    return _plan(*args, **kwargs)


def pareto(*args, **kwargs):
    """Cost-vs-CO2 frontier of one SME; see ``pathways.model.planner.pareto``."""
    from pathways.model.planner import pareto as _pareto
    return _pareto(*args, **kwargs)


def collect(*args, **kwargs):
    """Results of a batch directory as one tidy DataFrame; see ``pathways.batch.collect``."""
    from pathways.batch import collect as _collect
    return _collect(*args, **kwargs)


def plan_park(*args, **kwargs):
    """Plan an industrial park (column generation with a bound); see ``pathways.park.colgen.plan_park``."""
    from pathways.park.colgen import plan_park as _plan_park
    return _plan_park(*args, **kwargs)


__all__ = ["plan", "pareto", "collect", "plan_park", "__version__"]
