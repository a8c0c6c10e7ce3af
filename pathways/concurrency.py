"""One process-wide lock around every HiGHS call, so plans from several threads or app sessions can run at once.

Two things of HiGHS and its Pyomo interface belong to the whole process, not to the calling thread:

* Pyomo's appsi HiGHS interface wraps every model build and solve in ``pyomo.common.tee.capture_output(
  capture_fd=True)``, which points file descriptors 1 and 2 of the process at a pipe and back (it does so whatever
  ``config.stream_solver`` says; pyomo 6.10). Two threads doing it at once swap each other's descriptors: both
  plans failed after 100 s with "TeeStream: deadlock observed" / "Bad file descriptor" (issue 12).
* HiGHS's task scheduler is global (``milp.pin_highs_threads`` resets it when the thread count or the calling
  thread changes), and ``value.quiet_highs`` points descriptor 1 at /dev/null for HiGHS's first banner.

So every HiGHS build, solve and scheduler reset of pathways runs under ``HIGHS_LOCK``: the site MILP
(``milp.PlanModel.solve``), the park's firm kernels (``park_firm.Kernel``) and master LP/MILP (``park``), and the
battery value LPs (``value``). Concurrent plans take turns at the solver only (reading inputs, building the Pyomo
model, evaluating and reporting still run side by side), and each gets the result it would get alone, since a
HiGHS solve is deterministic. The wait for the lock counts against the plan's time limit: a site MILP
(``PlanModel.solve``) or a park pricing MILP (``park_firm.Kernel.solve``) waits at most until its deadline and then
gets only what is left; if the deadline passes while another plan holds the solver, the solve returns
``time_limit`` without a plan and says the solver was busy. Batch and park workers are separate processes, each with its own lock and descriptors.
The lock is re-entrant: a locked function may call another.
"""
from __future__ import annotations

import threading

HIGHS_LOCK = threading.RLock()

__all__ = ["HIGHS_LOCK"]
