"""Evaluate the rows of a propagation on an executor, recorded in a campaign store.

A propagation's design (its rows of parameter values) is cut into chunks; each
chunk is one sample of :func:`~scaleweave.execution.ensemble.run_ensemble`, so it
runs on any executor (serial, local processes, Dask), is recorded in the run's
campaign store the moment it finishes, and is not computed again when the same
command is run after a crash. A chunk that fails becomes NaN rows and is counted;
the rest carry on.

How the rows are cut (:class:`ChunkLayout`): one row per chunk unless every model
is vectorized; then at least :data:`CHUNKS_PER_WORKER` chunks per worker (so every
worker has work), at most :data:`MAX_CHUNK_ROWS` rows, and -- when chunks are
recorded -- about :data:`CHUNK_SECONDS` of work each at most, timed on a first,
small chunk computed in this process: a killed run loses at most that much per
worker. The layout is recorded in the store when the campaign starts and a resumed
run continues it, whatever its own worker count. The rows' results do not depend on
it (each row is computed on its own), so neither does the campaign key.
"""

from __future__ import annotations

import math
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scaleweave._version import __version__
from scaleweave.core.random import sample_seed
from scaleweave.core.study import Study
from scaleweave.execution.ensemble import run_ensemble
from scaleweave.execution.executors import Executor, Task, run_task
from scaleweave.execution.store import CampaignStore, campaign_key

__all__ = ["CHUNKS_PER_WORKER", "CHUNK_SECONDS", "MAX_CHUNK_ROWS", "ChunkLayout",
           "EnsembleEvaluator"]

CHUNKS_PER_WORKER = 4
"""A vectorized ensemble is cut into at least this many chunks per worker."""
CHUNK_SECONDS = 2.0
"""Seconds of work a recorded chunk holds at most (as timed on the first chunk)."""
MAX_CHUNK_ROWS = 4096
"""Rows a chunk holds at most (bounds the memory of one chunk's outputs)."""
_FIRST_ROWS = 4  # rows of the first chunk, computed here and timed


