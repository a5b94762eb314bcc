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
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from scaleweave.errors import ConfigError, MissingExtraError

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

DEFAULT_CONNECT_TIMEOUT = 5.0  # s, to reach a Dask scheduler before giving up


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


# -- local worker processes --------------------------------------------------------------

_Job = tuple[Task, bytes]  # a task and its pickle
_PREFETCH_BYTES = 64 * 1024  # most bytes of tasks queued at a busy worker

THREAD_LIMITS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
"""Set in worker processes (unless already set) so N workers do not run N x cores threads."""

_BOOT = ("import sys, json; sys.path[:] = json.loads(sys.argv[2]); "
         "from scaleweave.execution.executors import _worker_boot; _worker_boot(int(sys.argv[1]))")


def _exit_with_parent(interval: float = 0.5) -> None:
    """In a worker: exit as soon as the parent process is gone (e.g. SIGKILLed driver)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="scaleweave-parent-watch", daemon=True).start()


def _worker_boot(fd: int) -> None:
    """Entry point of a worker started as ``python -c _BOOT FD SYS_PATH`` (POSIX)."""
    _worker_main(multiprocessing.connection.Connection(fd))


def _worker_main(conn: multiprocessing.connection.Connection) -> None:
    """A :class:`ProcessExecutor` worker: load ``fn`` once, then answer tasks until told to stop.

    The driver's first message is the cloudpickled sample function. Messages to the
    driver: ``("ready", pid)`` or ``("init_error", TaskError)`` first, then
    ``("done", index, Outcome)`` per task. An empty message from the driver, or its
    end of the connection closing, stops the worker.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    _exit_with_parent()
    try:
        import cloudpickle

        fn = cloudpickle.loads(conn.recv_bytes())
    except (EOFError, OSError):
        return
    except BaseException as exc:
        conn.send(("init_error", TaskError.from_exception(exc)))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not data:
            return
        task = pickle.loads(data)
        outcome = run_task(fn, task)
        try:
            message = pickle.dumps(("done", task.index, outcome), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            lost = TaskError(type(exc).__name__,
                             f"the result of sample {task.index} cannot be pickled: {exc}")
            message = pickle.dumps(("done", task.index, Outcome(error=lost,
                                                                seconds=outcome.seconds)))
        try:
            conn.send_bytes(message)
        except OSError:
            return


class _SpawnedProcess:
    """A ``multiprocessing`` spawn process with the ``subprocess.Popen`` methods we use."""

    def __init__(self, process: Any) -> None:
        self._p = process
        self.pid = process.pid

    @property
    def returncode(self) -> int | None:
        return self._p.exitcode

    def poll(self) -> int | None:
        return self._p.exitcode

    def terminate(self) -> None:
        self._p.terminate()

    def kill(self) -> None:
        self._p.kill()

    def wait(self, timeout: float | None = None) -> int | None:
        self._p.join(timeout)
        if self._p.exitcode is None:
            raise subprocess.TimeoutExpired("worker", timeout or 0.0)
        return self._p.exitcode


def _start_worker(thread_limits: Mapping[str, str]) -> tuple[Any, Any]:
    """Start one worker process; return ``(Popen-like process, driver's connection)``.

    POSIX: a fresh interpreter (``subprocess``) joined to the driver by a socket pair,
    with the driver's ``sys.path`` and the thread limits in its environment; it does
    not re-import the driver's ``__main__``. Elsewhere: ``multiprocessing`` spawn.
    """
    env = {k: v for k, v in thread_limits.items() if k not in os.environ}
    if os.name == "posix":
        ours, theirs = socket.socketpair()
        try:
            fd = theirs.fileno()
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(fd), json.dumps(sys.path)],
                pass_fds=(fd,), stdin=subprocess.DEVNULL, env={**os.environ, **env})
        finally:
            theirs.close()
        return process, multiprocessing.connection.Connection(ours.detach())
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe(duplex=True)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # inherited by the spawned interpreter
    try:
        process = ctx.Process(target=_worker_main, args=(theirs,), daemon=True,
                              name="scaleweave-worker")
        process.start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        theirs.close()
    return _SpawnedProcess(process), ours


@dataclass(eq=False)
class _Worker:
    process: Any  # subprocess.Popen or _SpawnedProcess
    conn: multiprocessing.connection.Connection
    pending: deque[_Job] = field(default_factory=deque)  # sent, not yet answered
    ready: bool = False
    broken: bool = False


