"""Run an ensemble: N seeded samples on an executor, recorded as they finish, resumable.

:func:`run_ensemble` is the one entry point the uncertainty layer uses. Sample ``i``
gets the task ``Task(i, sample_seed(root_seed, i), payload_for(i))``, so its numbers
do not depend on the executor, the worker count or which samples ran before a
restart. With a :class:`~scaleweave.execution.store.CampaignStore`, samples already
recorded are reused and only the others are computed; the driver (this process) is
the store's only writer and records each sample the moment it arrives.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scaleweave.core.progress import progress_bar
from scaleweave.core.random import sample_seed
from scaleweave.errors import ConfigError, ModelError
from scaleweave.execution.executors import (
    Executor,
    ProcessExecutor,
    SampleFunction,
    Task,
    TaskError,
)
from scaleweave.execution.store import CampaignStore

__all__ = ["EnsembleResult", "run_ensemble"]


@dataclass
class EnsembleResult:
    """The samples of an ensemble, by index.

    Attributes
    ----------
    n : int
        Ensemble size.
    results : dict of int to dict
        Every successful sample's outputs, including those reused from the store.
    failures : dict of int to str
        Every failed sample's error text (first line ``Type: message``, then the
        traceback), including failures recorded in the store earlier.
    n_computed : int
        Samples computed by this call (succeeded or failed).
    n_reused : int
        Samples taken from the store.
    seconds : float
        Wall time of this call, s.
    """

    n: int
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)
    n_computed: int = 0
    n_reused: int = 0
    seconds: float = 0.0

    @property
    def n_failed(self) -> int:
        """Number of failed samples (NaN rows in :meth:`stacked`)."""
        return len(self.failures)

    @property
    def n_missing(self) -> int:
        """Samples with neither a result nor a failure (an interrupted run)."""
        return self.n - len(self.results) - len(self.failures)

    def stacked(self) -> dict[str, np.ndarray]:
        """Each output as one array, sample axis first, ordered by index.

        Returns
        -------
        dict of str to numpy.ndarray
            ``out[name][i]`` is sample ``i``'s value of ``name`` (shape ``(n, *shape)``).
            Rows of failed or missing samples are NaN (:attr:`n_failed`,
            :attr:`n_missing` count them); integer and boolean outputs are therefore
            returned as float64.

        Raises
        ------
        ModelError
            If no sample succeeded, or samples disagree on output names or shapes.
        """
        if not self.results:
            first = next(iter(self.failures.values()), "no sample was computed")
            raise ModelError(f"all {self.n} samples failed or are missing; first error: "
                             f"{first.splitlines()[0] if first else first}")
        ref_idx = min(self.results)
        ref = {k: np.asarray(v) for k, v in self.results[ref_idx].items()}
        out: dict[str, np.ndarray] = {}
        for name, value in ref.items():
            if value.dtype.kind not in "biufc":
                raise ModelError(f"output {name!r} of sample {ref_idx} is not numeric "
                                 f"(dtype {value.dtype}); cannot stack it")
            dtype = np.result_type(value.dtype, np.float64)
            out[name] = np.full((self.n, *value.shape), np.nan, dtype=dtype)
        for idx in sorted(self.results):
            values = self.results[idx]
            if set(values) != set(ref):
                raise ModelError(f"sample {idx} returned outputs {sorted(values)}, but sample "
                                 f"{ref_idx} returned {sorted(ref)}")
            for name, value in values.items():
                arr = np.asarray(value)
                if arr.shape != ref[name].shape:
                    raise ModelError(f"output {name!r} has shape {arr.shape} in sample {idx} "
                                     f"but {ref[name].shape} in sample {ref_idx}")
                out[name][idx] = arr
        return out


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ConfigError(f"run_ensemble: {name} must be a non-negative integer, got {value!r}")
    return int(value)


def run_ensemble(fn: SampleFunction, n: int, *, root_seed: int,
                 payload_for: Callable[[int], Any] | None = None,
                 store: CampaignStore | None = None, executor: Executor | None = None,
                 quiet: bool = False, desc: str = "samples") -> EnsembleResult:
    """Compute samples 0 to ``n - 1`` of ``fn``, skipping those already in ``store``.

    Parameters
    ----------
    fn : callable
        ``fn(task) -> dict[str, float | numpy.ndarray]``; draws its random numbers
        from ``task.rng()`` (or ``task.seed``) and reads its inputs from
        ``task.payload``. Must pickle with cloudpickle for parallel executors.
    n : int
        Ensemble size.
    root_seed : int
        Sample ``i`` is seeded with ``SeedSequence(root_seed).spawn(n)[i]``.
    payload_for : callable, optional
        ``payload_for(i)`` is sample ``i``'s payload (computed on the driver).
    store : CampaignStore, optional
        Where finished samples are recorded, and read from to resume.
    executor : Executor, optional
        Where samples run. Default: a :class:`ProcessExecutor` with
        ``min(os.cpu_count(), samples to compute)`` workers, closed on return. A
        given executor is left open for the caller to reuse and close.
    quiet : bool
        No progress bar (it is shown only on a terminal anyway).
    desc : str
        The progress bar's label.

    Returns
    -------
    EnsembleResult
        All results and failures, stored and new. A sample that raises is recorded
        as a failure and the others carry on.
    """
    n = _check_count("n", n)
    root_seed = _check_count("root_seed", root_seed)
    start = time.perf_counter()
    out = EnsembleResult(n=n)
    if store is not None:
        out.results = {i: r for i, r in store.results().items() if i < n}
        out.failures = {i: e for i, e in store.failures().items() if i < n}
    done = set(out.results) | set(out.failures)
    out.n_reused = len(done)
    todo = [i for i in range(n) if i not in done]
    if todo:
        tasks = [Task(i, sample_seed(root_seed, i),
                      payload_for(i) if payload_for is not None else None) for i in todo]
        own = executor is None
        ex = ProcessExecutor(min(os.cpu_count() or 1, len(tasks))) if own else executor
        try:
            with progress_bar(n, desc, quiet=quiet) as bar:
                bar.update(len(done))
                for idx, outcome in ex.map_unordered(fn, tasks):
                    _record(out, store, idx, outcome)
                    bar.update(1)
        finally:
            if own:
                ex.close()
    out.seconds = time.perf_counter() - start
    return out


def _record(out: EnsembleResult, store: CampaignStore | None, idx: int, outcome: Any) -> None:
    """Keep one sample's outcome in ``out`` and, if given, in the store (one transaction)."""
    out.n_computed += 1
    if outcome.ok:
        try:
            if store is not None:
                store.record_ok(idx, outcome.result, outcome.seconds)
            out.results[idx] = outcome.result
            return
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            error = TaskError(type(exc).__name__,
                              f"the result of sample {idx} cannot be stored: {exc}").text()
    else:
        error = outcome.error.text()
    if store is not None:
        store.record_failure(idx, error, outcome.seconds)
    out.failures[idx] = error
