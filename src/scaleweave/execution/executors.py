"""Executors: run one sample function over many tasks, serially, in local processes or on Dask.

Every executor has the same interface, :meth:`Executor.map_unordered`, which yields
``(index, Outcome)`` pairs as samples finish, in completion order. An
:class:`Outcome` holds either the sample's result dictionary or a captured
:class:`TaskError` (type name, message, traceback text), plus the seconds the sample
took in its worker: a sample that raises is reported, never fatal to the ensemble.

- :class:`SerialExecutor`: in the calling process, in order; for tests and debugging.
- :class:`ProcessExecutor`: local worker processes (the default for ensembles). The
  sample function is shipped once per worker with cloudpickle when the worker starts;
  then only tasks and results cross the pipes. A worker that dies (a segfault, the
  out-of-memory killer) fails the sample it was computing and is replaced.
- :class:`DaskExecutor`: a Dask ``distributed`` cluster, either a running scheduler
  (``--scheduler ADDRESS``) or a local cluster of worker processes (``--workers N``).

:func:`make_executor` maps the command-line options to one of them; :data:`EXECUTORS`
registers them by name (``"serial"``, ``"processes"``, ``"dask"``).

The pieces live in :mod:`~scaleweave.execution.tasks` (tasks, outcomes, the
interface, the serial executor), :mod:`~scaleweave.execution.process` and
:mod:`~scaleweave.execution.dask`; they are re-exported here.
"""

from __future__ import annotations

from typing import Any

from scaleweave.errors import ConfigError
from scaleweave.execution.dask import DEFAULT_CONNECT_TIMEOUT as DEFAULT_CONNECT_TIMEOUT
from scaleweave.execution.dask import DaskExecutor
from scaleweave.execution.process import THREAD_LIMITS, ProcessExecutor
from scaleweave.execution.tasks import (
    Executor,
    Outcome,
    SampleFunction,
    SerialExecutor,
    Task,
    TaskError,
    run_task,
)

__all__ = [
    "EXECUTORS",
    "THREAD_LIMITS",
    "DaskExecutor",
    "Executor",
    "Outcome",
    "ProcessExecutor",
    "SampleFunction",
    "SerialExecutor",
    "Task",
    "TaskError",
    "executor_by_name",
    "make_executor",
    "run_task",
]

EXECUTORS: dict[str, type[Executor]] = {
    SerialExecutor.name: SerialExecutor,
    ProcessExecutor.name: ProcessExecutor,
    DaskExecutor.name: DaskExecutor,
}
"""Executors by name, for configuration files and user code."""


def executor_by_name(name: str, **options: Any) -> Executor:
    """An executor from :data:`EXECUTORS`, e.g. ``executor_by_name("processes", workers=4)``.

    Raises
    ------
    ConfigError
        For an unknown name (the message lists the known ones).
    """
    try:
        cls = EXECUTORS[name]
    except KeyError:
        raise ConfigError(f"unknown executor {name!r}; known: {', '.join(EXECUTORS)}") from None
    return cls(**options)


def make_executor(workers: int | None, scheduler: str | None, *, serial: bool = False
                  ) -> Executor:
    """The executor the command-line options ask for.

    Parameters
    ----------
    workers : int or None
        ``--workers N``: a local Dask cluster of ``N`` worker processes.
    scheduler : str or None
        ``--scheduler ADDRESS``: the Dask scheduler at that address.
    serial : bool
        Run in the calling process (tests, debugging); overrides the others.

    Returns
    -------
    Executor
        Not yet started: the caller enters it (``with make_executor(...) as ex:``).
        Neither option gives a :class:`ProcessExecutor` with ``os.cpu_count()`` workers.

    Raises
    ------
    ConfigError
        If both ``workers`` and ``scheduler`` are given, or ``workers < 1``.
    """
    if serial:
        return SerialExecutor()
    if scheduler is not None and workers is not None:
        raise ConfigError(f"--workers {workers} and --scheduler {scheduler} both given: "
                          "the scheduler's cluster decides its workers; give one of them")
    if scheduler is not None:
        return DaskExecutor(address=scheduler)
    if workers is not None:
        return DaskExecutor(workers=workers)
    return ProcessExecutor()
