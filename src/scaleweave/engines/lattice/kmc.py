"""Lattice kinetic Monte Carlo of hopping carriers (rejection-free BKL / n-fold way, Numba).

Carriers (ions, or atoms next to vacancies) occupy the sites of a periodic
:class:`~scaleweave.engines.lattice.sites.Lattice`; a carrier hops to an *empty* neighbour
(site blocking: a lattice gas at finite concentration). Every hop path ``(i, k)``
(site ``i``, neighbour slot ``k``) has the rate

``w_ik = Gamma_ik * exp(q E . d_ik / (2 kB T))``

with ``Gamma_ik`` the zero-field rate of the path (from the Arrhenius bridge), ``d_ik``
the hop vector and ``E`` an optional applied field (Bortz, Kalos & Lebowitz 1975,
J. Comput. Phys. 17, 10; the field bias splits the work ``q E . d`` symmetrically
between the forward and backward hop, so detailed balance holds in the tilted
potential).

Mechanisms
----------
``"interstitial"``: carriers at concentration ``c`` (fraction of sites) hop to empty
sites; ``"vacancy"``: the lattice is full of tracked atoms except a fraction ``c`` (or
a number) of vacancies, and an atom hops into a neighbouring vacancy (rate
``Gamma`` per atom-vacancy exchange). Both are one lattice gas: only which species is
tracked differs.

Rate structure
--------------
Paths are grouped into classes of equal rate (few: one per distinct projection of
the hop vector on the field). Each class keeps the list of its *enabled* paths
(occupied start, empty end) with O(1) insertion and swap-removal, and a binary sum
tree over the classes holds ``rate_c * count_c``. An event costs one tree descent
(log of the number of classes) and O(z) list updates around the two sites that
changed: independent of the number of sites, no linear scan. The lattice gas with
adsorption and desorption (:func:`run_lattice_gas`, the benchmark model) groups
*sites* instead: by occupancy and number of empty neighbours, which fixes a site's
total rate; each site keeps both in one byte, updated incrementally.

Randomness: a replica is a function of one 32-bit seed (Numba's per-thread
generator, seeded at the kernel's start); replica seeds are drawn from the
``numpy.random.Generator`` the caller passes.

Estimators (see :class:`KMCResult`), all by block averaging over the blocks of
independent replicas: the tracer diffusivity from the carriers' squared
displacements over a block; the collective (charge) diffusivity
``D_sigma = <|sum_i dr_i|^2> / (2 d t N_c)`` and the drift velocity from the
centre-of-mass increments (exact at any block length for the lattice gas, whose
centre-of-mass increments are uncorrelated); the Haven ratio
``H = D* / D_sigma``; the tracer correlation factor ``f = sum |R|^2 / sum n a^2``
over blocks (a single periodic box with one vacancy couples the displacements of
whole rows of atoms through the vacancy's windings, so one long run does not
average down; many blocks do).
"""

# Numba kernels draw from its per-thread legacy generator (np.random.seed / random):
# ruff: noqa: NPY002

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numba import njit

from scaleweave.core.checks import Validity
from scaleweave.core.constants import BOLTZMANN, ELEMENTARY_CHARGE
from scaleweave.core.model import Diagnostic, Model, Port
from scaleweave.engines.lattice.sites import Lattice
from scaleweave.errors import ConfigError, ModelError

__all__ = [
    "KMCModel",
    "KMCResult",
    "LatticeGasResult",
    "hop_rate_classes",
    "linear_response_validity",
    "run_kmc",
    "run_lattice_gas",
]

Mechanism = Literal["interstitial", "vacancy"]


# --------------------------------------------------------------------------- kernels
@njit(cache=True)
def _tree_set(tree, leaf0, c, value):  # pragma: no cover - compiled
    i = leaf0 + c
    tree[i] = value
    i >>= 1
    while i >= 1:
        tree[i] = tree[2 * i] + tree[2 * i + 1]
        i >>= 1


