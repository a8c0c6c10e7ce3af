"""Command line: ``pathways <command> ...``.

Each command's options are declared here; its work is done by a ``run_<command>(args) -> int`` function in the
module named in ``COMMANDS`` (imported lazily so ``pathways catalog`` does not pay for pvlib or Pyomo).
Bad input (``InputError``) prints one line per problem to stderr and exits with code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from pathways.errors import EXIT_BAD_INPUT, InputError
from pathways.vocabulary import FAMILIES, MOUNTINGS, OBJECTIVES

COMMANDS = {
    "yield": "pathways.energy.pv:run_yield",
    "catalog": "pathways.reference.catalog:run_catalog",
    "validate": "pathways.cli.validate:run_validate",
    "plan": "pathways.results.report:run_plan",
    "batch": "pathways.batch:run_batch_cli",
    "results": "pathways.batch:run_results_cli",
    "policy": "pathways.policy:run_policy_cli",
    "park": "pathways.park.colgen:run_park",
    "park-generate": "pathways.park.generate:run_generate",
    "examples": "pathways.paths:run_examples",
}


class _Parser(argparse.ArgumentParser):
    """argparse with one 'error: ...' line (exit 2) instead of the usage text, as for every other bad input."""

    def error(self, message: str):  # type: ignore[override]
        print(f"error: {self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _add_scenario_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", action="append", default=[], metavar="NAME",
                   help="scenario name (in scenarios/) or YAML file; repeat to compose, later ones win on no key")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="set_values",
                   help="override one dotted key, e.g. --set finance.discount_rate=0.06 (highest precedence)")


def _add_allow_path(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-path", action="append", default=[], metavar="DIR",
                   help="let the model's data files (weather_file, electricity.metered_csv, roofs[].pv_profile_csv, "
                        "firms[].file) be named by absolute path or with '..' when they lie under DIR (repeatable); "
                        "by default they must be inside the model file's folder")


def _version() -> str:
    """The installed distribution's version (package metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pathways")
    except PackageNotFoundError:        # imported from a checkout that was never installed
        from pathways import __version__
        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pathways", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"pathways {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("yield", help="hourly PV yield of one roof orientation (pvlib)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--city", help="city name in English or Chinese (e.g. Suzhou, 苏州)")
    where.add_argument("--lat", type=float, help="latitude in degrees north (use with --lon)")
    p.add_argument("--lon", type=float, help="longitude in degrees east")
    p.add_argument("--weather", help="own weather file (EPW or TMY CSV) instead of the nearest station")
    p.add_argument("--tilt", type=float, required=True, help="tilt in degrees, 0-90")
    p.add_argument("--azimuth", type=float, default=180.0, help="azimuth in degrees, 0-360 (180 = south)")
    p.add_argument("--mounting", default="open_rack", choices=MOUNTINGS)
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("catalog", help="print the measure catalog with sources")
    p.add_argument("--family", help=", ".join(FAMILIES[:-1]) + " or " + FAMILIES[-1])
    p.add_argument("--json", action="store_true", help="print JSON records instead of a table")

    p = sub.add_parser("validate", help="check a model (site or park) or scenario file")
    p.add_argument("files", nargs="+", metavar="FILE")
    _add_allow_path(p)

    p = sub.add_parser("plan", help="phased decarbonisation plan for one SME")
    p.add_argument("model", metavar="MODEL.yaml")
    _add_scenario_options(p)
    _add_allow_path(p)
    p.add_argument("--objective", default="npv", choices=OBJECTIVES)
    p.add_argument("--years", type=int, help="plan years T (default 5)")
    p.add_argument("--alternatives", type=int, default=3, help="K best distinct alternative plans")
    p.add_argument("--lang", default="en", choices=["en", "zh"])
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print the solver's internals (status, gap, times, the MILP's linearised NPV)")
    p.add_argument("--json", metavar="FILE|-", help="write the JSON result to FILE, or - for stdout")
    p.add_argument("--time-limit", type=float, default=60.0, help="solver time limit in seconds")
    p.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap to stop at")

    for name, text in (("batch", "run a sweep of plans on Dask (resumable; results as Parquet under DIR)"),
                       ("policy", "run a subsidy sweep over a population of firms and write policy tables and charts")):
        p = sub.add_parser(name, help=text)
        p.add_argument("sweep", metavar="SWEEP.yaml")
        p.add_argument("--out", required=True, metavar="DIR", help="results directory")
        _add_allow_path(p)
        p.add_argument("--workers", type=int, default=2,
                       help="local Dask worker processes (default 2; 0 = run in this process without Dask)")
        p.add_argument("--scheduler", metavar="ADDRESS", help="use a running Dask cluster, e.g. tcp://host:8786")
        p.add_argument("--resume", action="store_true", help="skip runs already finished under DIR")
        p.add_argument("--retry-failed", action="store_true", help="with --resume: run failed runs again")
        p.add_argument("--no-reuse", action="store_true",
                       help="rebuild every model (no re-solve of a built model when only the budget changes)")
        if name == "batch":
            p.add_argument("--dry-run", action="store_true", help="validate and count the runs; solve nothing")

    p = sub.add_parser("examples", help="copy the example models, scenarios, sweeps and app.py into DIR to edit")
    p.add_argument("--out", required=True, metavar="DIR", help="new (or empty) folder to copy into")
    p.add_argument("--force", action="store_true", help="copy into DIR even if it is not empty (overwrites)")

    p = sub.add_parser("results", help="summary of a batch results directory")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--csv", metavar="FILE", help="also write the tidy table (pathways.collect) as CSV")
    _add_park_parsers(sub)
    return parser


def _add_park_parsers(sub) -> None:
    p = sub.add_parser("park", help="park portfolio over many firms (also `pathways park generate ...`)")
    p.add_argument("model", metavar="PARK.yaml")
    _add_scenario_options(p)
    _add_allow_path(p)
    p.add_argument("--json", metavar="FILE|-", help="write the JSON result to FILE, or - for stdout")
    p.add_argument("--time-limit", type=float, default=120.0, help="time limit of the whole park solve, s")
    p.add_argument("--gap", type=float, default=5e-3, help="relative gap between bound and plan to stop at")
    p.add_argument("--workers", type=int, default=2, help="local Dask workers (0: run in this process)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="address of an existing Dask scheduler")
    p = sub.add_parser("park-generate", help="= `pathways park generate`: a reproducible park from sector archetypes")
    p.add_argument("--firms", type=int, required=True, help="number of firms")
    p.add_argument("--seed", type=int, default=0, help="random seed (numpy default_rng)")
    p.add_argument("--city", required=True, help="city of the park")
    p.add_argument("--mix", required=True, help="sector weights, e.g. machinery:0.6,electronics:0.4")
    p.add_argument("--name", help="park name")
    p.add_argument("--target-cut", type=float, default=0.10, help="CO2 cut below baseline by the last plan year")
    p.add_argument("--out", help="output YAML file (default stdout)")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["park", "generate"]:
        argv = ["park-generate", *argv[2:]]
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:       # --help (0) or a bad option (2, one line printed by _Parser.error)
        return int(exc.code or 0)
    module_name, func_name = COMMANDS[args.command].split(":")
    try:
        run = getattr(importlib.import_module(module_name), func_name)
        return int(run(args) or 0)
    except InputError as exc:
        for line in exc.problems:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:          # output piped into `head` and closed early: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
