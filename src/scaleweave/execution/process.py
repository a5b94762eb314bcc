"""The local worker-process executor, :class:`ProcessExecutor`, and its workers.

The sample function is shipped once per worker with cloudpickle when the worker
starts; then only tasks and results cross the pipes. A worker that dies (a segfault,
the out-of-memory killer) fails the sample it was computing and is replaced.
On POSIX a worker is a fresh interpreter started with ``python -c _BOOT``, which
imports :func:`_worker_boot` from this module; elsewhere ``multiprocessing`` spawn.
The driver's side and the worker's side of the pipe protocol are one module so the
two ends of each message are read together.
"""

from __future__ import annotations

import contextlib
import json
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
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scaleweave.errors import ConfigError
from scaleweave.execution.tasks import (
    Executor,
    Outcome,
    SampleFunction,
    Task,
    TaskError,
    run_task,
    sigint_ignored,
)

__all__ = ["THREAD_LIMITS", "ProcessExecutor"]

_Job = tuple[Task, bytes]  # a task and its pickle
_PREFETCH_BYTES = 64 * 1024  # most bytes of tasks queued at a busy worker

THREAD_LIMITS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
"""Set in worker processes (unless already set) so N workers do not run N x cores threads."""

_BOOT = ("import sys, json; sys.path[:] = json.loads(sys.argv[2]); "
         "from scaleweave.execution.process import _worker_boot; _worker_boot(int(sys.argv[1]))")


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
            with sigint_ignored():  # inherited: Ctrl-C is the driver's to handle
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

