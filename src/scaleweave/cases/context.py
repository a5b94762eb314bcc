"""How a case is being run (seeds, workers, campaign and checkpoint folders), not what it
computes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["RunContext"]


@dataclass
class RunContext:
    """How a case is being run (not what it computes).

    Attributes
    ----------
    seed : int
        Root seed; derive child seeds with ``numpy.random.SeedSequence(seed).spawn``.
    quick : bool
        The gallery's fast mode.
    samples : int or None
        Ensemble size requested with ``--samples``.
    workers : int or None
        Local workers requested with ``--workers``.
    scheduler : str or None
        Dask scheduler address from ``--scheduler``.
    quiet : bool
        No progress bars.
    campaign_dir : Path or None
        Where ensembles record finished samples (``OUT/.campaigns``), so that the
        same command resumes after a crash; None: not recorded.
    checkpoint_dir : Path or None
        Where long coupled runs keep their checkpoints (``OUT/.checkpoints/CASE``);
        None: no checkpoints.
    """

    seed: int = 0
    quick: bool = False
    samples: int | None = None
    workers: int | None = None
    scheduler: str | None = None
    quiet: bool = False
    campaign_dir: Path | None = None
    checkpoint_dir: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    checkpoints: list[Any] = field(default_factory=list, repr=False)
    _executor: Any = field(default=None, repr=False)

    def rng(self, *key: int) -> np.random.Generator:
        """A generator for a named stream: independent of run order and worker count."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def executor(self, *, vectorized: bool = False) -> Any:
        """The executor the options ask for, started once per run and shared.

        ``--scheduler`` or ``--workers`` give Dask; otherwise a study of vectorized
        models runs in this process (one NumPy pass beats shipping rows to workers)
        and any other study on local processes.
        """
        from scaleweave.execution.executors import SerialExecutor, make_executor

        if self.workers is None and self.scheduler is None and vectorized:
            return SerialExecutor()
        if self._executor is None:
            self._executor = make_executor(self.workers, self.scheduler).__enter__()
        return self._executor

    def evaluator(self, study: Any, label: str) -> Any:
        """How a case evaluates a propagation's rows: chunked, recorded, resumable."""
        from scaleweave.uq.ensemble_evaluator import EnsembleEvaluator

        vectorized = all(m.vectorized for m in study.models.values())
        return EnsembleEvaluator(study, executor=self.executor(vectorized=vectorized),
                                 store_dir=self.campaign_dir, label=label,
                                 root_seed=self.seed, quiet=self.quiet)

    def model_cache(self) -> Any:
        """The content-hash cache of ``cacheable`` models (``OUT/.cache``), or None.

        ``extra["cache_dir"]`` names the folder; otherwise it sits beside the
        campaigns (``OUT/.cache``); no campaign folder: no cache.
        """
        from scaleweave.execution.cache import ModelCache

        folder = self.extra.get("cache_dir")
        if folder is None and self.campaign_dir is not None:
            folder = Path(self.campaign_dir).parent.parent / ".cache"
        return ModelCache(folder) if folder is not None else None

    def checkpoint(self, label: str, parts: Any, n_steps: int) -> Any:
        """A :class:`~scaleweave.core.checkpoint.Checkpoint` for one long run, or None.

        Keyed by ``label``, ``parts`` (everything that defines the run: parameters,
        stream keys), the root seed and the package version, so a changed setting
        never resumes a stale run; written about ten times over ``n_steps``.
        """
        if self.checkpoint_dir is None:
            return None
        from scaleweave._version import __version__
        from scaleweave.core.checkpoint import Checkpoint
        from scaleweave.core.hashing import content_hash

        key = content_hash({"label": label, "parts": parts, "seed": self.seed,
                            "version": __version__})
        ckpt = Checkpoint(self.checkpoint_dir, f"{label}-{key[:24]}",
                          every=max(1, int(n_steps) // 10))
        self.checkpoints.append(ckpt)
        return ckpt

    def close(self) -> None:
        """Shut down the executor this run started, if any."""
        if self._executor is not None:
            self._executor.__exit__(None, None, None)
            self._executor = None
