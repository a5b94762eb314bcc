"""The cell-sheet SSA kernel against a pure-NumPy reference of the same events.

Numba's ``np.random.seed(s)`` / ``np.random.random()`` inside a kernel give the
stream of ``numpy.random.RandomState(s).random_sample()``, so a plain-Python event
loop that draws in the same order must reproduce the kernel's trajectory exactly:
same cells in the same states, same virions, same stop time and event count.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaleweave.engines.kinetics.cell_sheet import (
    DEAD,
    ECL,
    ESTABLISHED,
    EXTINCT,
    INF,
    PROT,
    RUNNING,
    SUS,
    CellSheet,
    cells_advance,
)


def reference(state, virions, prot, t0, t1, rates, seed, stop_infected):
    """The direct method written plainly: lists of cells per state, the kernel's draws."""
    rng = np.random.RandomState(seed)
    members = {s: [c for c in range(state.size) if state[c] == s] for s in range(5)}
    state, v, t, events = state.copy(), int(virions), t0, 0
    beta, clr, ecl, die, prd = (rates[k] for k in ("beta", "clearance", "eclipse", "death",
                                                   "production"))

    def move(cell, new):
        old = state[cell]
        lst = members[old]
        pos = lst.index(cell)
        lst[pos] = lst[-1]  # swap-remove, as the kernel's index lists do
        lst.pop()
        members[new].append(cell)
        state[cell] = new

    sum_p = sum(prot[c] for c in members[SUS])
    while True:
        n_s, n_e, n_i = len(members[SUS]), len(members[ECL]), len(members[INF])
        if stop_infected > 0 and state.size - n_s - len(members[PROT]) >= stop_infected:
            return ESTABLISHED, t, events, state, v
        if v == 0 and n_e == 0 and n_i == 0:
            return EXTINCT, t, events, state, v
        if n_s == 0:
            sum_p = 0.0
        a = [beta * v * n_s, clr * v, ecl * n_e, die * n_i, prd * n_i, max(sum_p, 0.0)]
        a0 = sum(a)
        t += -math.log(1.0 - rng.random_sample()) / a0
        if t >= t1:
            return RUNNING, t1, events, state, v
        u = a0 * rng.random_sample()
        events += 1
        edges = np.cumsum(a)
        if u < edges[0]:
            cell = members[SUS][int(rng.random_sample() * n_s) % n_s]
            sum_p -= prot[cell]
            move(cell, ECL)
            v -= 1
        elif u < edges[1]:
            v -= 1
        elif u < edges[2]:
            move(members[ECL][int(rng.random_sample() * n_e) % n_e], INF)
        elif u < edges[3]:
            move(members[INF][int(rng.random_sample() * n_i) % n_i], DEAD)
        elif u < edges[4]:
            v += 1
        else:
            target, acc, cell = u - (a0 - a[5]), 0.0, members[SUS][-1]
            for c in members[SUS]:
                acc += prot[c]
                if acc > target:
                    cell = c
                    break
            sum_p -= prot[cell]
            move(cell, PROT)


RATES = {"beta": 0.02, "clearance": 0.5, "eclipse": 0.3, "death": 0.1, "production": 2.0}


@pytest.mark.parametrize("seed,protect,stop", [(1, 0.0, 0), (7, 0.05, 0), (11, 0.2, 0),
                                               (3, 0.05, 12), (42, 0.0, 30)])
