"""docs/architecture.md stays true: every path it names exists, the table names every module of every subpackage,
and every subpackage has a row."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PATHLIKE = re.compile(r"^[\w.\-]+(/[\w.\-]*)*$")


def named_paths(text: str) -> list[str]:
    """Backticked names with a folder (`a/b.py`, `pathways/model/`) or a file suffix, as written."""
    out = []
    for token in re.findall(r"`([^`\s]+)`", text):
        if PATHLIKE.match(token) and ("/" in token or re.search(r"\.(py|md|csv|yaml|toml)$", token)):
            out.append(token)
    return out


def table_rows(text: str) -> dict[str, list[str]]:
    """{folder: file names} of the table 'what each subpackage holds'."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\| `(pathways/[\w/]+/)` \| (.*) \|$", line)
        if m:
            rows[m.group(1)] = re.findall(r"`([\w]+\.py)`", m.group(2))
    return rows


def test_the_checker_reads_paths_and_rows():
    text = "see `pathways/x/y.py`, `data/a.csv` and `plan()`\n| `pathways/x/` | `y.py` (a), `z.py` |\n"
    assert named_paths(text)[:2] == ["pathways/x/y.py", "data/a.csv"] and "plan()" not in named_paths(text)
    assert table_rows(text) == {"pathways/x/": ["y.py", "z.py"]}


def test_every_path_named_exists():
    rows = table_rows(DOC)
    missing = []
    for token in named_paths(DOC):
        if "/" in token:
            ok = (ROOT / token).exists()
        else:    # a bare file name: in one of the table's folders, or at the top level
            ok = (ROOT / token).exists() or any((ROOT / folder / token).exists() and token in files
                                                 for folder, files in rows.items())
        if not ok:
            missing.append(token)
    assert missing == []


def test_the_table_covers_every_subpackage_and_module():
    rows = table_rows(DOC)
    packages = {f"{p.parent.relative_to(ROOT).as_posix()}/" for p in (ROOT / "pathways").glob("*/__init__.py")}
    assert set(rows) == packages
    for folder, files in rows.items():
        modules = {p.name for p in (ROOT / folder).glob("*.py") if p.name != "__init__.py"}
        assert modules == set(files), folder