@njit(cache=True)
def _touch(sites, n_touch, occ, nbr, rev, pclass, pos, members, off, count, crate, tree, leaf0,
           dirty, exchange):  # pragma: no cover - compiled
    """Bring the enabled-path lists up to date after the occupancy of ``sites`` changed.

    A path is enabled when its start is occupied and its end empty (adsorption:
    site empty; desorption: site occupied). Class totals in the sum tree are
    refreshed once per touched class at the end.
    """
    n_sites, z = nbr.shape
    n_dirty = 0
    n_h = 2 * z + (2 if exchange else 0)
    for q in range(n_touch):
        s = sites[q]
        for h in range(n_h):
            if h < 2 * z:
                k = h >> 1
                t = nbr[s, k]
                if t < 0:
                    continue
                if h & 1 == 0:
                    p = s * z + k
                    on = occ[s] != 0 and occ[t] == 0
                else:
                    p = t * z + rev[s, k]
                    on = occ[t] != 0 and occ[s] == 0
            elif h == 2 * z:
                p = n_sites * z + s
                on = occ[s] == 0
            else:
                p = n_sites * z + n_sites + s
                on = occ[s] != 0
            c = pclass[p]
            if on:
                if pos[p] >= 0:
                    continue
                n = count[c]
                members[off[c] + n] = p
                pos[p] = n
                count[c] = n + 1
            else:
                k2 = pos[p]
                if k2 < 0:
                    continue
                last = count[c] - 1
                other = members[off[c] + last]
                members[off[c] + k2] = other
                pos[other] = k2
                pos[p] = -1
                count[c] = last
            if not dirty[c]:
                dirty[c] = True
                n_dirty += 1
                sites[n_touch + n_dirty - 1] = c  # stash touched classes after the sites
    for d in range(n_dirty):
        c = sites[n_touch + d]
        dirty[c] = False
        _tree_set(tree, leaf0, c, crate[c] * count[c])


@njit(cache=True)
def _setup(occ, nbr, rev, pclass, crate, exchange):  # pragma: no cover - compiled
    """Class lists of the enabled paths and the sum tree over the classes."""
    n_classes = crate.size
    n_paths = pclass.size
    off = np.zeros(n_classes + 1, np.int64)
    for p in range(n_paths):
        if pclass[p] >= 0:
            off[pclass[p] + 1] += 1
    for c in range(n_classes):
        off[c + 1] += off[c]
    members = np.empty(off[n_classes], np.int32)
    pos = np.full(n_paths, -1, np.int32)
    count = np.zeros(n_classes, np.int64)
    leaf0 = 1
    while leaf0 < n_classes:
        leaf0 *= 2
    tree = np.zeros(2 * leaf0)
    dirty = np.zeros(n_classes, np.bool_)
    buf = np.empty(1 + n_classes, np.int64)
    for s in range(nbr.shape[0]):
        buf[0] = s
        _touch(buf, 1, occ, nbr, rev, pclass, pos, members, off, count, crate, tree, leaf0,
               dirty, exchange)
    return members, pos, off, count, tree, leaf0, dirty


@njit(cache=True)
def _pick(tree, leaf0, members, off, count, crate):  # pragma: no cover - compiled
    """Choose an enabled path with probability proportional to its rate.

    One uniform number picks the class (sum-tree descent) and, through what is left
    of it, the member of the class.
    """
    u = np.random.random() * tree[1]
    i = 1
    while i < leaf0:
        left = tree[2 * i]
        if u < left:
            i = 2 * i
        else:
            u -= left
            i = 2 * i + 1
    c = i - leaf0
    if c >= crate.size or count[c] == 0:  # round-off at a boundary: take the last live class
        c = crate.size - 1
        while count[c] == 0:
            c -= 1
        u = 0.0
    idx = int(u / crate[c])
    if idx >= count[c]:
        idx = count[c] - 1
    return members[off[c] + idx]


