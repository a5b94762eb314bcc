"""Pushing a posterior forward: a study evaluated once per joint posterior draw.

The calibrated quantities are bound as study parameters (``Study.bind``); each row
of the draws is one evaluation, all of them in one vectorised ``Study.run``, so the
study's result carries a leading sample axis and the validity of its bridges over
every draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from scaleweave.errors import ConfigError

__all__ = ["push_forward"]


def push_forward(study: Any, draws: Mapping[str, np.ndarray], *, max_draws: int | None = None,
                 rng: np.random.Generator | None = None, validity: str = "record"
                 ) -> tuple[Any, np.ndarray]:
    """Evaluate a study once per posterior draw, vectorised over the sample dimension.

    Parameters
    ----------
    study : scaleweave.core.study.Study
        With the calibrated quantities bound as study parameters (``Study.bind``).
    draws : mapping of str -> ndarray, shape (S, ...)
        SI values of each bound parameter, one row per posterior draw (the rows of
        different parameters belong together: they are joint draws).
    max_draws : int, optional
        Use a random subset of this many draws (without replacement).
    rng : numpy.random.Generator, optional
        For the subset.
    validity : {"record", "warn", "raise"}
        What a diagnostic of the study's models outside its limit does (as in
        ``Study.run``): only recorded in ``result.validity`` (the worst over the
        draws); also a warning; or an error.

    Returns
    -------
    result : StudyResult
        Every port with a leading sample axis, and the models' validity.
    rows : ndarray of int
        Which draws were used.
    """
    sizes = {k: np.shape(v)[0] for k, v in draws.items()}
    if len(set(sizes.values())) != 1:
        raise ConfigError(f"posterior draws of different lengths {sizes}: they must be joint")
    n = next(iter(sizes.values()))
    rows = np.arange(n)
    if max_draws is not None and max_draws < n:
        rng = rng or np.random.default_rng(0)
        rows = np.sort(rng.choice(n, size=max_draws, replace=False))
    params = {k: np.asarray(v)[rows] for k, v in draws.items()}
    return study.run(params=params, batch=rows.size, validity=validity), rows
