"""Confidence intervals of counted outcomes (binomial proportions)."""

from __future__ import annotations

import math

from scipy.stats import norm

from scaleweave.errors import ConfigError

__all__ = ["wilson_interval"]

_Z95 = float(norm.ppf(0.975))


def wilson_interval(successes: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (Wilson 1927), 95% by default.

    ``n = 0`` gives the uninformative ``(0, 1)``.

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(81, 263)]  # Wilson (1927); Newcombe (1998)
    [0.2553, 0.3662]
    """
    if n < 0 or not 0 <= successes <= n:
        raise ConfigError(f"wilson_interval: need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)