@njit(cache=True)
def _kmc_diffusion(nbr, rev, disp, pclass, crate, carrier_site, t_samples, block_ends,
                   seed):  # pragma: no cover - compiled
    """One replica: carriers at ``carrier_site`` hop until the last sample time.

    Returns the unwrapped displacement (m) and summed squared hop length (m^2) and
    hop count of every carrier, the tracer MSD (m^2) and the summed displacement
    (m) at each sample time, per block (ending at the sample indices
    ``block_ends``) the summed squared displacement of the carriers over the block
    and their summed squared hop lengths in it (m^2), and the number of events.
    """
    np.random.seed(seed)
    n_sites, z = nbr.shape
    n_car = carrier_site.size
    occ = np.zeros(n_sites, np.uint8)
    who = np.full(n_sites, -1, np.int64)
    for m in range(n_car):
        occ[carrier_site[m]] = 1
        who[carrier_site[m]] = m
    members, pos, off, count, tree, leaf0, dirty = _setup(occ, nbr, rev, pclass, crate, False)
    buf = np.empty(2 + crate.size, np.int64)
    r = np.zeros((n_car, 3))
    sq = np.zeros(n_car)
    hops = np.zeros(n_car, np.int64)
    n_s = t_samples.size
    msd = np.zeros(n_s)
    xsum = np.zeros((n_s, 3))
    r_start = np.zeros((n_car, 3))
    blk_r2 = np.zeros(block_ends.size)
    blk_hop2 = np.zeros(block_ends.size)
    hop2 = 0.0
    hop2_start = 0.0
    b = 0
    t = 0.0
    k = 0
    events = 0
    while k < n_s:
        total = tree[1]
        t_next = math.inf
        if total > 0.0:
            t_next = t - math.log(1.0 - np.random.random()) / total
        while k < n_s and t_samples[k] < t_next:  # record the state before the event
            acc = 0.0
            for m in range(n_car):
                acc += r[m, 0] ** 2 + r[m, 1] ** 2 + r[m, 2] ** 2
                for d in range(3):
                    xsum[k, d] += r[m, d]
            msd[k] = acc / n_car
            if b < block_ends.size and block_ends[b] == k:
                acc = 0.0
                for m in range(n_car):
                    for d in range(3):
                        acc += (r[m, d] - r_start[m, d]) ** 2
                        r_start[m, d] = r[m, d]
                blk_r2[b] = acc
                blk_hop2[b] = hop2 - hop2_start
                hop2_start = hop2
                b += 1
            k += 1
        if k >= n_s:
            break
        t = t_next
        p = _pick(tree, leaf0, members, off, count, crate)
        i = p // z
        slot = p - i * z
        j = nbr[i, slot]
        m = who[i]
        who[j] = m
        who[i] = -1
        occ[i] = 0
        occ[j] = 1
        dx, dy, dz = disp[i, slot, 0], disp[i, slot, 1], disp[i, slot, 2]
        r[m, 0] += dx
        r[m, 1] += dy
        r[m, 2] += dz
        sq[m] += dx * dx + dy * dy + dz * dz
        hop2 += dx * dx + dy * dy + dz * dz
        hops[m] += 1
        events += 1
        buf[0] = i
        buf[1] = j
        _touch(buf, 2, occ, nbr, rev, pclass, pos, members, off, count, crate, tree, leaf0,
               dirty, False)
    return r, sq, hops, msd, xsum, blk_r2, blk_hop2, events


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


# ------------------------------------------------------------------------ set-up
def _field_vector(field: Any, direction: Any = (1.0, 0.0, 0.0)) -> np.ndarray:
    f = np.asarray(field, dtype=float)
    if f.ndim == 0:
        d = np.asarray(direction, dtype=float)
        return float(f) * d / np.linalg.norm(d)
    if f.shape != (3,):
        raise ConfigError(f"kMC: the field must be a number (V/m, along x) or a 3-vector, "
                          f"got shape {f.shape}")
    return f


def _check_temperature(temperature: float) -> float:
    t = float(temperature)
    if not (t > 0 and math.isfinite(t)):
        raise ConfigError(f"kMC: temperature must be positive and finite (K), got {t}")
    return t


