"""docs/methodology.md documents every constraint family of the MILP by name, and nothing else."""
import re
from pathlib import Path

from pathways.milp import CONSTRAINT_FAMILIES, PlanModel
from pathways.park import COUPLING_FAMILIES, Master

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
