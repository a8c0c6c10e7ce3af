"""JSON output shared by the plan, park and batch commands: plain types only, NaN/inf as null."""
from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np


def to_jsonable(x: Any) -> Any:
    """Dicts, lists, numbers and strings with numpy types turned into Python ones; NaN and inf become None; a
    dataclass instance (a typed record) becomes the dict of its fields."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: to_jsonable(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, dict):
        return {k if isinstance(k, str) else str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return to_jsonable(x.tolist())
    if isinstance(x, (np.floating, float)):
        return float(x) if np.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def emit_json(obj: dict, dest: str) -> None:
    """Write ``obj`` as JSON to the file ``dest``, or to stdout when ``dest`` is '-'."""
    text = json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2)
    if dest == "-":
        print(text)
    else:
        with open(dest, "w", encoding="utf-8") as fh:
            fh.write(text)
