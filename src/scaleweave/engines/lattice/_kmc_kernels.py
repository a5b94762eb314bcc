"""Numba kernels of lattice kMC (:mod:`scaleweave.engines.lattice.kmc`) and their seeds.

The enabled-path lists and the sum tree over rate classes (:func:`_setup`,
:func:`_touch`, :func:`_tree_set`), the rejection-free pick (:func:`_pick`), one
replica of hopping carriers (:func:`_kmc_diffusion`), and :func:`_seeds`, which draws
the kernels' 32-bit seeds from the caller's generator. A kernel seeds Numba's
per-thread generator at its start, so a replica is a function of its seed.
"""

# Numba kernels draw from its per-thread legacy generator (np.random.seed / random):
# ruff: noqa: NPY002

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__: list[str] = []


def _seeds(rng: np.random.Generator | int | None, n: int
           ) -> tuple[np.ndarray, np.random.Generator]:
    """``n`` kernel seeds (32-bit) and the generator they came from."""
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return gen.integers(0, 2**32 - 1, size=n, dtype=np.int64), gen


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
