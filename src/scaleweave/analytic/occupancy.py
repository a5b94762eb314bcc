"""Closed forms of site occupancy with imperfect detection (MacKenzie et al. 2002).

A species occupies a site with probability ``psi`` and, where present, is detected
on each of ``K`` independent visits with probability ``p``. A site with no
detection is either empty or missed, so the naive share of sites with a detection
estimates ``psi p*`` with ``p* = 1 - (1 - p)^K`` (MacKenzie, Nichols, Lachman,
Droege, Royle & Langtimm 2002, Ecology 83:2248), not ``psi``.
"""

from __future__ import annotations

__all__ = ["detected_at_least_once", "naive_occupancy"]


def detected_at_least_once(p: float, n_visits: int) -> float:
    """``p* = 1 - (1 - p)^K``: probability that an occupied site shows a detection.

    Parameters
    ----------
    p : float
        Detection probability per visit (1).
    n_visits : int
        Repeat visits ``K``.

    Examples
    --------
    >>> round(detected_at_least_once(0.3, 4), 4)
    0.7599
    """
    return 1.0 - (1.0 - p) ** n_visits


def naive_occupancy(psi: float, p: float, n_visits: int) -> float:
    """Expected naive occupancy ``psi [1 - (1 - p)^K]`` (share of sites with a detection).

    Parameters
    ----------
    psi : float
        Occupancy probability (1).
    p : float
        Detection probability per visit (1).
    n_visits : int
        Repeat visits ``K``.

    Examples
    --------
    MacKenzie et al. (2002)'s design, 4 visits, ``psi = 0.6``, ``p = 0.3``:

    >>> round(naive_occupancy(0.6, 0.3, 4), 3)
    0.456
    """
    return psi * detected_at_least_once(p, n_visits)