def hop_rate_classes(lattice: Lattice, hop_rate: Any, temperature: float, field: Any = 0.0,
                     charge: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rates of every hop path and their grouping into classes of equal rate.

    Parameters
    ----------
    lattice : Lattice
        Sites and hop vectors.
    hop_rate : float or array of shape (N, z)
        Zero-field rate of each hop path (1/s).
    temperature : float
        Temperature (K), positive.
    field : float or 3-vector
        Applied electric field (V/m); a number points along x.
    charge : float
        Carrier charge in units of the elementary charge (signed).

    Returns
    -------
    rates : ndarray (N, z)
        Rate of each path (1/s; zero on padding).
    path_class : ndarray of int32 (N z,)
        Class of each path (-1 on padding).
    class_rate : ndarray
        Rate of each class (1/s).
    """
    temperature = _check_temperature(temperature)
    base = np.broadcast_to(np.asarray(hop_rate, dtype=float), lattice.neighbors.shape)
    valid = lattice.neighbors >= 0
    if np.any(~np.isfinite(base[valid])) or np.any(base[valid] <= 0):
        raise ConfigError("kMC: hop rates must be positive and finite (1/s)")
    e = _field_vector(field)
    work = charge * ELEMENTARY_CHARGE * (lattice.displacements @ e)  # J, q E.d
    rates = np.where(valid, base * np.exp(work / (2.0 * BOLTZMANN * temperature)), 0.0)
    key = np.round(np.log(rates[valid]), 11)
    _, inverse = np.unique(key, return_inverse=True)
    path_class = np.full(rates.size, -1, dtype=np.int32)
    path_class[valid.ravel()] = inverse.astype(np.int32)
    class_rate = np.bincount(inverse, weights=rates[valid]) / np.bincount(inverse)
    return rates, path_class, class_rate


def _seeds(rng: np.random.Generator | int | None, n: int) -> np.ndarray:
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return gen.integers(0, 2**32 - 1, size=n, dtype=np.int64), gen


def _n_vacancies(n_sites: int, mechanism: str, concentration: float | None,
                 n_carriers: int | None) -> int:
    """Number of carriers (tracked particles) from a concentration or a count."""
    if mechanism not in ("interstitial", "vacancy"):
        raise ConfigError(f"kMC: mechanism must be 'interstitial' or 'vacancy', "
                          f"got {mechanism!r}")
    if (concentration is None) == (n_carriers is None):
        raise ConfigError("kMC: give exactly one of concentration (fraction of sites, in (0, 1)) "
                          "and a count (n_carriers, or n_vacancies for the vacancy mechanism)")
    if concentration is not None:
        c = float(concentration)
        if not (0.0 < c < 1.0):
            raise ConfigError(f"kMC: concentration must lie in (0, 1) (fraction of sites "
                              f"{'vacant' if mechanism == 'vacancy' else 'occupied'}), got {c}")
        n = round(c * n_sites)
        if not 1 <= n <= n_sites - 1:
            raise ConfigError(f"kMC: concentration {c} on {n_sites} sites gives {n} "
                              f"{'vacancies' if mechanism == 'vacancy' else 'carriers'}; "
                              f"use a larger lattice")
    else:
        n = int(n_carriers)  # type: ignore[arg-type]
        if not 1 <= n <= n_sites - 1:
            raise ConfigError(f"kMC: need between 1 and {n_sites - 1} "
                              f"{'vacancies' if mechanism == 'vacancy' else 'carriers'} on "
                              f"{n_sites} sites, got {n}")
    return n_sites - n if mechanism == "vacancy" else n


# ------------------------------------------------------------------------ results
@dataclass(frozen=True)
class KMCResult:
    """What a lattice kMC run measured (SI units; ``*_err``: one standard error).

    Attributes
    ----------
    times : ndarray (S + 1,)
        Sample times (s), starting at 0.
    msd, msd_err : ndarray (S + 1,)
        Tracer mean-square displacement (m^2), mean and standard error over replicas.
    tracer_diffusivity, tracer_diffusivity_err : float
        ``D*`` (m^2/s): ``sum_i |dR_i|^2 / (2 d tau N_c)`` over blocks of length
        ``tau``, averaged over blocks and replicas (error: their standard error).
    collective_diffusivity, collective_diffusivity_err : float
        ``D_sigma`` (m^2/s): ``<|sum_i dr_i - N_c v tau|^2> / (2 d tau N_c)`` over blocks.
    haven_ratio, haven_ratio_err : float
        ``H = D* / D_sigma``.
    drift_velocity, drift_velocity_err : ndarray (3,)
        Mean carrier velocity (m/s) from block averaging.
    correlation_factor, correlation_factor_err : float
        Tracer correlation factor ``f = sum_i |dR_i|^2 / sum_i sum_jumps |d|^2`` of the
        carriers' displacements over a block, averaged over blocks and replicas
        (blocks must hold many hops per carrier: the correlations cut at block
        edges bias ``f`` by the inverse of that number).
    block_hops_per_carrier : float
        Mean hops per carrier in one block (want >= ~100 for ``f``).
    uncorrelated_diffusivity : float
        ``D0`` (m^2/s) of a lone carrier at zero field: the site average of
        ``sum_k Gamma_k |d_k|^2 / (2 d)``.
    field : ndarray (3,)
        Applied field (V/m).
    """

    times: np.ndarray
    msd: np.ndarray
    msd_err: np.ndarray
    tracer_diffusivity: float
    tracer_diffusivity_err: float
    collective_diffusivity: float
    collective_diffusivity_err: float
    haven_ratio: float
    haven_ratio_err: float
    drift_velocity: np.ndarray
    drift_velocity_err: np.ndarray
    correlation_factor: float
    correlation_factor_err: float
    block_hops_per_carrier: float
    uncorrelated_diffusivity: float
    n_carriers: int
    n_sites: int
    n_events: int
    n_replicas: int
    dim: int
    temperature: float
    charge: float
    field: np.ndarray
    volume: float
    mechanism: str
    seeds: np.ndarray = field(repr=False)

    @property
    def concentration(self) -> float:
        """Carriers per site."""
        return self.n_carriers / self.n_sites

    @property
    def carrier_density(self) -> float:
        """Carriers per volume (1/m^3)."""
        return self.n_carriers / self.volume

    @property
    def field_strength(self) -> float:
        """``|E|`` (V/m)."""
        return float(np.linalg.norm(self.field))

    def rescaled(self, factor: float) -> KMCResult:
        """The same run with every hop rate multiplied by ``factor`` (> 0).

        With one rate scale (every path's zero-field rate proportional to one hop
        rate) a kMC trajectory in time ``t`` at rates ``Gamma`` is the trajectory in
        time ``factor * t`` at ``factor * Gamma``: the same seed gives the same events.
        Times divide by ``factor``; diffusivities, velocities and mobilities multiply
        by it; the Haven ratio and the correlation factor do not change.
        """
        if not (factor > 0 and math.isfinite(factor)):
            raise ConfigError(f"kMC: the rate factor must be positive, got {factor}")
        k = float(factor)
        return replace(
            self, times=self.times / k,
            tracer_diffusivity=self.tracer_diffusivity * k,
            tracer_diffusivity_err=self.tracer_diffusivity_err * k,
            collective_diffusivity=self.collective_diffusivity * k,
            collective_diffusivity_err=self.collective_diffusivity_err * k,
            drift_velocity=self.drift_velocity * k, drift_velocity_err=self.drift_velocity_err * k,
            uncorrelated_diffusivity=self.uncorrelated_diffusivity * k)

    def mobility(self) -> tuple[float, float]:
        """Mobility (m^2/(V s)) and its error: drift ``v . E / |E|^2`` under a field.

        Without a field, the Einstein relation ``q D_sigma / (kB T)`` (signed by the
        charge) stands in.
        """
        e = self.field_strength
        if e > 0:
            unit = self.field / e
            v = float(self.drift_velocity @ unit)
            err = float(np.sqrt(np.sum((self.drift_velocity_err * unit) ** 2)))
            return v / e, err / e
        q_over_kt = self.charge * ELEMENTARY_CHARGE / (BOLTZMANN * self.temperature)
        return (q_over_kt * self.collective_diffusivity,
                abs(q_over_kt) * self.collective_diffusivity_err)


def _block_stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = values.mean(axis=0)
    err = (values.std(axis=0, ddof=1) / math.sqrt(values.shape[0]) if values.shape[0] > 1
           else np.full_like(mean, np.nan))
    return mean, err


def run_kmc(lattice: Lattice, *, hop_rate: Any, temperature: float,
            concentration: float | None = None, n_carriers: int | None = None,
            mechanism: Mechanism = "interstitial", field: Any = 0.0, charge: float = 1.0,
            n_events: int | None = None, t_end: float | None = None, n_samples: int = 100,
            n_blocks: int = 10, n_replicas: int = 4,
            rng: np.random.Generator | int | None = None) -> KMCResult:
    """Run independent replicas of lattice kMC and estimate transport coefficients.

    Parameters
    ----------
    lattice : Lattice
        Periodic lattice (:mod:`scaleweave.engines.lattice.sites`).
    hop_rate : float or array (N, z)
        Zero-field rate of one hop path (1/s), e.g. from
        :func:`~scaleweave.bridges.rates.arrhenius.arrhenius_rate`.
    temperature : float
        Temperature (K), positive.
    concentration : float, optional
        Fraction of sites in (0, 1) that are occupied by carriers (``interstitial``) or
        vacant (``vacancy``).
    n_carriers : int, optional
        Instead of ``concentration``: number of carriers (``interstitial``) or of
        vacancies (``vacancy``).
    mechanism : {"interstitial", "vacancy"}
        Which species is tracked (see the module docstring).
    field : float or 3-vector
        Applied electric field (V/m); a number points along x.
    charge : float
        Charge of a tracked carrier in units of ``e`` (signed).
    n_events : int, optional
        Expected number of events per replica (sets ``t_end`` from the initial total
        rate); default ``100 * n_blocks * N_c``, about 100 hops per carrier per block.
    t_end : float, optional
        Simulated time per replica (s), instead of ``n_events``.
    n_samples : int
        Sample times per replica (uniform in ``(0, t_end]``).
    n_blocks : int
        Blocks per replica for every estimate; keep >= ~100 hops per carrier in a
        block, since the tracer estimates (``D*``, ``f``) lose the correlations cut
        at block edges (see :attr:`KMCResult.block_hops_per_carrier`).
    n_replicas : int
        Independent replicas (independent initial configurations and seeds).
    rng : numpy.random.Generator or int, optional
        Source of the initial configurations and the replicas' kernel seeds.

    Returns
    -------
    KMCResult

    Raises
    ------
    ConfigError
        Non-positive temperature or rates, a concentration outside (0, 1), bad sizes.

    Examples
    --------
    >>> from scaleweave.engines.lattice.sites import standard_lattice
    >>> res = run_kmc(standard_lattice("square", 8, 3e-10), hop_rate=1e9, temperature=300,
    ...               n_carriers=1, n_events=2000, n_replicas=4, rng=1)
    >>> res.n_carriers, res.haven_ratio > 0
    (1, True)
    """
    temperature = _check_temperature(temperature)
    n_car = _n_vacancies(lattice.n_sites, mechanism, concentration, n_carriers)
    if n_samples < n_blocks or n_blocks < 1:
        raise ConfigError(f"kMC: need n_samples >= n_blocks >= 1, got {n_samples}, {n_blocks}")
    if n_replicas < 1:
        raise ConfigError(f"kMC: n_replicas must be at least 1, got {n_replicas}")
    rates, pclass, crate = hop_rate_classes(lattice, hop_rate, temperature, field, charge)
    e_vec = _field_vector(field)
    seeds, gen = _seeds(rng, n_replicas)
    configs = [np.sort(gen.permutation(lattice.n_sites)[:n_car]).astype(np.int64)
               for _ in range(n_replicas)]
    if t_end is None:
        n_ev = 100 * n_blocks * n_car if n_events is None else int(n_events)
        occ = np.zeros(lattice.n_sites, bool)
        occ[configs[0]] = True
        nbr = lattice.neighbors
        enabled = occ[:, None] & (nbr >= 0) & ~occ[np.where(nbr >= 0, nbr, 0)]
        total = float(rates[enabled].sum())
        if total <= 0:
            raise ConfigError("kMC: no hop is possible in the initial configuration")
        t_end = n_ev / total
    elif not (t_end > 0 and math.isfinite(t_end)):
        raise ConfigError(f"kMC: t_end must be positive (s), got {t_end}")
    t_samples = np.linspace(t_end / n_samples, t_end, n_samples)
    times = np.concatenate([[0.0], t_samples])
    msd = np.zeros((n_replicas, n_samples + 1))
    xsum = np.zeros((n_replicas, n_samples + 1, 3))
    edges = np.unique(np.round(np.linspace(0, n_samples, n_blocks + 1)).astype(int))
    f_blocks = []
    r2_blocks = np.zeros((n_replicas, edges.size - 1))
    events = 0
    dim = lattice.dim
    for r in range(n_replicas):
        _, _, _, msd_r, x_r, b_r2, b_hop2, ev = _kmc_diffusion(
            lattice.neighbors, lattice.reverse, lattice.displacements, pclass, crate,
            configs[r], t_samples, (edges[1:] - 1).astype(np.int64), int(seeds[r]))
        msd[r, 1:], xsum[r, 1:] = msd_r, x_r
        f_blocks.extend(b_r2[b_hop2 > 0] / b_hop2[b_hop2 > 0])
        r2_blocks[r] = b_r2
        events += int(ev)
    if events == 0:
        raise ModelError("kMC: no event happened; increase n_events or t_end")
    # Blocks of the centre-of-mass motion (sample index 0 is t = 0).
    tau = np.diff(times[edges])
    dx = np.diff(xsum[:, edges, :], axis=1).reshape(-1, 3)  # (R * B, 3)
    tau_all = np.tile(tau, n_replicas)
    v_blocks = dx / (n_car * tau_all[:, None])
    v, v_err = _block_stats(v_blocks)
    fluct = dx - n_car * v[None, :] * tau_all[:, None]
    n_b = fluct.shape[0]
    d_blocks = np.sum(fluct**2, axis=1) / (2 * dim * tau_all * n_car) * (n_b / max(n_b - 1, 1))
    d_sig, d_sig_err = _block_stats(d_blocks[:, None])
    d_tr, d_tr_err = _block_stats((r2_blocks.ravel() / (2 * dim * tau_all * n_car))[:, None])
    f_mean, f_err = _block_stats(np.asarray(f_blocks, dtype=float).reshape(-1, 1)) if f_blocks \
        else (np.array([np.nan]), np.array([np.nan]))
    d_sig, d_sig_err, d_tr, d_tr_err = (float(x[0]) for x in (d_sig, d_sig_err, d_tr, d_tr_err))
    haven = d_tr / d_sig
    haven_err = abs(haven) * math.hypot(d_tr_err / d_tr, d_sig_err / d_sig)
    rates0, _, _ = hop_rate_classes(lattice, hop_rate, temperature, 0.0, charge)
    d0 = float(np.mean(np.sum(rates0 * np.sum(lattice.displacements**2, -1), axis=1))) / (2 * dim)
    msd_mean, msd_err = _block_stats(msd)
    return KMCResult(
        times=times, msd=msd_mean, msd_err=msd_err,
        tracer_diffusivity=d_tr, tracer_diffusivity_err=d_tr_err,
        collective_diffusivity=d_sig, collective_diffusivity_err=d_sig_err,
        haven_ratio=haven, haven_ratio_err=haven_err,
        drift_velocity=v, drift_velocity_err=v_err,
        correlation_factor=float(f_mean[0]), correlation_factor_err=float(f_err[0]),
        block_hops_per_carrier=events / (n_replicas * (edges.size - 1) * n_car),
        uncorrelated_diffusivity=d0, n_carriers=n_car, n_sites=lattice.n_sites,
        n_events=events, n_replicas=n_replicas, dim=dim, temperature=temperature,
        charge=float(charge), field=e_vec, volume=lattice.volume, mechanism=mechanism,
        seeds=seeds)


# -------------------------------------------------------------------- lattice gas
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


def linear_response_validity(field: float, hop_distance: float, temperature: float, *,
                             charge_number: float = 1.0, limit: float = 0.1) -> Validity:
    """``|q| E a / (kB T)`` against ``limit``: is a drift measurement linear response?

    Examples
    --------
    >>> linear_response_validity(1e6, 3e-10, 300.0).ok
    True
    """
    ratio = abs(charge_number) * ELEMENTARY_CHARGE * abs(field) * hop_distance / (
        BOLTZMANN * temperature)
    return Validity("transport", "field work per hop over kT (qEa/kT)", ratio, limit)



# -------------------------------------------------------------------------- model
class KMCModel(Model):
    """Lattice kMC as a study model: hop rate (and optionally a field) to transport.

    Ports
    -----
    Inputs: ``hop_rate`` [1/s] (zero-field rate of one hop path), ``temperature`` [K],
    ``electric_field`` [V/m] (along ``field_direction``; tagged
    ``driving_force="electric_field"``, default 0 = not applied).
    Outputs: ``tracer_diffusivity``, ``collective_diffusivity`` [m^2/s], ``haven_ratio``
    [-], ``drift_velocity`` [m/s] (along the field direction), ``mobility``
    [m^2/(V s)] (drift / field under a field, Einstein ``q D_sigma / kT`` without),
    ``carrier_density`` [1/m^3], each value with its ``*_err`` (one standard error).
    Also ``uncorrelated_diffusivity`` [m^2/s] (a lone carrier), ``concentration``
    [-] (carriers per site), the tracer MSD curve ``msd_time`` [s], ``msd`` and
    ``msd_err`` [m^2] (``n_msd`` = ``n_samples + 1`` points), and the linear-response
    diagnostic ``field_work_over_kT`` = ``|q| E a / kT`` (declared in
    :attr:`diagnostics`, limit 0.1; zero without a field). Everything a case needs
    later is an output: nothing is kept on the model, which may run on a worker.

    Vectorized by time rescaling: every path's rate is proportional to ``hop_rate``,
    so the model runs kMC once per (temperature, field) at 1/s, memoises it, and
    scales (:meth:`KMCResult.rescaled`; exact, the same seed gives the same events).
    An ensemble over an uncertain barrier therefore costs one kMC run per
    temperature, not one per sample.

    Parameters
    ----------
    lattice : Lattice
        The lattice (:func:`~scaleweave.engines.lattice.sites.standard_lattice` or
        :func:`~scaleweave.engines.lattice.sites.lattice_from_atoms`).
    concentration, n_carriers, mechanism, charge, n_events, n_replicas, n_samples, n_blocks
        As in :func:`run_kmc`.
    seed : int
        Seed of the run (the model is deterministic given it, hence cacheable).
    field_direction : 3-vector
        Direction of the applied field.
    name : str
        Instance name.
    """

    inputs = (
        Port("hop_rate", "1/s", description="zero-field rate of one hop path"),
        Port("temperature", "K", description="absolute temperature"),
        Port("electric_field", "V/m", description="applied field along field_direction",
             driving_force="electric_field", default=0.0),
    )
    _PAIRS = (
        ("tracer_diffusivity", "m**2/s", "tracer diffusivity D*"),
        ("collective_diffusivity", "m**2/s", "collective (charge) diffusivity D_sigma"),
        ("haven_ratio", "", "Haven ratio D*/D_sigma"),
        ("drift_velocity", "m/s", "mean carrier velocity along the field direction"),
        ("mobility", "m**2/(V*s)", "carrier mobility (drift, or Einstein without field)"),
    )
    outputs = (
        *(Port(n, u, description=d) for base, u, d in _PAIRS for n in (base, f"{base}_err")),
        Port("carrier_density", "1/m**3", description="carriers per volume"),
        Port("uncorrelated_diffusivity", "m**2/s", description="D0 of a lone carrier"),
        Port("concentration", "", description="carriers per site"),
        Port("msd_time", "s", ("n_msd",), description="times of the tracer MSD curve"),
        Port("msd", "m**2", ("n_msd",), description="tracer mean-square displacement"),
        Port("msd_err", "m**2", ("n_msd",), description="standard error of the MSD"),
        Port("field_work_over_kT", "", description="linear-response diagnostic qEa/kT"),
    )
    cacheable = True
    vectorized = True
    code_version = "1"
    identity = "lattice.kmc"
    diagnostics = (Diagnostic("field work per hop over kT (qEa/kT)", "field_work_over_kT",
                              0.1),)
    _CURVES = ("msd_time", "msd", "msd_err")

    def __init__(self, *, lattice: Lattice, concentration: float | None = None,
                 n_carriers: int | None = None, mechanism: Mechanism = "interstitial",
                 charge: float = 1.0, n_events: int | None = None, n_replicas: int = 4,
                 n_samples: int = 100, n_blocks: int = 10, seed: int = 0,
                 field_direction: Any = (1.0, 0.0, 0.0), name: str = "kmc") -> None:
        self.lattice = lattice
        self.name = name
        self.concentration, self.n_carriers, self.mechanism = concentration, n_carriers, mechanism
        self.charge, self.n_events, self.n_replicas = charge, n_events, n_replicas
        self.n_samples, self.n_blocks = n_samples, n_blocks
        self._settings = {"concentration": concentration, "n_carriers": n_carriers,
                         "mechanism": mechanism, "charge": charge, "n_events": n_events,
                         "n_replicas": n_replicas, "n_samples": n_samples, "n_blocks": n_blocks}
        _n_vacancies(lattice.n_sites, mechanism, concentration, n_carriers)  # check early
        if n_replicas < 2:
            raise ConfigError(f"KMCModel {name!r}: n_replicas must be at least 2 for error "
                              f"bars, got {n_replicas}")
        self.seed = seed
        self.field_direction = field_direction
        d = np.asarray(field_direction, dtype=float)
        self._direction = d / np.linalg.norm(d)
        self.length_scale = lattice.hop_distance
        self._unit_runs: dict[tuple[float, float], KMCResult] = {}  # a memo, not a result

    def run_unit_rate(self, temperature: float, field: float) -> KMCResult:
        """The kMC run at a hop rate of 1/s (memoised per temperature and field)."""
        key = (float(temperature), float(field))
        if key not in self._unit_runs:
            self._unit_runs[key] = run_kmc(
                self.lattice, hop_rate=1.0, temperature=key[0],
                field=key[1] * self._direction, rng=int(self.seed), **self._settings)
        return self._unit_runs[key]

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        rate, temp, field = np.broadcast_arrays(
            *(np.asarray(inputs[k], dtype=float)
              for k in ("hop_rate", "temperature", "electric_field")))
        if np.any(~np.isfinite(rate)) or np.any(rate <= 0):
            raise ConfigError(f"model {self.name!r} input 'hop_rate' must be positive (1/s), "
                              f"got {rate.ravel()[:5].tolist()}")
        n_msd = int(self.n_samples) + 1
        out = {p.name: np.empty((*rate.shape, n_msd) if p.name in self._CURVES else rate.shape)
               for p in self.outputs}
        for idx in np.ndindex(rate.shape):
            unit = self.run_unit_rate(temp[idx], field[idx])
            res = unit.rescaled(rate[idx])
            mu, mu_err = res.mobility()
            values = {
                "tracer_diffusivity": res.tracer_diffusivity,
                "tracer_diffusivity_err": res.tracer_diffusivity_err,
                "collective_diffusivity": res.collective_diffusivity,
                "collective_diffusivity_err": res.collective_diffusivity_err,
                "haven_ratio": res.haven_ratio, "haven_ratio_err": res.haven_ratio_err,
                "drift_velocity": float(res.drift_velocity @ self._direction),
                "drift_velocity_err": float(np.sqrt(np.sum(
                    (res.drift_velocity_err * self._direction) ** 2))),
                "mobility": mu, "mobility_err": mu_err,
                "carrier_density": res.carrier_density,
                "uncorrelated_diffusivity": res.uncorrelated_diffusivity,
                "concentration": res.concentration,
                "msd_time": res.times, "msd": res.msd, "msd_err": res.msd_err,
                "field_work_over_kT": linear_response_validity(
                    float(field[idx]), self.lattice.hop_distance, res.temperature,
                    charge_number=float(self.charge)).value,
            }
            for name, value in values.items():
                out[name][idx] = value
        return {k: float(v) if v.ndim == 0 else v for k, v in out.items()}
