"""Tasks, outcomes and the executor interface; the serial executor.

A :class:`Task` is one sample to compute (its index, seed and payload). Every
executor has the same interface, :meth:`Executor.map_unordered`, which yields
``(index, Outcome)`` pairs as samples finish, in completion order. An
:class:`Outcome` holds either the sample's result dictionary or a captured
:class:`TaskError` (type name, message, traceback text), plus the seconds the sample
took in its worker: a sample that raises is reported, never fatal to the ensemble.
:func:`run_task` is the one place a sample runs, whichever executor calls it.

:class:`SerialExecutor` runs every sample in the calling process, in order; the
parallel executors are in :mod:`~scaleweave.execution.process` and
:mod:`~scaleweave.execution.dask`; both start their worker processes inside
:func:`sigint_ignored`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

__all__ = [
    "Executor",
    "Outcome",
    "SampleFunction",
    "SerialExecutor",
    "Task",
    "TaskError",
    "run_task",
    "sigint_ignored",
]


@dataclass(frozen=True)
class Task:
    """One sample to compute.

    Attributes
    ----------
    index : int
        The sample's position in the ensemble, 0-based.
    seed : numpy.random.SeedSequence
        The sample's own seed (see :func:`~scaleweave.core.random.sample_seed`);
        it pickles as its entropy and spawn key, so workers rebuild it exactly.
    payload : object
        Anything picklable the sample function needs (e.g. the sampled inputs).
    """

    index: int
    seed: np.random.SeedSequence
    payload: Any = None

    def rng(self) -> np.random.Generator:
        """A fresh generator on this sample's seed (the same numbers on every call)."""
        return np.random.default_rng(self.seed)


SampleFunction = Callable[[Task], Mapping[str, Any]]


@dataclass(frozen=True)
class TaskError:
    """An exception raised by a sample, captured as text so it crosses processes.

    Attributes
    ----------
    type_name : str
        The exception's class name, e.g. ``"ValueError"``.
    message : str
        ``str(exception)``.
    traceback : str
        The formatted traceback, as printed by Python.
    """

    type_name: str
    message: str
    traceback: str = ""

    @classmethod
    def from_exception(cls, exc: BaseException) -> TaskError:
        """Capture ``exc`` with its traceback."""
        return cls(type(exc).__name__, str(exc),
                   "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name

    def text(self) -> str:
        """The summary line, then the traceback (what the campaign store records)."""
        return f"{self}\n\n{self.traceback}".rstrip() + "\n" if self.traceback else str(self)


@dataclass(frozen=True)
class Outcome:
    """What came back from one sample: its result or its error, and how long it took.

    Attributes
    ----------
    result : dict or None
        The sample function's return value (name -> float or array), if it succeeded.
    error : TaskError or None
        The captured exception, if it failed.
    seconds : float
        Wall time of the sample in its worker, s (NaN if unknown, e.g. a lost worker).
    """

    result: dict[str, Any] | None = None
    error: TaskError | None = None
    seconds: float = float("nan")

    @property
    def ok(self) -> bool:
        """True when the sample returned a result."""
        return self.error is None


def run_task(fn: SampleFunction, task: Task) -> Outcome:
    """Call ``fn(task)`` and capture its result or exception; the one place samples run.

    The result must be a mapping with string keys; anything else is a failure of
    the sample (a ``TypeError`` outcome), like an exception raised by ``fn``.
    """
    start = time.perf_counter()
    try:
        result = fn(task)
        if not isinstance(result, Mapping):
            raise TypeError(f"the sample function returned {type(result).__name__}; expected "
                            "a dict of name -> float or array")
        result = dict(result)
        bad = [k for k in result if not isinstance(k, str)]
        if bad:
            raise TypeError(f"the sample function returned non-string keys {bad!r}")
    except Exception as exc:  # a failing sample never kills the ensemble
        return Outcome(error=TaskError.from_exception(exc),
                       seconds=time.perf_counter() - start)
    return Outcome(result=result, seconds=time.perf_counter() - start)


class Executor(ABC):
    """Runs a sample function over tasks; a context manager that owns its workers.

    Use it as ``with executor: ...`` or call :meth:`close` when done; resources are
    also started on first use. One executor may run several ensembles.
    """

    name: ClassVar[str] = ""

    def __enter__(self) -> Executor:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:  # noqa: B027 - optional hook, nothing to start by default
        """Acquire workers (connect, spawn); called by ``__enter__``."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release workers; safe to call twice."""

    @property
    def workers(self) -> int:
        """How many samples may run at once."""
        return 1

    @abstractmethod
    def map_unordered(self, fn: SampleFunction, tasks: Sequence[Task]
                      ) -> Iterator[tuple[int, Outcome]]:
        """Run ``fn`` on every task; yield ``(task.index, outcome)`` as each finishes.

        Parameters
        ----------
        fn : callable
            ``fn(task) -> dict[str, float | numpy.ndarray]``; must pickle with
            cloudpickle for the parallel executors.
        tasks : sequence of Task
            The samples to compute; their indices must be distinct.

        Yields
        ------
        (int, Outcome)
            In completion order. Exactly one pair per task.
        """


class SerialExecutor(Executor):
    """Every sample in the calling process, in the order given: for tests and debugging."""

    name = "serial"

    def map_unordered(self, fn: SampleFunction, tasks: Sequence[Task]
                      ) -> Iterator[tuple[int, Outcome]]:
        """Run the tasks one after another; see :meth:`Executor.map_unordered`."""
        for task in tasks:
            yield task.index, run_task(fn, task)

    def __repr__(self) -> str:
        return "SerialExecutor()"


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while worker processes are started, so they start with it ignored.

    A terminal's Ctrl-C goes to every process of the foreground group; the driver
    handles it (stops the workers, exits 130). A worker that inherits SIGINT
    ignored never prints a ``KeyboardInterrupt`` traceback of its own, not even
    while its interpreter starts. Outside the main thread (where signal handlers
    cannot be set) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
