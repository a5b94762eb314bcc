"""Lattice gas with adsorption, desorption and hops (the ``scaleweave bench kmc`` model).

:func:`run_lattice_gas` runs one rejection-free kMC trajectory of a lattice gas:
adsorption on empty sites, desorption from occupied ones, hops to empty
neighbours. Unlike :func:`~scaleweave.engines.lattice.kmc.run_kmc`, which groups hop
*paths* into rate classes, the kernel groups *sites*: by occupancy and number of
empty neighbours, which fixes a site's total rate; each site keeps both in one byte,
updated incrementally.
"""

# Numba kernels draw from its per-thread legacy generator (np.random.seed / random):
# ruff: noqa: NPY002

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from scaleweave.engines.lattice._kmc_kernels import _seeds
from scaleweave.engines.lattice.sites import Lattice
from scaleweave.errors import ConfigError

__all__ = ["LatticeGasResult", "run_lattice_gas"]


@njit(cache=True)
def _lattice_gas(nbr, occ0, k_ads, k_des, k_hop, n_events, seed):  # pragma: no cover
    """Lattice gas with adsorption, desorption and hops for ``n_events`` events.

    Rate groups over sites: an occupied site with ``e`` empty neighbours has the
    total rate ``k_des + e k_hop`` (class ``e``), an empty site ``k_ads`` (class
    ``z + 1``). Each class lists its sites (O(1) insertion and swap-removal); one
    uniform number picks the class, the site in it and the process on the site.
    Each site keeps its occupancy and empty-neighbour count in one byte, updated
    incrementally. Returns the final occupancy, the simulated time (s) and the count
    of each kind of event (hop, adsorption, desorption).
    """
    np.random.seed(seed)
    n_sites, z = nbr.shape
    n_cls = z + 2
    full = 64  # flag bit of an occupied site; the low bits count empty neighbours
    rate = np.empty(n_cls)
    for c in range(z + 1):
        rate[c] = k_des + c * k_hop
    rate[z + 1] = k_ads
    st = np.zeros(n_sites, np.int8)
    pos = np.empty(n_sites, np.int32)
    members = np.empty(n_cls * n_sites, np.int32)
    count = np.zeros(n_cls, np.int64)
    for s in range(n_sites):
        e = 0
        for k in range(z):
            q = nbr[s, k]
            if q >= 0 and occ0[q] == 0:
                e += 1
        st[s] = e + (full if occ0[s] != 0 else 0)
        c = e if occ0[s] != 0 else z + 1
        pos[s] = count[c]
        members[c * n_sites + count[c]] = s
        count[c] += 1
    t = 0.0
    kinds = np.zeros(3, np.int64)
    changed = np.empty(2, np.int64)
    mv_site = np.empty(2 * z + 2, np.int64)
    mv_old = np.empty(2 * z + 2, np.int64)
    mv_new = np.empty(2 * z + 2, np.int64)
    for _ in range(n_events):
        total = 0.0
        for c in range(n_cls):
            total += count[c] * rate[c]
        if total <= 0.0:
            break
        t -= math.log(1.0 - np.random.random()) / total
        u = np.random.random() * total
        c = 0
        while c < n_cls - 1 and (count[c] == 0 or u >= count[c] * rate[c]):
            u -= count[c] * rate[c]
            c += 1
        x = u / rate[c]
        idx = int(x)
        if idx >= count[c]:
            idx = count[c] - 1
        s = members[c * n_sites + idx]
        v = (x - idx) * rate[c]  # uniform in [0, rate[c]): which process on the site
        changed[0] = s
        n_changed = 1
        if c == z + 1:
            kinds[1] += 1
        elif v < k_des or c == 0:
            kinds[2] += 1
        else:
            e = min(int((v - k_des) / k_hop), c - 1)
            for k in range(z):
                q = nbr[s, k]
                if q >= 0 and st[q] < full:
                    if e == 0:
                        changed[1] = q
                        n_changed = 2
                        break
                    e -= 1
            kinds[0] += 1
        n_mv = 0
        for h in range(n_changed):  # flip occupancy; neighbours' empty counts follow
            x_site = changed[h]
            old = st[x_site]
            now_full = old < full
            st[x_site] = old + full if now_full else old - full
            mv_site[n_mv] = x_site
            mv_old[n_mv] = z + 1 if now_full else old - full
            mv_new[n_mv] = old if now_full else z + 1
            n_mv += 1
            step = -1 if now_full else 1
            for k in range(z):
                q = nbr[x_site, k]
                if q < 0:
                    continue
                before = st[q]
                st[q] = before + step
                if before >= full:
                    mv_site[n_mv] = q
                    mv_old[n_mv] = before - full
                    mv_new[n_mv] = before - full + step
                    n_mv += 1
        for h in range(n_mv):  # a site may move twice (neighbour of both ends): chain them
            q = mv_site[h]
            old_c = mv_old[h]
            new_c = mv_new[h]
            if old_c == new_c:
                continue
            k = pos[q]
            last = count[old_c] - 1
            other = members[old_c * n_sites + last]
            members[old_c * n_sites + k] = other
            pos[other] = k
            count[old_c] = last
            n = count[new_c]
            members[new_c * n_sites + n] = q
            pos[q] = n
            count[new_c] = n + 1
    occ = (st >= full).astype(np.uint8)
    return occ, t, kinds


