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

from pathways.errors import InputError, problem


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

EXAMPLES = ("models", "scenarios", "app.py", ".streamlit")   # what `pathways examples` copies, as in the repository
                                                            # (.streamlit/config.toml: the app sends nothing)


def copy_examples(out: str | Path, force: bool = False) -> list[Path]:
    """Copy the example models (with ``models/parks/``), scenarios (with ``scenarios/sweeps/``) and ``app.py`` into
    ``out`` for a user to edit, in the repository's layout so the sweeps' relative paths (``../../models/...``) and
    the README's commands work there. Refuses an existing non-empty ``out`` unless ``force``. Returns the files."""
    import shutil

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


# ------------------------------------------------------------------------------ files a model names
# A model names data files in three fields; each is read only through ``resolve_model_path`` (where) and
# ``read_model_file`` (how much). Limits, far above real files: an EPW year is ~1.6 MB (0.5 MB gzipped) and a TMY
# CSV ~1 MB; a year of 15-minute metered readings ~1.5 MB; an 8760-row PV profile ~0.1 MB.
MAX_WEATHER_MB = 50
MAX_CSV_MB = 20
MODEL_FILE_FIELDS = {"weather_file": MAX_WEATHER_MB, "metered_csv": MAX_CSV_MB, "pv_profile_csv": MAX_CSV_MB}
OUTSIDE = ("must be a file inside the model's folder, named relative to it (no absolute path, '..' or link out of "
           "it; --allow-path DIR admits files under DIR)")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def limit_mb(field: str) -> int:
    """The size limit of the file named in ``field`` (a dotted path such as ``roofs[0].pv_profile_csv``)."""
    return MODEL_FILE_FIELDS.get(field.rsplit(".", 1)[-1].split("[", 1)[0], MAX_CSV_MB)


def resolve_model_path(field: str, value: str, model_dir: str | Path, allowed_dirs=()) -> Path:
    """The real, absolute path of a data file that a model names in ``field``: ``value`` relative to ``model_dir``
    (the folder of the model file; the app's session folder for uploads). Refused with one line naming ``field``
    (InputError): an absolute path or one with '..', or one that leaves ``model_dir`` through a symbolic link, unless
    its real path lies under one of ``allowed_dirs`` (``--allow-path``); a missing file, something that is not a
    regular file, or a file over the field's size limit (``MAX_WEATHER_MB``, ``MAX_CSV_MB``). The file is not opened:
    messages name the path as given, never what the file holds."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(problem(field, value, "must be the path of a file, relative to the model's folder"))
    given = Path(value)
    home = Path(os.path.realpath(model_dir))
    allowed = [Path(os.path.realpath(d)) for d in allowed_dirs or ()]
    real = Path(os.path.realpath(given if given.is_absolute() else home / given))
    plain = not given.is_absolute() and ".." not in given.parts and _inside(real, home)
    if not plain and not any(_inside(real, d) for d in allowed):
        raise InputError(problem(field, value, OUTSIDE))
    if not real.exists():
        raise InputError(problem(field, value, "no such file (relative paths start at the model file's directory)"))
    if not real.is_file():
        raise InputError(problem(field, value, "must be a regular file"))
    mb = limit_mb(field)
    if real.stat().st_size > mb * 1024 * 1024:
        raise InputError(problem(field, value, f"file is larger than the {mb} MB limit"))
    return real


def read_model_file(field: str, path: str | Path, max_mb: int | None = None) -> bytes:
    """The bytes of a data file, refused (InputError naming ``field``) when it is not a regular file or holds more
    than ``max_mb`` MB (default: the field's limit). The size is checked before reading and the read stops one byte
    past the limit, so a file that reports no size (/proc) or grows is bounded too."""
    mb = limit_mb(field) if max_mb is None else max_mb
    limit = mb * 1024 * 1024
    p = Path(path)
    if not p.is_file():
        raise InputError(problem(field, str(path), "an existing regular file"))
    if p.stat().st_size > limit:
        raise InputError(problem(field, str(path), f"file is larger than the {mb} MB limit"))
    with open(p, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(problem(field, str(path), f"file is larger than the {mb} MB limit"))
    return data
