"""README, docs/methodology.md and the economics docstring say the same thing about the money conventions."""
import re
from pathlib import Path

import pathways.money.economics as economics

ROOT = Path(__file__).resolve().parent.parent

# each convention as the words all three texts must use (whitespace and case ignored)
CONVENTIONS = {
    "end of horizon": ["replaced like for like at the end of its life", "straight-line residual value",
                       "leaves its assets to the landlord"],
    "paybacks": ["investment payback", "cash payback", "the same in every financing mode"],
    "owner's money": ["budget_carry_over", "each saving", "once"],
    "tax": ["depreciation", "purchase credit", "interest and fees", "deductible"],
    "financing": ["finance_lease", "bank_loan", "minimum", "inflation"],
}
FORBIDDEN = ["End of horizon: no replacement", "Simple payback ="]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).lower()


def test_readme_methodology_and_docstring_agree():
    texts = {"README.md": flat((ROOT / "README.md").read_text(encoding="utf-8")),
             "docs/methodology.md": flat((ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")),
             "pathways/money/economics.py docstring": flat(economics.__doc__)}
    for topic, phrases in CONVENTIONS.items():
        for phrase in phrases:
            for name, text in texts.items():
                assert flat(phrase) in text, f"{name} does not say '{phrase}' ({topic})"
    for phrase in FORBIDDEN:
        for name, text in texts.items():
            assert flat(phrase) not in text, f"{name} still says '{phrase}'"
