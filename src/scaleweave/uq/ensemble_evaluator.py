"""Evaluate the rows of a propagation on an executor, recorded in a campaign store.

A propagation's design (its rows of parameter values) is cut into chunks; each
chunk is one sample of :func:`~scaleweave.execution.ensemble.run_ensemble`, so it
runs on any executor (serial, local processes, Dask), is recorded in the run's
campaign store the moment it finishes, and is not computed again when the same
command is run after a crash. A chunk that fails becomes NaN rows and is counted;
the rest carry on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scaleweave._version import __version__
from scaleweave.core.study import Study
from scaleweave.execution.ensemble import run_ensemble
from scaleweave.execution.executors import Executor, Task
from scaleweave.execution.store import CampaignStore, campaign_key

__all__ = ["EnsembleEvaluator"]


class _Chunk:
    """The sample function: evaluate one chunk of rows through the study (picklable)."""

    def __init__(self, study: Study, names: Sequence[str]) -> None:
        self.study, self.names = study, list(names)

    def __call__(self, task: Task) -> dict[str, np.ndarray]:
        X = np.asarray(task.payload, dtype=float)
        result = self.study.run(params={n: X[:, j] for j, n in enumerate(self.names)},
                                batch=len(X))
        return {k: np.asarray(v, dtype=float) for k, v in result.si.items()}


class EnsembleEvaluator:
    """An :data:`~scaleweave.uq.propagate.Evaluator` backed by the execution layer.

    Parameters
    ----------
    study : Study
        The graph (shipped once to each worker).
    executor : Executor, optional
        Where chunks run (default: the ensemble default, local processes).
    store_dir : path, optional
        Folder of the campaign stores (one SQLite file per design); None: no store.
    label : str
        Names the store files and the progress bar.
    root_seed : int
        Seeds of the chunks (for stochastic models that draw from ``task.rng()``).
    chunk_rows : int, optional
        Rows per chunk (default: 4096 if every model is vectorized, else 1).
    quiet : bool
        No progress bar.

    Attributes
    ----------
    n_failed_rows : int
        Rows of failed chunks in the last call (NaN in its result).
    failures : dict
        Chunk index -> error text of the last call.
    n_reused_rows, n_computed_rows : int
        Rows taken from the store and computed in the last call.
    validity : list of Validity
        The study's declared diagnostics over the rows of the last call (the worst
        row each), computed from the gathered outputs: they hold for rows computed on
        workers and for rows taken from the store.
    """

    def __init__(self, study: Study, *, executor: Executor | None = None,
                 store_dir: str | Path | None = None, label: str = "study",
                 root_seed: int = 0, chunk_rows: int | None = None, quiet: bool = True) -> None:
        self.study, self.executor, self.label = study, executor, label
        self.store_dir = None if store_dir is None else Path(store_dir)
        self.root_seed, self.quiet = root_seed, quiet
        vectorized = all(m.vectorized for m in study.models.values())
        self.chunk_rows = chunk_rows or (4096 if vectorized else 1)
        self.n_failed_rows = self.n_reused_rows = self.n_computed_rows = 0
        self.failures: dict[int, str] = {}
        self.validity: list = []

    def __call__(self, names: Sequence[str], X: np.ndarray) -> dict[str, np.ndarray]:
        X = np.ascontiguousarray(X, dtype=float)
        n = len(X)
        size = self.chunk_rows
        n_chunks = max(1, math.ceil(n / size))
        store = None
        if self.store_dir is not None:
            # Everything a row's result depends on: the rows, and the study itself
            # (models with their parameters, fixed inputs, bound values, code version).
            key = campaign_key(label=self.label, names=list(names), rows=X,
                               chunk_rows=size, seed=self.root_seed, version=__version__,
                               study=self.study.fingerprint(sampled=names))
            store = CampaignStore(self.store_dir / f"{self.label}-{key[:16]}.sqlite", key)
        try:
            res = run_ensemble(_Chunk(self.study, names), n_chunks, root_seed=self.root_seed,
                               payload_for=lambda i: X[i * size:(i + 1) * size],
                               store=store, executor=self.executor, quiet=self.quiet,
                               desc=self.label)
        finally:
            if store is not None:
                store.close()
        self.failures = dict(res.failures)
        self.n_failed_rows = sum(len(X[i * size:(i + 1) * size]) for i in res.failures)
        self.n_reused_rows = min(n, res.n_reused * size)
        self.n_computed_rows = n - self.n_reused_rows
        rows = _assemble(res.results, n, size)
        self.validity = self.study.diagnose(rows)
        return rows


def _assemble(results: dict[int, dict[str, Any]], n: int, size: int) -> dict[str, np.ndarray]:
    """Stitch chunk results into arrays of ``n`` rows; missing chunks are NaN rows."""
    if not results:
        return {}
    first = results[min(results)]
    out = {k: np.full((n, *np.shape(v)[1:]), np.nan) for k, v in first.items()}
    for i, chunk in results.items():
        for k, v in chunk.items():
            out[k][i * size:i * size + len(v)] = v
    return out
