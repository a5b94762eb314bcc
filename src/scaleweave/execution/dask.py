"""The Dask executor, :class:`DaskExecutor`: samples on a Dask ``distributed`` cluster.

Either a running scheduler (``--scheduler ADDRESS``) or a local cluster of worker
processes (``--workers N``). Dask is imported only when the executor starts; a
scheduler address is checked before (:func:`check_scheduler_address`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import uuid
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from scaleweave.errors import ConfigError, MissingExtraError
from scaleweave.execution.tasks import (
    Executor,
    Outcome,
    SampleFunction,
    Task,
    TaskError,
    run_task,
    sigint_ignored,
)

__all__ = ["DaskExecutor", "check_scheduler_address"]

DEFAULT_CONNECT_TIMEOUT = 5.0  # s, to reach a Dask scheduler before giving up
_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")  # distributed's comm backends
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):(\d{1,5})$")
_TASKS_PER_WORKER = 4  # tasks in flight per worker (the rest are submitted as they finish)


def check_scheduler_address(address: str) -> str:
    """``address`` as a Dask scheduler address, or a one-line :class:`ConfigError`.

    ``HOST:PORT`` means ``tcp://HOST:PORT``. Checked before Dask is imported, so a
    mistyped ``--scheduler`` fails at once instead of timing out.

    Examples
    --------
    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> check_scheduler_address("notanaddress")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scaleweave.errors.ConfigError: --scheduler 'notanaddress' is not a Dask ... it has no port; ...
    """
    text = address.strip() if isinstance(address, str) else ""
    scheme, sep, location = text.partition("://")
    if not sep:
        scheme, location = "tcp", text
    why = None
    if not text:
        why = "it is empty"
    elif scheme not in _SCHEMES:
        why = f"unknown scheme {scheme + '://'!r} (known: {', '.join(_SCHEMES)})"
    elif scheme != "inproc":
        match = _HOST_PORT.match(location)
        if match is None:
            why = "it has no port" if ":" not in location else "it is not HOST:PORT"
        elif not 0 < int(match[2]) < 65536:
            why = f"port {match[2]} is outside 1 to 65535"
    if why:
        raise ConfigError(f"--scheduler {address!r} is not a Dask scheduler address: {why}; "
                          "give it as tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786")
    return text


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
        self.address = check_scheduler_address(address) if address is not None else None
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
        # Workers start with SIGINT ignored: Ctrl-C is the driver's (one line, exit 130).
        with dask.config.set(overrides), sigint_ignored():  # config read by each Nanny
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

        # Shutdown chatter: at INFO level, and after Ctrl-C at ERROR (lost scattered data)
        with silence_logging_cmgr(logging.CRITICAL):
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()

    def map_unordered(self, fn: SampleFunction, tasks: Sequence[Task]
                      ) -> Iterator[tuple[int, Outcome]]:
        """Submit the tasks a few per worker at a time; yield outcomes as futures finish
        (see `Executor.map_unordered`).

        Only about four tasks per worker are on the cluster at once, the rest are
        submitted as those finish: no large graph is sent, and Ctrl-C has little to
        cancel.
        """
        queue = deque(tasks)
        if not queue:
            return
        from distributed import as_completed

        client = self.client
        token = uuid.uuid4().hex[:12]
        fn_future = client.scatter(fn, broadcast=True, hash=False)
        window = max(8, _TASKS_PER_WORKER * self.workers)
        index_of: dict[str, int] = {}

        def submit(k: int) -> list[Any]:
            batch = [queue.popleft() for _ in range(min(k, len(queue)))]
            with warnings.catch_warnings():  # one task may still be large: not our noise
                warnings.filterwarnings("ignore", message="Sending large graph")
                futures = client.map(_dask_run, batch, fn=fn_future, pure=False,
                                     key=[f"scaleweave-sample-{token}-{t.index}"
                                          for t in batch])
            index_of.update({f.key: t.index for f, t in zip(futures, batch, strict=True)})
            return futures

        remaining = set(submit(window))
        running = as_completed(list(remaining), loop=client.loop)
        try:
            for future in running:
                remaining.discard(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # KilledWorker, deserialisation, cancelled
                    outcome = Outcome(error=TaskError.from_exception(exc))
                future.release()
                if queue and len(remaining) <= window // 2:
                    more = submit(window - len(remaining))
                    remaining.update(more)
                    running.update(more)
                yield index_of.pop(future.key), outcome
        finally:
            if remaining:
                with contextlib.suppress(Exception):
                    client.cancel(list(remaining))
            fn_future.release()