@dataclass(frozen=True)
class LatticeGasResult:
    """Final state of a lattice gas with adsorption, desorption and hops.

    Attributes
    ----------
    occupancy : ndarray of uint8 (N,)
        Final occupation of each site.
    time : float
        Simulated time (s).
    events : dict
        Count of ``hop``, ``adsorption`` and ``desorption`` events.
    """

    occupancy: np.ndarray
    time: float
    events: dict[str, int]

    @property
    def coverage(self) -> float:
        """Fraction of occupied sites."""
        return float(self.occupancy.mean())

    @property
    def n_events(self) -> int:
        """Total events."""
        return int(sum(self.events.values()))


def run_lattice_gas(lattice: Lattice, *, adsorption_rate: float, desorption_rate: float,
                    hop_rate: float, n_events: int, coverage0: float = 0.0,
                    rng: np.random.Generator | int | None = None) -> LatticeGasResult:
    """Lattice gas with adsorption (on empty sites), desorption and hops to empty neighbours.

    The benchmark model of ``scaleweave bench kmc``; its steady coverage is
    ``k_ads / (k_ads + k_des)`` (Langmuir), whatever the hop rate.

    Parameters
    ----------
    lattice : Lattice
        Sites and neighbours.
    adsorption_rate, desorption_rate, hop_rate : float
        Rates (1/s) per empty site, per occupied site, and per hop path.
    n_events : int
        Events to run.
    coverage0 : float
        Initial fraction of occupied sites (random), in [0, 1].
    rng : numpy.random.Generator or int, optional
        Source of the initial configuration and the kernel's seed.

    Examples
    --------
    >>> from scaleweave.engines.lattice.sites import standard_lattice
    >>> res = run_lattice_gas(standard_lattice("square", 20, 1e-10), adsorption_rate=1.0,
    ...                       desorption_rate=1.0, hop_rate=1.0, n_events=20000, rng=0)
    >>> abs(res.coverage - 0.5) < 0.1
    True
    """
    for name, val in (("adsorption_rate", adsorption_rate), ("desorption_rate", desorption_rate),
                      ("hop_rate", hop_rate)):
        if not (val > 0 and math.isfinite(val)):
            raise ConfigError(f"lattice gas: {name} must be positive and finite (1/s), got {val}")
    if not 0.0 <= coverage0 <= 1.0:
        raise ConfigError(f"lattice gas: coverage0 must lie in [0, 1], got {coverage0}")
    if np.any(lattice.neighbors < 0):
        raise ConfigError("lattice gas: every site must have the same number of neighbours")
    seeds, gen = _seeds(rng, 1)
    occ0 = (gen.random(lattice.n_sites) < coverage0).astype(np.uint8)
    occ, t, kinds = _lattice_gas(lattice.neighbors, occ0, float(adsorption_rate),
                                 float(desorption_rate), float(hop_rate), int(n_events),
                                 int(seeds[0]))
    return LatticeGasResult(occ, float(t), {"hop": int(kinds[0]), "adsorption": int(kinds[1]),
                                            "desorption": int(kinds[2])})
