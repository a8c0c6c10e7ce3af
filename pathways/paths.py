"""Where the shipped reference data, example models and scenarios live.

An installed wheel carries them inside the package, in ``pathways/_bundled/{data,models,scenarios}`` (copied in at
build time by setup.py); a source checkout or an editable install reads the repository's top-level folders, the
authoritative copies. Both are found through ``importlib.resources``. ``PATHWAYS_DATA`` points the reference data
at another copy.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def bundle_root() -> Path:
    """The folder holding ``data/``, ``models/``, ``scenarios/`` and ``app.py``: the wheel's ``pathways/_bundled``,
    else the checkout the package was imported from."""
    package = Path(str(resources.files("pathways")))     # pip installs unpacked, so this is a real folder
    bundled = package / "_bundled"
    return bundled if bundled.is_dir() else package.parent


REPO_ROOT = bundle_root()           # older name of the same folder
MODELS_DIR = REPO_ROOT / "models"
SCENARIOS_DIR = REPO_ROOT / "scenarios"
APP_FILE = REPO_ROOT / "app.py"     # `streamlit run` it (pathways examples copies it too)
DATA_DIR = Path(os.environ.get("PATHWAYS_DATA", REPO_ROOT / "data"))
WEATHER_DIR = DATA_DIR / "weather"
CACHE_DIR = Path(os.environ.get("PATHWAYS_CACHE", Path.home() / ".cache" / "pathways"))

EXAMPLES = ("models", "scenarios", "app.py")   # what `pathways examples` copies, laid out as in the repository


def copy_examples(out: str | Path, force: bool = False) -> list[Path]:
    """Copy the example models (with ``models/parks/``), scenarios (with ``scenarios/sweeps/``) and ``app.py`` into
    ``out`` for a user to edit, in the repository's layout so the sweeps' relative paths (``../../models/...``) and
    the README's commands work there. Refuses an existing non-empty ``out`` unless ``force``. Returns the files."""
    import shutil

    from .errors import InputError, problem

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(problem("--out", str(out), "exists and is not a folder; choose a new folder"))
    if out.is_dir() and any(out.iterdir()) and not force:
        raise InputError(problem("--out", str(out), "folder is not empty; choose a new folder or add --force to "
                                 "copy over it"))
    for name in EXAMPLES:
        src = REPO_ROOT / name
        if src.is_dir():
            shutil.copytree(src, out / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
        elif src.is_file():
            out.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, out / name)
    return sorted(p for p in out.rglob("*") if p.is_file())


def run_examples(args) -> int:
    files = copy_examples(args.out, args.force)
    print(f"copied {len(files)} files to {args.out}: models/ (sites, parks/), scenarios/ (sweeps/), app.py")
    print(f"try: pathways plan {Path(args.out) / 'models' / 'suzhou_machining.yaml'}")
    return 0
