"""Where a run's inputs come from: example models, uploaded files (saved to a per-session folder so relative
CSV names keep working), the SME form, scenarios and ``--set`` style overrides; and validation through
``pathways.inputs.resolve.resolve`` with the CLI's one-line messages.
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
import weakref
from pathlib import Path

import streamlit as st
import yaml

from pathways import paths
from pathways.inputs.overrides import scenario_dir
from pathways.inputs.resolve import Resolved, detect_kind, resolve
from pathways.inputs.yaml_files import read_yaml
from pathways.errors import InputError
from pathways.ui.texts import EXAMPLE_ZH, lang, t

MAX_UPLOAD_MB = 5            # per file (YAML models are small; a year of 15-min metered data is ~1.5 MB)
EXAMPLES_ENV = "PATHWAYS_UI_EXAMPLES"   # extra folders of example models, separated by os.pathsep
SESSION_PREFIX = "pathways-ui-"          # upload folders: <temp dir>/pathways-ui-XXXX/<kind>/
SESSION_MAX_AGE_H = 24                   # a session's folder is removed when Streamlit drops the session (about two
                                         # minutes after its tab closes); one untouched this long (a server that was
                                         # killed) is removed when a new session starts
UPLOAD_KINDS = ("model", "scenarios", "form", "park", "generated")   # one subfolder each: same names never collide


@st.cache_data(show_spinner=False)
def _kind_and_name(path: str, mtime: float) -> tuple[str, str]:
    del mtime
    try:
        data = read_yaml(path)
        return detect_kind(data), str(data.get("name") or Path(path).stem)
    except InputError:
        return "invalid", Path(path).stem


def examples(kind: str = "site") -> dict[str, str]:
    """label -> path of the example models of one kind (the bundled models/*.yaml and models/parks/*.yaml, then the
    folders in PATHWAYS_UI_EXAMPLES)."""
    folders = [paths.MODELS_DIR, paths.MODELS_DIR / "parks"] + [
        Path(p) for p in os.environ.get(EXAMPLES_ENV, "").split(os.pathsep) if p]
    out = {}
    for folder in folders:
        for p in sorted(folder.glob("*.yaml")):
            if _kind_and_name(str(p), p.stat().st_mtime)[0] == kind:
                out[p.stem] = str(p)
    return out


def example_name(path: str) -> str:
    """An example's name in the chosen language: the model's own ``name`` (English), or its Chinese name."""
    p = Path(path)
    own = _kind_and_name(str(p), p.stat().st_mtime)[1]
    return EXAMPLE_ZH.get(p.stem, own) if lang() == "zh" else own


def named_scenarios() -> list[str]:
    return sorted(p.stem for p in scenario_dir().glob("*.yaml"))


def remove_stale_session_dirs(max_age_h: float = SESSION_MAX_AGE_H) -> list[Path]:
    """Remove the upload folders (``SESSION_PREFIX``) of the temp dir untouched for ``max_age_h`` hours."""
    gone = []
    for d in Path(tempfile.gettempdir()).glob(SESSION_PREFIX + "*"):
        try:
            if d.is_dir() and not d.is_symlink() and time.time() - d.stat().st_mtime > max_age_h * 3600:
                shutil.rmtree(d, ignore_errors=True)
                gone.append(d)
        except OSError:
            continue
    return gone


class _Owner:
    """Kept in the session state: when Streamlit drops the session, the state and this object go, and the
    finalizer removes the session's folder (also at interpreter exit)."""

    def __init__(self, path: str):
        self.path = path
        self.finalizer = weakref.finalize(self, shutil.rmtree, path, True)


def session_dir(kind: str | None = None) -> Path:
    """A private folder for this browser session's uploads, or its subfolder ``kind`` (``UPLOAD_KINDS``): a model
    (with its CSV files, so relative names work) and a scenario uploaded under one name do not overwrite each other.
    The folder goes with the session (``SESSION_MAX_AGE_H``)."""
    if "upload_dir" not in st.session_state:
        remove_stale_session_dirs()
        path = tempfile.mkdtemp(prefix=SESSION_PREFIX)
        st.session_state["upload_dir"] = path
        st.session_state["upload_dir_owner"] = _Owner(path)
    root = Path(st.session_state["upload_dir"])
    try:
        os.utime(root)                   # in use: not stale
    except OSError:
        root.mkdir(parents=True, exist_ok=True)
    if kind is None:
        return root
    sub = root / kind
    sub.mkdir(exist_ok=True)
    return sub


def clean(lines: list[str]) -> list[str]:
    """Messages without the session folder's path (users see the name they uploaded)."""
    root = str(session_dir())
    prefixes = [f"{root}{os.sep}{k}{os.sep}" for k in UPLOAD_KINDS] + [root + os.sep]
    out = []
    for line in lines:
        for prefix in prefixes:
            line = line.replace(prefix, "")
        out.append(line)
    return out


def save_uploads(files, problems: list[str], kind: str = "model") -> list[Path]:
    """Write uploaded files into the session's ``kind`` subfolder; files over the size limit become problems."""
    out = []
    for f in files or []:
        if f is None:
            continue
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            problems.append(t("too_big", name=f.name, mb=f.size / 1024 / 1024, limit=MAX_UPLOAD_MB))
            continue
        path = session_dir(kind) / Path(f.name).name
        path.write_bytes(f.getvalue())
        out.append(path)
    return out


def uploader(label_key: str, types: list[str], key: str, multiple: bool = False):
    return st.file_uploader(t(label_key), type=types, key=key, accept_multiple_files=multiple,
                            max_upload_size=max(1, math.ceil(MAX_UPLOAD_MB)))


def set_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip() and not line.strip().startswith("#")]


def try_resolve(model, scenarios=(), sets=()) -> tuple[Resolved | None, list[str]]:
    """``resolve`` with InputError turned into its lines (paths of the session folder removed). A file's data
    files must lie in its folder; the form's (a dict) in the session's ``form`` folder."""
    try:
        base = session_dir("form") if isinstance(model, dict) else None
        return resolve(model, list(scenarios), list(sets), base_dir=base), []
    except InputError as exc:
        return None, clean(exc.problems)
    except Exception as exc:  # never a traceback in the page
        return None, [f"{type(exc).__name__}: {exc}"]


def show_problems(lines: list[str]) -> None:
    if lines:
        st.error(t("input_problems"))
        for line in lines[:30]:
            st.error(line)


def scenario_controls(key: str, default: tuple[str, ...] = (), extra: tuple[str, ...] = ()) -> tuple[list, list]:
    """Scenario multiselect (named + uploaded files) and the overrides text box; returns (scenarios, sets)."""
    options = named_scenarios() + [p for p in extra if p not in named_scenarios()]
    chosen = st.multiselect(t("scenarios"), options, default=[d for d in default if d in options], key=f"{key}_scen",
                            format_func=lambda s: Path(s).name)
    sets = set_lines(st.text_area(t("overrides"), key=f"{key}_set", help=t("overrides_help"), height=80))
    return chosen, sets


def model_yaml(resolved: Resolved) -> str:
    """The resolved model as YAML: ``pathways plan`` on it repeats the run without scenarios or --set."""
    data = resolved.model.model_dump(mode="json")
    head = (f"# Resolved by the pathways web app (run id {resolved.config_hash[:12]}); every default, scenario "
            "and override is merged in.\n")
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def scenario_yaml(resolved: Resolved, name: str) -> str:
    """The overrides applied on top of the model file, as one scenario file."""
    overrides = {a["key"]: a["value"] for a in resolved.applied_overrides}
    sources = sorted({str(a["source"]) for a in resolved.applied_overrides})
    doc = {"name": name, "description": "overrides applied by the pathways web app (from: "
           + (", ".join(sources) or "none") + ")", "overrides": overrides}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def pick(widget, label: str, options, key: str, default=None, **kw):
    """``st.radio`` / ``st.selectbox`` / ``st.multiselect`` whose option labels are translated. Streamlit keeps a
    choice by its label, so the widget is keyed per language and the choice carried over in ``_<key>``."""
    options = list(options)
    if "format_func" in kw:   # labels computed now, in this language (AppTest calls format_func later)
        kw["format_func"] = dict((o, kw["format_func"](o)) for o in options).__getitem__
    value = st.session_state.get(f"_{key}", default)
    if widget is st.multiselect:
        value = [v for v in (value or []) if v in options]
        out = widget(label, options, default=value, key=f"{key}_{lang()}", **kw)
    else:
        index = options.index(value) if value in options else 0
        out = widget(label, options, index=index, key=f"{key}_{lang()}", **kw)
    st.session_state[f"_{key}"] = out
    return out
