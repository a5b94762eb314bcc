"""Execution of ensembles: seeds, executors, the resumable campaign store, the run cache.

- :func:`run_ensemble` runs ``fn(task)`` for samples ``0 .. n-1`` on an
  :class:`Executor` and returns an :class:`EnsembleResult`; with a
  :class:`CampaignStore` it records every sample as it finishes and resumes a killed
  campaign where it stopped.
- :func:`sample_seed` / :func:`sample_rng`: sample ``i``'s seed is
  ``SeedSequence(root_seed).spawn(n)[i]``, computed on its own.
- Executors: :class:`SerialExecutor`, :class:`ProcessExecutor` (default),
  :class:`DaskExecutor`; :func:`make_executor` for ``--workers`` / ``--scheduler``;
  :data:`EXECUTORS` by name.
- :class:`ModelCache` and :func:`cached_call`: model runs looked up by a content hash.

Dask is imported only when a :class:`DaskExecutor` starts.
"""

from __future__ import annotations

from scaleweave.core.random import sample_rng, sample_seed
from scaleweave.execution.cache import ModelCache, cached_call, content_hash
from scaleweave.execution.ensemble import EnsembleResult, run_ensemble
from scaleweave.execution.executors import (
    EXECUTORS,
    DaskExecutor,
    Executor,
    Outcome,
    ProcessExecutor,
    SampleFunction,
    SerialExecutor,
    Task,
    TaskError,
    executor_by_name,
    make_executor,
    run_task,
)
from scaleweave.execution.store import CampaignStore, campaign_key

__all__ = [
    "EXECUTORS",
    "CampaignStore",
    "DaskExecutor",
    "EnsembleResult",
    "Executor",
    "ModelCache",
    "Outcome",
    "ProcessExecutor",
    "SampleFunction",
    "SerialExecutor",
    "Task",
    "TaskError",
    "cached_call",
    "campaign_key",
    "content_hash",
    "executor_by_name",
    "make_executor",
    "run_ensemble",
    "run_task",
    "sample_rng",
    "sample_seed",
]
