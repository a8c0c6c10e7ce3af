"""Build hook: copy the repository's reference data, example models, scenarios and the app into the wheel.

Why this way: the top-level ``data/``, ``models/`` and ``scenarios/`` folders stay the authoritative copies (docs,
sweeps, tests and users of a checkout name them by those paths; symlinks into the package would break on Windows
and in zip-based sdists). At build time ``build_py`` copies them to ``pathways/_bundled/`` inside the build tree,
so a wheel carries them; ``pathways.paths`` finds ``_bundled`` through ``importlib.resources`` and falls back to
the checkout's top level when it is absent (a source checkout or ``pip install -e .``, where nothing is copied).
Everything else is declared in pyproject.toml; MANIFEST.in puts the same folders in the sdist.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("data", "models", "scenarios", "app.py", ".streamlit/config.toml")   # copied when present
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildPyWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):    # editable: the package reads the checkout's folders
            return
        target = Path(self.build_lib) / "pathways" / "_bundled"
        shutil.rmtree(target, ignore_errors=True)        # no stale files from an earlier build
        for name in BUNDLED:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, target / name, ignore=SKIP)
            elif src.is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / name)


setup(cmdclass={"build_py": BuildPyWithBundle})
