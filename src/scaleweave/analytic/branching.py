"""Establishment of a low-dose infection: the branching process it starts as.

While susceptible cells are not depleted, an infection from a few virions is a
two-type branching process (virion -> infected cell -> virions). A producing cell
releases virions at rate ``p`` and dies at rate ``delta``, so it makes a
Geometric(``delta / (p + delta)``) number of virions; each virion infects a cell
before it is cleared with probability ``f = beta N / (beta N + c)``. One producing
cell's offspring infections have mean ``R0 = p f / delta`` and its line dies out
with probability ``1 / R0`` (the ``d/b`` of a birth-death process, Kendall 1948,
Ann. Math. Stat. 19, 1), so from ``V0`` virions

.. math:: P_{est} = 1 - \\left(1 - f \\left(1 - 1/R_0\\right)\\right)^{V_0}

(zero when ``R0 <= 1``). Rates in 1/s.
"""

from __future__ import annotations

__all__ = ["KENDALL_1948", "branching_establishment", "infection_r0"]

#: Where the extinction probability comes from.
KENDALL_1948 = ("multi-type branching process (virion -> infected cell); extinction 1/R0 "
                "from a producing cell as d/b in Kendall (1948), Ann. Math. Stat. 19, 1")


def infection_r0(beta_n: float, clearance: float, production: float, death: float
                 ) -> tuple[float, float]:
    """Infection probability of one virion and the basic reproduction number.

    Parameters
    ----------
    beta_n : float
        Infection rate of one virion with all ``N`` cells susceptible, ``beta N`` (1/s).
    clearance, production, death : float
        Virion clearance ``c``, virion production ``p`` of a producing cell and its
        death rate ``delta`` (1/s).

    Returns
    -------
    f : float
        ``beta N / (beta N + c)``: a virion infects before it is cleared.
    r0 : float
        ``p f / delta``: infections caused by one producing cell.

    Examples
    --------
    >>> infection_r0(1.0, 1.0, 6.0, 1.0)
    (0.5, 3.0)
    """
    f = beta_n / (beta_n + clearance)
    return f, production * f / death


def branching_establishment(v0: int, beta_n: float, clearance: float, production: float,
                            death: float) -> float:
    """Establishment probability from ``v0`` virions in the branching limit (no depletion).

    Parameters
    ----------
    v0 : int
        Initial virions.
    beta_n, clearance, production, death : float
        As in :func:`infection_r0` (1/s).

    Returns
    -------
    float
        ``1 - (1 - f (1 - 1/R0))^v0``; 0 for a subcritical infection (``R0 <= 1``).

    Examples
    --------
    f = 1/2 and R0 = 3, so one virion establishes with probability f (1 - 1/R0) = 1/3:

    >>> round(branching_establishment(1, 1.0, 1.0, 6.0, 1.0), 12)
    0.333333333333
    """
    f, r0 = infection_r0(beta_n, clearance, production, death)
    p_cell = max(0.0, 1.0 - 1.0 / r0)
    return 1.0 - (1.0 - f * p_cell) ** int(v0)