@dataclass(frozen=True)
class ChunkLayout:
    """How ``n`` rows are cut into chunks: the first holds ``head`` rows, each other ``size``.

    Examples
    --------
    >>> layout = ChunkLayout(n=20, head=2, size=8)
    >>> layout.count, [layout.rows(i) for i in range(layout.count)]
    (4, [slice(0, 2, None), slice(2, 10, None), slice(10, 18, None), slice(18, 20, None)])
    """

    n: int
    head: int
    size: int

    @property
    def count(self) -> int:
        """Number of chunks (one, possibly empty, for no rows)."""
        return 1 + max(0, math.ceil((self.n - self.head) / self.size))

    def rows(self, i: int) -> slice:
        """The rows of chunk ``i``."""
        if i == 0:
            return slice(0, min(self.head, self.n))
        start = self.head + (i - 1) * self.size
        return slice(start, min(self.n, start + self.size))

    def length(self, i: int) -> int:
        """Number of rows of chunk ``i``."""
        r = self.rows(i)
        return max(0, r.stop - r.start)


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
        Rows per chunk. Default: 1 unless every model is vectorized; then chosen from
        the ensemble size, the executor's worker count and the time of a first chunk
        (see the module docstring). A campaign resumed from the store keeps the
        layout it started with.
    chunk_seconds : float
        The time bound of a recorded chunk of vectorized models, s.
    quiet : bool
        No progress bar.

    Attributes
    ----------
    layout : ChunkLayout or None
        How the rows of the last call were cut.
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
                 root_seed: int = 0, chunk_rows: int | None = None,
                 chunk_seconds: float = CHUNK_SECONDS, quiet: bool = True) -> None:
        self.study, self.executor, self.label = study, executor, label
        self.store_dir = None if store_dir is None else Path(store_dir)
        self.root_seed, self.quiet = root_seed, quiet
        self.vectorized = all(m.vectorized for m in study.models.values())
        self.chunk_rows = chunk_rows
        self.chunk_seconds = float(chunk_seconds)
        self.layout: ChunkLayout | None = None
        self.n_failed_rows = self.n_reused_rows = self.n_computed_rows = 0
        self.failures: dict[int, str] = {}
        self.validity: list = []

    def __call__(self, names: Sequence[str], X: np.ndarray) -> dict[str, np.ndarray]:
        X = np.ascontiguousarray(X, dtype=float)
        n = len(X)
        fn = _Chunk(self.study, names)
        store = None
        if self.store_dir is not None:
            # Everything a row's result depends on: the rows, and the study itself
            # (models with their parameters, fixed inputs, bound values, code version).
            key = campaign_key(label=self.label, names=list(names), rows=X,
                               seed=self.root_seed, version=__version__,
                               study=self.study.fingerprint(sampled=names))
            store = CampaignStore(self.store_dir / f"{self.label}-{key[:16]}.sqlite", key)
        try:
            before = store.done() if store is not None else set()
            layout = self._layout(n, fn, X, store)
            res = run_ensemble(fn, layout.count, root_seed=self.root_seed,
                               payload_for=lambda i: X[layout.rows(i)],
                               store=store, executor=self.executor, quiet=self.quiet,
                               desc=self.label)
        finally:
            if store is not None:
                store.close()
        self.layout = layout
        self.failures = dict(res.failures)
        self.n_failed_rows = sum(layout.length(i) for i in res.failures)
        self.n_reused_rows = sum(layout.length(i) for i in before if i < layout.count)
        self.n_computed_rows = n - self.n_reused_rows
        rows = _assemble(res.results, n, layout)
        self.validity = self.study.diagnose(rows)
        return rows

    def _layout(self, n: int, fn: _Chunk, X: np.ndarray,
                store: CampaignStore | None) -> ChunkLayout:
        """The campaign's layout: the recorded one, else chosen (and recorded) now."""
        meta = store.meta() if store is not None else {}
        if "chunk_head" in meta and "chunk_rows" in meta:
            return ChunkLayout(n, int(meta["chunk_head"]), int(meta["chunk_rows"]))
        if self.chunk_rows or not self.vectorized:
            size = int(self.chunk_rows or 1)
            head, timed = size, False
        else:
            workers = getattr(self.executor, "workers", None) or os.cpu_count() or 1
            size = max(1, min(MAX_CHUNK_ROWS, math.ceil(n / (CHUNKS_PER_WORKER * workers))))
            timed = store is not None  # a time bound matters only for what is recorded
            head = min(size, _FIRST_ROWS) if timed else size
        if store is None:
            return ChunkLayout(n, head, size)
        head = int(store.setdefault_meta("chunk_head", str(head)))
        if timed:
            per_row = self._seconds_per_row(fn, X[:head], store)
            if math.isfinite(per_row) and per_row > 0:
                size = max(1, min(size, int(self.chunk_seconds / per_row)))
        return ChunkLayout(n, head, int(store.setdefault_meta("chunk_rows", str(size))))

    def _seconds_per_row(self, fn: _Chunk, rows: np.ndarray, store: CampaignStore) -> float:
        """Compute chunk 0 (``rows``) here and record it, unless it is recorded already;
        return the seconds a row of it took (NaN if unknown).

        Its first row is computed on its own and left out of the time (imports, memos,
        compilation: what the other chunks do not pay again); the others together.
        """
        recorded = store.seconds()
        if 0 in recorded:
            return recorded[0] / max(1, len(rows))
        seed = sample_seed(self.root_seed, 0)
        parts = [run_task(fn, Task(0, seed, part)) for part in (rows[:1], rows[1:])
                 if len(part)]
        failed = next((o for o in parts if not o.ok), None)
        total = sum(o.seconds for o in parts)
        if failed is None:
            try:
                store.record_ok(0, _concatenate([o.result for o in parts],
                                                [len(rows[:1]), len(rows[1:])]), total)
            except (pickle.PicklingError, TypeError, AttributeError, ValueError) as exc:
                store.record_failure(0, f"{type(exc).__name__}: the result of chunk 0 cannot "
                                        f"be stored: {exc}", total)
        else:
            store.record_failure(0, failed.error.text(), total)
        timed = parts[-1]
        return timed.seconds / max(1, len(rows) - 1) if len(parts) > 1 else timed.seconds


def _concatenate(results: list[dict[str, Any]], lengths: list[int]) -> dict[str, np.ndarray]:
    """One chunk's outputs from those of its consecutive parts (rows first)."""
    def rows(value: Any, k: int) -> np.ndarray:
        arr = np.asarray(value, dtype=float)
        return arr if arr.ndim and arr.shape[0] == k else np.broadcast_to(arr, (k, *arr.shape))

    return {key: np.concatenate([rows(r[key], k) for r, k in zip(results, lengths, strict=True)
                                 if k]) for key in results[0]}


def _assemble(results: dict[int, dict[str, Any]], n: int, layout: ChunkLayout
              ) -> dict[str, np.ndarray]:
    """Stitch chunk results into arrays of ``n`` rows; missing chunks are NaN rows."""
    if not results:
        return {}
    first = results[min(results)]
    out = {k: np.full((n, *np.shape(v)[1:]), np.nan) for k, v in first.items()}
    for i, chunk in results.items():
        for k, v in chunk.items():
            out[k][layout.rows(i)] = v
    return out