def test_kernel_matches_the_numpy_reference_event_for_event(seed, protect, stop):
    sheet = CellSheet(6, 1, 10, RATES, 0)
    prot = np.random.default_rng(seed).random(36) * protect
    ref = reference(sheet.state[0], sheet.virions[0], prot, 0.0, 60.0, RATES, seed, stop)
    status, t, events = cells_advance(sheet.state[0], sheet.members[0], sheet.count[0],
                                      sheet.where[0], sheet.virions, 0, prot, 0.0, 60.0,
                                      *RATES.values(), seed, stop)
    assert (status, events) == (ref[0], ref[2]) and events >= 10
    assert t == ref[1]
    np.testing.assert_array_equal(sheet.state[0], ref[3])
    assert sheet.virions[0] == ref[4]
    # the kernel's bookkeeping agrees with the states it holds
    counts = np.bincount(sheet.state[0], minlength=5)
    np.testing.assert_array_equal(sheet.count[0], counts)
    for s in range(5):
        cells = sheet.members[0, s, :counts[s]]
        assert np.all(sheet.state[0][cells] == s)
        np.testing.assert_array_equal(sheet.where[0][cells], np.arange(counts[s]))


def test_snapshot_restores_the_future_exactly():
    a = CellSheet(5, 3, 4, RATES, 9, (1,))
    a.advance(0.0, 10.0)
    snap = a.snapshot()
    a.advance(10.0, 20.0)
    b = CellSheet(5, 3, 4, RATES, 9, (1,))
    b.restore_snapshot(snap)
    b.advance(10.0, 20.0)
    for key in ("state", "count", "virions", "events", "status"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key), err_msg=key)


# -- the sheet as a coupler submodel -------------------------------------------------------
def _submodel(seed: int = 5, k_protect: float = 0.05):
    from scaleweave.engines.kinetics.cell_sheet import CellSheetSubmodel

    rates = {"beta": 2e-3, "clearance": 0.05, "eclipse": 0.5, "death": 0.2,
             "production": 2.0}
    sheet = CellSheet(5, 3, 6, rates, seed=seed)
    return CellSheetSubmodel(sheet, 1.0, secretion=4.0, spacing=2e-5, k_protect=k_protect,
                             k_half=1e9, hill=2.0)


def test_submodel_protection_rate_and_secretion_density():
    from scaleweave.core.waveform import HoldWaveform

    sub = _submodel()
    c = np.full((3, 5, 5), 1e9)  # at k_half: half-maximal protection
    prot = {}

    def spy(t0, t1, p=None, stop_infected=0):
        prot["rate"] = p

    sub.sheet.advance = spy
    sub.advance(0.0, 1.0, {"ifn": HoldWaveform(0.0, c)})
    np.testing.assert_allclose(prot["rate"], np.full((3, 25), 0.05 / 2))
    sub.sheet.state[1, 7] = INF
    src = sub.export()["source"]
    assert src.shape == (3, 5, 5)
    assert src[1].flat[7] == pytest.approx(4.0 / 2e-5**2) and src.sum() == src[1].flat[7]


def test_submodel_state_restores_in_place_and_recorder_continues():
    from scaleweave.core.waveform import HoldWaveform
    from scaleweave.engines.kinetics.cell_sheet import InfectedFractionRecorder

    def run(sub, rec, t0, n):
        for m in range(n):
            sub.advance(t0 + m, t0 + m + 1, {"ifn": HoldWaveform(t0 + m, np.zeros((3, 25)))})
            rec(t0 + m + 1)

    a = _submodel()
    rec_a = InfectedFractionRecorder(a.sheet)
    run(a, rec_a, 0.0, 3)
    saved, saved_rec = a.state(), rec_a.state()
    run(a, rec_a, 3.0, 4)
    b = _submodel()
    held = b.sheet.state  # others hold the sheet's arrays: restore must keep them
    b.restore(saved)
    rec_b = InfectedFractionRecorder(b.sheet)
    rec_b.restore(saved_rec)
    run(b, rec_b, 3.0, 4)
    assert b.sheet.state is held
    np.testing.assert_array_equal(a.sheet.state, b.sheet.state)
    assert a.work == b.work > 0
    ta, fa = rec_a.arrays()
    tb, fb = rec_b.arrays()
    np.testing.assert_array_equal(tb, ta)
    np.testing.assert_array_equal(ta, np.arange(8.0))
    np.testing.assert_array_equal(fa, fb)
    assert fa.shape == (8, 3)
