"""Run options of the solver and the runners (time limit, gap, years, alternatives, explain, threads, workers) and
the types of the API's model arguments: ranges checked before any work, one line per problem."""
from __future__ import annotations

import math
import numbers
from pathlib import Path
from typing import Any

from pathways.errors import InputError, problem
from pathways.inputs.resolve import Resolved
from pathways.inputs.schema import MAX_PLAN_YEARS, Scenario, is_number

MAX_TIME_LIMIT_S = 7 * 24 * 3600.0     # a week: longer is a typo
MAX_ALTERNATIVES = 20
MAX_EXPLAIN = 50
MAX_THREADS = 256
RUN_OPTION_RANGES = {      # documented in README (Commands); one line each, exit code 2
    "time_limit": f"a number of seconds > 0 and <= {MAX_TIME_LIMIT_S:.0f}",
    "gap": "a relative gap >= 0 and < 1 (e.g. 0.001 = 0.1 %)",
    "years": "null (the model's plan.years) or a whole number from 1 to {max_years}",
    "alternatives": f"a whole number from 0 to {MAX_ALTERNATIVES}",
    "explain": f"a whole number from 0 to {MAX_EXPLAIN}",
    "threads": f"null or a whole number from 1 to {MAX_THREADS}",
    "workers": f"a whole number from 0 (in this process) to {MAX_THREADS}",
}


def run_option_problems(**options: Any) -> list[str]:
    """Problems with solver/run options (``time_limit``, ``gap``, ``years``, ``alternatives``, ``explain``,
    ``threads``; only those given are checked): the ranges of ``RUN_OPTION_RANGES``, NaN and booleans refused."""
    def whole(v: Any, lo: int, hi: int) -> bool:
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and lo <= v <= hi

    def real(v: Any) -> bool:
        return is_number(v) and math.isfinite(v)

    ok = {"time_limit": lambda v: real(v) and 0 < v <= MAX_TIME_LIMIT_S,
          "gap": lambda v: real(v) and 0 <= v < 1,
          "years": lambda v: v is None or whole(v, 1, MAX_PLAN_YEARS),
          "alternatives": lambda v: whole(v, 0, MAX_ALTERNATIVES),
          "explain": lambda v: whole(v, 0, MAX_EXPLAIN),
          "threads": lambda v: v is None or whole(v, 1, MAX_THREADS),
          "workers": lambda v: v is None or whole(v, 0, MAX_THREADS)}
    out = []
    for name, value in options.items():
        if not ok[name](value):
            out.append(problem(name, value, RUN_OPTION_RANGES[name].format(max_years=MAX_PLAN_YEARS)))
    return out


def check_model_argument(model: Any, scenario: Any = (), set_values: Any = ()) -> None:
    """The API's ``model``/``scenario``/``set_values`` arguments have usable types (else InputError, not
    TypeError): model a path, a mapping or a Resolved; scenario a name/path or a list of them; set_values
    'KEY=VALUE' strings or a mapping."""
    out = []
    if not isinstance(model, (str, Path, dict, Resolved)) or (isinstance(model, str) and not model.strip()):
        out.append(problem("model", model, "a site/park YAML path, a mapping of model fields or a Resolved"))
    items = [scenario] if isinstance(scenario, (str, Path, Scenario)) else scenario
    if not isinstance(items, (list, tuple)) or not all(isinstance(s, (str, Path, Scenario)) for s in items):
        out.append(problem("scenario", scenario, "a scenario name or file, or a list of them"))
    if not isinstance(set_values, dict) and (isinstance(set_values, str) or not isinstance(set_values, (list, tuple))
                                              or not all(isinstance(x, str) for x in set_values)):
        out.append(problem("set_values", set_values, "a list of 'key=value' strings or a mapping"))
    if out:
        raise InputError(out)


def check_run_options(**options: Any) -> None:
    """Raise InputError listing ``run_option_problems(**options)``, if any."""
    bad = run_option_problems(**options)
    if bad:
        raise InputError(bad)