def _death_message(task: Task, exitcode: int | None) -> TaskError:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"was killed by signal {-exitcode}"
    else:
        how = f"exited with code {exitcode}"
    return TaskError("WorkerLost", f"the worker process computing sample {task.index} {how} "
                     "(out of memory, a crash in compiled code, or killed)")


class ProcessExecutor(Executor):
    """Local worker processes; the sample function is shipped once per worker.

    Parameters
    ----------
    workers : int, optional
        Number of worker processes; ``os.cpu_count()`` if omitted.
    prefetch : int
        Tasks queued per worker (2 keeps a worker busy while the driver records the
        previous result). A busy worker is sent at most 64 KiB of pickled tasks;
        larger tasks wait for an idle worker.
    thread_limits : mapping or None
        Environment variables for the workers (those the user has not set already);
        by default one BLAS/OpenMP thread per worker, as Dask does. None sets none.

    Notes
    -----
    Workers are fresh interpreters started with the driver's ``sys.path`` (on POSIX
    they do not re-import the driver's ``__main__``, so scripts need no
    ``if __name__ == "__main__"`` guard there; elsewhere ``multiprocessing`` spawn).
    The function is serialised once with cloudpickle and sent to each worker when it
    starts: functions defined in ``__main__`` or a notebook travel by value,
    functions of importable modules by reference. Workers ignore SIGINT (the driver
    stops them) and exit by themselves when the driver process disappears. A worker
    that dies fails the sample it was computing (``WorkerLost``) and is replaced; the
    tasks queued behind it go to the other workers.
    """

    name = "processes"

    def __init__(self, workers: int | None = None, *, prefetch: int = 2,
                 thread_limits: Mapping[str, str] | None = THREAD_LIMITS) -> None:
        n = (os.cpu_count() or 1) if workers is None else workers
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError(f"ProcessExecutor: workers must be a positive integer, got {n!r}")
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 1:
            raise ConfigError(f"ProcessExecutor: prefetch must be a positive integer, got "
                              f"{prefetch!r}")
        self._n = n
        self._prefetch = prefetch
        self._thread_limits = dict(thread_limits or {})
        self._fn: Any = None
        self._fn_bytes: bytes | None = None
        self._pool: list[_Worker] = []

    @property
    def workers(self) -> int:
        """Number of worker processes."""
        return self._n

    def __repr__(self) -> str:
        return f"ProcessExecutor(workers={self._n})"

    # pool management

    def _spawn(self) -> _Worker:
        process, conn = _start_worker(self._thread_limits)
        w = _Worker(process, conn)
        try:
            conn.send_bytes(self._fn_bytes)
        except ConnectionError:
            w.broken = True
        return w

    def _ensure_pool(self, fn: SampleFunction) -> None:
        if self._pool and fn is self._fn:
            return
        self._shutdown(graceful=True)
        import cloudpickle

        self._fn_bytes = cloudpickle.dumps(fn)
        self._fn = fn
        self._pool = [self._spawn() for _ in range(self._n)]

    def _shutdown(self, *, graceful: bool) -> None:
        pool, self._pool = self._pool, []
        for w in pool:
            if graceful and not w.pending and not w.broken:
                with contextlib.suppress(OSError):
                    w.conn.send_bytes(b"")
            else:
                with contextlib.suppress(OSError):
                    w.process.terminate()
        deadline = time.monotonic() + 2.0
        for w in pool:
            try:
                w.process.wait(max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    w.process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    w.process.wait(1.0)
            w.conn.close()
        self._fn, self._fn_bytes = None, None

    def close(self) -> None:
        """Stop the worker processes (idle ones finish cleanly, busy ones are terminated)."""
        self._shutdown(graceful=True)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._shutdown(graceful=False)

    # the work

    def map_unordered(self, fn: SampleFunction, tasks: Sequence[Task]
                      ) -> Iterator[tuple[int, Outcome]]:
        """Run the tasks on the worker processes; see :meth:`Executor.map_unordered`."""
        queue = deque((task, _dumps_task(task)) for task in tasks)
        if not queue:
            return
        self._ensure_pool(fn)
        finished = False
        try:
            yield from self._drive(queue)
            finished = True
        finally:
            if not finished:  # abandoned (Ctrl-C, consumer error): workers hold stale tasks
                self._shutdown(graceful=False)

    def _feed(self, w: _Worker, queue: deque[_Job]) -> None:
        while queue and len(w.pending) < self._prefetch and not w.broken:
            job = queue[0]
            if w.pending and sum(len(d) for _, d in w.pending) + len(job[1]) > _PREFETCH_BYTES:
                # Sent to a busy worker, the tasks must fit in the socket buffer: else
                # the driver may block sending while the worker blocks sending a large
                # result. A larger task waits for an idle worker.
                return
            queue.popleft()
            try:
                w.conn.send_bytes(job[1])
            except ConnectionError:  # the worker is gone: hand the task to another one
                queue.appendleft(job)
                w.broken = True
                return
            w.pending.append(job)

    def _replace(self, w: _Worker) -> _Worker:
        with contextlib.suppress(subprocess.TimeoutExpired):
            w.process.wait(1.0)
        w.conn.close()
        replacement = self._spawn()
        self._pool[self._pool.index(w)] = replacement
        return replacement

    def _drive(self, queue: deque[_Job]) -> Iterator[tuple[int, Outcome]]:
        while True:
            for w in list(self._pool):
                if w.broken and not w.pending:
                    w = self._replace(w)
                self._feed(w, queue)
            busy = {w.conn: w for w in self._pool if w.pending}
            if not busy:
                if queue:
                    continue  # every worker was gone: replaced above, fed next round
                return
            ready = multiprocessing.connection.wait(list(busy), timeout=1.0)
            if not ready:  # nothing for a while: look for workers that died silently
                ready = [c for c, w in busy.items() if w.process.poll() is not None]
            for conn in ready:
                yield from self._service(busy[conn], queue)

    def _service(self, w: _Worker, queue: deque[_Job]) -> Iterator[tuple[int, Outcome]]:
        """Read every message ``w`` has sent; handle its death; refill it."""
        while w.pending and not w.broken:
            try:
                if not w.conn.poll():
                    if w.process.poll() is None:
                        break
                    raise EOFError  # exited with nothing left to read
                message = pickle.loads(w.conn.recv_bytes())
            except (EOFError, ConnectionError):
                w.broken = True
                break
            kind = message[0]
            if kind == "ready":
                w.ready = True
            elif kind == "init_error":
                error: TaskError = message[1]
                self._shutdown(graceful=False)
                raise ConfigError(f"the sample function cannot be loaded in a worker process: "
                                  f"{error}. Define it in an importable module or in the "
                                  "script's __main__, or run with the serial executor")
            else:
                _, index, outcome = message
                task, _ = w.pending.popleft()
                if task.index != index:  # pragma: no cover - protocol invariant
                    raise RuntimeError(f"worker answered sample {index}, expected {task.index}")
                self._feed(w, queue)
                yield index, outcome
        if w.broken and w.pending:
            lost, _ = w.pending.popleft()
            queue.extendleft(reversed(w.pending))  # queued behind the lost one: retry
            w.pending.clear()
            with contextlib.suppress(subprocess.TimeoutExpired):
                w.process.wait(5.0)
            code = w.process.poll()
            self._feed(self._replace(w), queue)
            yield lost.index, Outcome(error=_death_message(lost, code))


def _dumps_task(task: Task) -> bytes:
    try:
        return pickle.dumps(task, pickle.HIGHEST_PROTOCOL)
    except Exception:  # e.g. a lambda in the payload
        import cloudpickle

        return cloudpickle.dumps(task)


# -- Dask --------------------------------------------------------------------------------


def _dask_run(task: Task, fn: SampleFunction) -> Outcome:
    """The Dask task: :func:`run_task` with the arguments in ``client.map`` order."""
    return run_task(fn, task)


class DaskExecutor(Executor):
    """Samples on a Dask ``distributed`` cluster: a running scheduler or a local cluster.

    Parameters
    ----------
    address : str, optional
        A scheduler to connect to, e.g. ``"tcp://10.0.0.5:8786"``; workers there must
        be able to import scaleweave and whatever the sample function imports.
    workers : int, optional
        Without ``address``: start a local cluster of this many single-threaded
        worker processes (``os.cpu_count()`` if omitted).
    connect_timeout : float
        Seconds to wait for the scheduler at ``address`` before raising
        :class:`~scaleweave.errors.ConfigError`.
    trim_malloc : bool
        Keep Dask's default ``MALLOC_TRIM_THRESHOLD_=65536`` in local workers. By
        default it is lifted (for our cluster only): with it, glibc hands freed
        memory back to the system eagerly and stops adapting its mmap threshold, so
        NumPy temporaries of a few hundred KiB are fresh page-faulting mmaps every
        time: 2-worker efficiency 0.62 instead of 0.98 on ``benchmarks/executors.py``.

    Notes
    -----
    The function is scattered once to every worker (``broadcast=True``); tasks refer
    to it. Dask retries a task whose worker died and reports ``KilledWorker`` after
    a few deaths; that becomes the sample's error.
    """

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None, *,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
                 trim_malloc: bool = False) -> None:
        if address is not None and workers is not None:
            raise ConfigError(f"give either a scheduler address ({address!r}) or a number of "
                              f"local workers ({workers}), not both")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                    or workers < 1):
            raise ConfigError(f"DaskExecutor: workers must be a positive integer, got "
                              f"{workers!r}")
        if address is not None and (not isinstance(address, str) or not address.strip()):
            raise ConfigError(f"DaskExecutor: scheduler address must be a non-empty string, got "
                              f"{address!r}")
        self.address = address.strip() if address is not None else None
        self._n = workers
        self.connect_timeout = float(connect_timeout)
        self.trim_malloc = bool(trim_malloc)
        self._cluster: Any = None
        self._client: Any = None

    def __repr__(self) -> str:
        where = f"address={self.address!r}" if self.address else f"workers={self.workers}"
        return f"DaskExecutor({where})"

    @property
    def workers(self) -> int:
        """Worker count: local workers, or those the scheduler has now (after start)."""
        if self._client is not None and self.address:
            return max(1, len(self._client.scheduler_info().get("workers", {})))
        return self._n or os.cpu_count() or 1

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (starting the executor if needed)."""
        self.start()
        return self._client

    def start(self) -> None:
        """Connect to the scheduler, or start the local cluster; no-op when started.

        Raises
        ------
        MissingExtraError
            If dask/distributed are not installed.
        ConfigError
            If the scheduler at ``address`` does not answer within ``connect_timeout``.
        """
        if self._client is not None:
            return
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise MissingExtraError("the Dask executor needs the optional packages dask and "
                                    "distributed: pip install 'scaleweave[dask]'") from None
        if self.address:
            try:
                self._client = Client(self.address, timeout=f"{self.connect_timeout}s",
                                      set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                raise ConfigError(f"cannot connect to the Dask scheduler at {self.address!r} "
                                  f"within {self.connect_timeout:g} s ({reason}); check the "
                                  "--scheduler address and that the scheduler is running"
                                  ) from None
            return
        overrides: dict[str, Any] = {}
        if not self.trim_malloc:
            overrides["distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"] = None
        with dask.config.set(overrides):  # read by each Nanny when it is created
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR,
                                   # no dashboard; its HTTP server on a free port
                                   scheduler_kwargs={"dashboard": False,
                                                     "dashboard_address": ":0"})
        try:
            self._client = Client(cluster, set_as_default=False)
        except BaseException:
            cluster.close()
            raise
        self._cluster = cluster

    def close(self) -> None:
        """Disconnect, and shut the local cluster down if we started it."""
        client, self._client = self._client, None
        cluster, self._cluster = self._cluster, None
        if client is None and cluster is None:
            return
        from distributed.utils import silence_logging_cmgr

        with silence_logging_cmgr(logging.ERROR):  # shutdown chatter at INFO level
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()

    def map_unordered(self, fn: SampleFunction, tasks: Sequence[Task]
                      ) -> Iterator[tuple[int, Outcome]]:
        """Submit every task; yield outcomes as futures finish (see `Executor.map_unordered`)."""
        tasks = list(tasks)
        if not tasks:
            return
        from distributed import as_completed

        client = self.client
        token = uuid.uuid4().hex[:12]
        fn_future = client.scatter(fn, broadcast=True, hash=False)
        futures = client.map(_dask_run, tasks, fn=fn_future, pure=False,
                             key=[f"scaleweave-sample-{token}-{t.index}" for t in tasks])
        index_of = {f.key: t.index for f, t in zip(futures, tasks, strict=True)}
        remaining = set(futures)
        try:
            for future in as_completed(futures, loop=client.loop):
                remaining.discard(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # KilledWorker, deserialisation, cancelled
                    outcome = Outcome(error=TaskError.from_exception(exc))
                future.release()
                yield index_of[future.key], outcome
        finally:
            if remaining:
                with contextlib.suppress(Exception):
                    client.cancel(list(remaining))
            fn_future.release()


# -- choosing one ------------------------------------------------------------------------

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
