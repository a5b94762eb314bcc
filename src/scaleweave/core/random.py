"""Per-sample seeds of an ensemble, each computable on its own from the root seed and index.

Sample ``i`` of an ensemble with root seed ``s`` uses the ``i``-th child of
``numpy.random.SeedSequence(s).spawn(n)``. That child is
``SeedSequence(s, spawn_key=(i,))`` whatever ``n`` is, so a resumed campaign can seed
sample 37 without spawning samples 0 to 36, and every sample draws the same numbers
whichever executor, worker count or completion order computes it.
"""

from __future__ import annotations

import numbers

import numpy as np

from scaleweave.errors import ConfigError

__all__ = ["sample_rng", "sample_seed"]


def _check(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ConfigError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def sample_seed(root_seed: int, index: int) -> np.random.SeedSequence:
    """The seed sequence of sample ``index``: ``SeedSequence(root_seed).spawn(n)[index]``.

    Parameters
    ----------
    root_seed : int
        The ensemble's root seed (non-negative).
    index : int
        The sample's position in the ensemble, 0-based.

    Returns
    -------
    numpy.random.SeedSequence
        ``SeedSequence(root_seed, spawn_key=(index,))``, which equals the ``index``-th
        child spawned from ``SeedSequence(root_seed)`` for any ensemble size.

    Examples
    --------
    >>> import numpy as np
    >>> child = np.random.SeedSequence(7).spawn(5)[3]
    >>> bool((sample_seed(7, 3).generate_state(4) == child.generate_state(4)).all())
    True
    """
    return np.random.SeedSequence(_check("root_seed", root_seed),
                                  spawn_key=(_check("index", index),))


def sample_rng(root_seed: int, index: int) -> np.random.Generator:
    """A fresh ``numpy.random.Generator`` seeded with :func:`sample_seed` ``(root_seed, index)``."""
    return np.random.default_rng(sample_seed(root_seed, index))
