"""docs/methodology.md documents every constraint family of the MILP by name, and nothing else."""
import re
from pathlib import Path

from pathways.model.milp import CONSTRAINT_FAMILIES, PlanModel
from pathways.site.problem import Option
from pathways.park.master import COUPLING_FAMILIES, Master

DOC = Path(__file__).resolve().parent.parent / "docs" / "methodology.md"


def test_every_family_is_a_method_and_documented_and_vice_versa():
    for name in CONSTRAINT_FAMILIES:
        assert callable(getattr(PlanModel, name, None)), name
    headings = set(re.findall(r"^### ([\w.]+)\s*$", DOC.read_text(encoding="utf-8"), flags=re.M))
    assert {h for h in headings if not h.startswith("park.")} == set(CONSTRAINT_FAMILIES)
    assert {h[5:] for h in headings if h.startswith("park.")} == set(COUPLING_FAMILIES)
    for name in COUPLING_FAMILIES:
        assert callable(getattr(Master, name, None)), name


def test_constructors_call_every_family():
    import inspect
    for cls, families in ((PlanModel, CONSTRAINT_FAMILIES), (Master, COUPLING_FAMILIES)):
        called = set(re.findall(r"self\.(\w+)\(", inspect.getsource(cls.__init__)))
        assert set(families) <= called, cls.__name__


def test_every_family_that_adds_rows_has_a_pyomo_component_of_its_name():
    """Users read the Pyomo component names (binding constraints, infeasibility messages): the rows each family
    method adds include a component named as the family. The site is built so that every family adds rows."""
    import dataclasses

    import pyomo.environ as pyo

    from planner_cases import base_problem, catalog_like_options, pv_option

    opts = catalog_like_options()
    air = next(o for o in opts if o.option_id == "air")
    opts.append(dataclasses.replace(air, option_id="air2", measure_id="air2", prerequisites=()))  # 2 hosting offers
    pv = dataclasses.replace(pv_option(), carbon_credit_eligible=True)
    battery = Option("bat", "bat", "solar", "battery", modes=("own",), lifetime_years=5, size=500.0, size_unit="kWh",
                     capex_cny_per_unit=900.0, asset_class="storage", battery_duration_h=2.0, battery_rte=0.81)
    problem = base_problem([pv, battery, *opts], T=2, H=6, budget=[2e6, 1e6], portfolio_payback=8.0,
                           management_cap=0.06, target=[1e9, 1e9])
    added: dict[str, dict[str, int]] = {}

    def rows(model) -> dict[str, int]:
        return {c.local_name: len(c) for c in model.component_objects(pyo.Constraint)}

    def recording(name):
        def method(self, *args, **kw):
            before = rows(self.m)
            out = getattr(PlanModel, name)(self, *args, **kw)
            added[name] = {n: k - before.get(n, 0) for n, k in rows(self.m).items() if k > before.get(n, 0)}
            return out
        return method

    Recording = type("Recording", (PlanModel,), {name: recording(name) for name in CONSTRAINT_FAMILIES})
    Recording(problem)
    assert set(added) == set(CONSTRAINT_FAMILIES)
    assert all(added.values()), {name: names for name, names in added.items() if not names}  # every family has rows
    for name, components in added.items():
        assert name in components, (name, sorted(components))
