"""docs/methodology.md documents every constraint family of the MILP by name, and nothing else."""
import re
from pathlib import Path

from pathways.milp import CONSTRAINT_FAMILIES, PlanModel

DOC = Path(__file__).resolve().parent.parent / "docs" / "methodology.md"


def test_every_family_is_a_method_and_documented_and_vice_versa():
    for name in CONSTRAINT_FAMILIES:
        assert callable(getattr(PlanModel, name, None)), name
    headings = set(re.findall(r"^### (\w+)\s*$", DOC.read_text(encoding="utf-8"), flags=re.M))
    assert headings == set(CONSTRAINT_FAMILIES)


def test_constructor_calls_every_family():
    import inspect
    src = inspect.getsource(PlanModel.__init__)
    called = set(re.findall(r"self\.(\w+)\(", src))
    assert set(CONSTRAINT_FAMILIES) <= called
