"""Tracer correlation factors of the vacancy mechanism, and the random walk they correct.

A tracer atom that moves only by exchanging with a vacancy is likely to jump back
into the site it just left (the vacancy is still there), so its mean-square
displacement after ``n`` jumps of length ``a`` is ``f n a^2`` with ``f < 1``: the
tracer correlation factor. In the limit of a vanishing vacancy concentration (one
vacancy in an infinite lattice, every atom-vacancy exchange at the same rate) ``f``
is a number of the lattice alone (Compaan & Haven 1956, Trans. Faraday Soc. 52,
786; 1958, 54, 1498; Montet 1973, Phys. Rev. B 7, 650; tabulated in Mehrer,
*Diffusion in Solids*, Springer 2007, table 7.2):

============  ===  ==============================
lattice       z    f (one vacancy)
============  ===  ==============================
honeycomb     3    1/3
square        4    1/(pi - 1) = 0.46694
triangular    6    0.56006
simple cubic  6    0.65311
bcc           8    0.72722
fcc           12   0.78146
============  ===  ==============================

For a lattice gas of carriers at site fraction ``c`` hopping to empty neighbours
(the interstitial picture of the same model), the carriers' correlation factor
``f(c)`` runs from 1 at ``c -> 0`` (a lone carrier is an uncorrelated walk) to the
value above at ``c -> 1`` (one vacancy left); in between it has no closed form.
In one-dimensional channels (single file) ``f = 0``: the tracer is sub-diffusive.

The uncorrelated walk it multiplies: a carrier with ``z`` hop paths of rate
``Gamma`` and length ``a`` in ``d`` dimensions has ``D0 = z Gamma a^2 / (2 d)``.
"""

from __future__ import annotations

import math

from scaleweave.errors import ConfigError

__all__ = ["VACANCY_CORRELATION_FACTORS", "VACANCY_CORRELATION_SOURCE",
           "lone_carrier_diffusivity", "vacancy_correlation_factor"]

#: Tracer correlation factor of the vacancy mechanism at vanishing vacancy
#: concentration, by lattice (names of :func:`~scaleweave.engines.lattice.sites.standard_lattice`).
VACANCY_CORRELATION_FACTORS: dict[str, float] = {
    "honeycomb": 1.0 / 3.0,
    "square": 1.0 / (math.pi - 1.0),  # 0.46694
    "triangular": 0.56006,
    "simple_cubic": 0.65311,
    "bcc": 0.72722,
    "fcc": 0.78146,
}

#: Where the values come from.
VACANCY_CORRELATION_SOURCE = (
    "tracer correlation factor of the vacancy mechanism at vanishing vacancy "
    "concentration: Compaan & Haven 1956, Trans. Faraday Soc. 52, 786 and 1958, 54, 1498; "
    "Montet 1973, Phys. Rev. B 7, 650 (Mehrer, Diffusion in Solids 2007, table 7.2)")


def vacancy_correlation_factor(lattice: str) -> float:
    """The exact one-vacancy tracer correlation factor of a standard lattice.

    Parameters
    ----------
    lattice : {"honeycomb", "square", "triangular", "simple_cubic", "bcc", "fcc"}

    Raises
    ------
    ConfigError
        A lattice without a tabulated value.

    Examples
    --------
    >>> round(vacancy_correlation_factor("square"), 5)
    0.46694
    """
    if lattice not in VACANCY_CORRELATION_FACTORS:
        raise ConfigError(f"no tabulated vacancy correlation factor for lattice {lattice!r}; "
                          f"known: {sorted(VACANCY_CORRELATION_FACTORS)}")
    return VACANCY_CORRELATION_FACTORS[lattice]


def lone_carrier_diffusivity(hop_rate: float, coordination: int, hop_distance: float,
                             dim: int) -> float:
    """``D0 = z Gamma a^2 / (2 d)`` (m^2/s): the uncorrelated walk of a lone carrier.

    Parameters
    ----------
    hop_rate : float
        Rate ``Gamma`` of one hop path (1/s).
    coordination : int
        Hop paths ``z`` per site, all of length ``hop_distance``.
    hop_distance : float
        Hop length ``a`` (m).
    dim : int
        Dimension ``d`` the diffusivity is defined in (``<r^2> = 2 d D t``).

    Examples
    --------
    >>> lone_carrier_diffusivity(1e9, 6, 3e-10, 3)  # simple cubic: Gamma a^2
    9e-11
    """
    for name, value in (("hop_rate", hop_rate), ("hop_distance", hop_distance)):
        if not (value > 0 and math.isfinite(value)):
            raise ConfigError(f"random walk: {name} must be positive and finite, got {value}")
    if coordination < 1 or dim not in (1, 2, 3):
        raise ConfigError(f"random walk: need z >= 1 and d in (1, 2, 3), got z={coordination}, "
                          f"d={dim}")
    return coordination * hop_rate * hop_distance**2 / (2 * dim)
