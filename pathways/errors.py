"""Errors that reach the user as one line each, and the CLI exit codes."""
from __future__ import annotations

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_TIME_LIMIT = 4
EXIT_SOLVER_ERROR = 5           # the solver failed (numerical trouble, crash): no plan it can prove


class InputError(ValueError):
    """Bad user input. Each entry of ``problems`` is one line:
    ``<dotted.path>: <bad value> -- <what is allowed>[; did you mean ...]``.
    """

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def problem(path: str, value: object, allowed: str, suggestions: list[str] | None = None) -> str:
    """Format one problem line (values are shortened so a line stays readable)."""
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    line = f"{path or '<root>'}: {shown} -- {allowed}"
    if suggestions:
        line += "; did you mean " + " or ".join(repr(s) for s in suggestions[:3]) + "?"
    return line


def suggest(name: str, choices, n: int = 3) -> list[str]:
    """Closest names to ``name`` among ``choices`` (case-insensitive), best first."""
    import difflib

    lowered = {str(c).lower(): str(c) for c in choices}
    hits = difflib.get_close_matches(str(name).lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[h] for h in hits]
