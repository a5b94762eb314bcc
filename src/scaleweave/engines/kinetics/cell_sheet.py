"""A sheet of cells infected by free virions: an exact SSA per sheet, O(1) work per event.

Each cell is susceptible (S), in eclipse (E), infectious (I), dead (D) or protected
(P). Free virions infect a susceptible cell (rate ``beta`` per virion per cell) or
are cleared (``clearance``); an eclipsed cell becomes infectious (``eclipse``); an
infectious cell produces virions (``production``) and dies (``death``); a
susceptible cell becomes protected at its own rate (the interferon response,
constant within one call). Cells of each state are kept in index lists with
positions, so every event costs O(1) (protection, which picks a cell by its rate,
costs O(S)). ``replicas`` independent sheets advance together; each call draws a
fresh seed per sheet from ``SeedSequence(seed, spawn_key=(*seed_key, sheet, call))``,
so a run does not depend on how it is cut into calls, and a checkpoint holds the
call counter.

Inside a :class:`~scaleweave.core.coupler.Coupler`, :class:`CellSheetSubmodel` is the
sheet as a submodel: it imports a cytokine (interferon) density, turns it into each
susceptible cell's protection rate ``k_P x / (1 + x)``, ``x = (c / K)^n_H``, and
exports the secretion density of its producing cells; :class:`InfectedFractionRecorder`
observes the infected fraction at every synchronisation (and is checkpointed with it).
"""

# Numba kernels draw from its per-thread legacy generator (np.random.seed / random):
# ruff: noqa: NPY002

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numba import njit

from scaleweave.core.coupler import Submodel
from scaleweave.core.model import Port
from scaleweave.core.waveform import Waveform

__all__ = ["DEAD", "ECL", "ESTABLISHED", "EXTINCT", "INF", "N_STATES", "PROT", "RUNNING",
           "SUS", "CellSheet", "CellSheetSubmodel", "InfectedFractionRecorder",
           "cells_advance"]

SUS, ECL, INF, DEAD, PROT = 0, 1, 2, 3, 4  # cell states: S, E, I, D, P
N_STATES = 5
EXTINCT, ESTABLISHED, RUNNING = 0, 1, 2


@njit(cache=True)
def _move(cell: int, new: int, state: np.ndarray, members: np.ndarray, count: np.ndarray,
          where: np.ndarray) -> None:
    old = state[cell]
    pos = where[cell]
    last = members[old, count[old] - 1]
    members[old, pos] = last
    where[last] = pos
    count[old] -= 1
    members[new, count[new]] = cell
    where[cell] = count[new]
    count[new] += 1
    state[cell] = new


@njit(cache=True)
def cells_advance(state: np.ndarray, members: np.ndarray, count: np.ndarray,
                  where: np.ndarray, virions: np.ndarray, k: int, prot: np.ndarray,
                  t0: float, t1: float, beta: float, clearance: float, eclipse: float,
                  death: float, production: float, seed: int, stop_infected: int
                  ) -> tuple[int, float, int]:
    """Exact SSA of one sheet (replica ``k`` of ``virions``) from ``t0`` to ``t1`` (s).

    ``prot`` holds each cell's protection rate (1/s), constant over the call. Stops
    early when no virion or infected cell is left (``EXTINCT``) or when
    ``stop_infected > 0`` cells have been infected (``ESTABLISHED``). Returns
    ``(status, time, events)``.
    """
    np.random.seed(seed)
    n = state.size
    sum_p = 0.0
    for m in range(count[SUS]):
        sum_p += prot[members[SUS, m]]
    t = t0
    events = 0
    while True:
        v = virions[k]
        n_s, n_e, n_i = count[SUS], count[ECL], count[INF]
        if stop_infected > 0 and n - n_s - count[PROT] >= stop_infected:
            return ESTABLISHED, t, events
        if v == 0 and n_e == 0 and n_i == 0:
            return EXTINCT, t, events
        if n_s == 0:
            sum_p = 0.0
        a_inf = beta * v * n_s
        a_clr = clearance * v
        a_ecl = eclipse * n_e
        a_die = death * n_i
        a_prd = production * n_i
        a_pro = max(sum_p, 0.0)
        a0 = a_inf + a_clr + a_ecl + a_die + a_prd + a_pro
        t += -math.log(1.0 - np.random.random()) / a0
        if t >= t1:
            return RUNNING, t1, events
        u = a0 * np.random.random()
        events += 1
        if u < a_inf:
            cell = members[SUS, int(np.random.random() * n_s) % n_s]
            sum_p -= prot[cell]
            _move(cell, ECL, state, members, count, where)
            virions[k] = v - 1
        elif u < a_inf + a_clr:
            virions[k] = v - 1
        elif u < a_inf + a_clr + a_ecl:
            _move(members[ECL, int(np.random.random() * n_e) % n_e], INF, state, members, count,
                  where)
        elif u < a_inf + a_clr + a_ecl + a_die:
            _move(members[INF, int(np.random.random() * n_i) % n_i], DEAD, state, members, count,
                  where)
        elif u < a_inf + a_clr + a_ecl + a_die + a_prd:
            virions[k] = v + 1
        else:
            target = (u - (a0 - a_pro)) if a_pro > 0 else 0.0
            acc = 0.0
            cell = members[SUS, n_s - 1]
            for m in range(n_s):
                acc += prot[members[SUS, m]]
                if acc > target:
                    cell = members[SUS, m]
                    break
            sum_p -= prot[cell]
            _move(cell, PROT, state, members, count, where)


@njit(cache=True)
def _advance_replicas(state, members, count, where, virions, prot, t0, t1, beta, clearance,
                      eclipse, death, production, seeds, stop_infected, status, events):
    for k in range(state.shape[0]):
        if status[k] != RUNNING:
            continue
        s, _, e = cells_advance(state[k], members[k], count[k], where[k], virions, k, prot[k],
                                t0, t1, beta, clearance, eclipse, death, production, seeds[k],
                                stop_infected)
        events[k] += e
        if s != RUNNING:
            status[k] = s if stop_infected > 0 else RUNNING


class CellSheet:
    """``replicas`` independent sheets of ``n x n`` cells, their virions and events.

    Parameters
    ----------
    n_side : int
        Cells per side.
    replicas : int
        Independent sheets advanced together.
    virions0 : int
        Initial free virions per sheet.
    rates : mapping
        ``beta`` (1/s per virion per susceptible cell), ``clearance``, ``eclipse``,
        ``death``, ``production`` (1/s).
    seed_key : tuple of int
        Root of the per-step seeds ``SeedSequence(seed, spawn_key=(*seed_key, replica, step))``.
    """

    def __init__(self, n_side: int, replicas: int, virions0: int,
                 rates: Mapping[str, float], seed: int, seed_key: tuple[int, ...] = ()) -> None:
        n = n_side * n_side
        self.n_side, self.n_cells, self.replicas = n_side, n, replicas
        self.state = np.zeros((replicas, n), dtype=np.int64)
        self.members = np.zeros((replicas, N_STATES, n), dtype=np.int64)
        self.members[:, SUS, :] = np.arange(n)
        self.count = np.zeros((replicas, N_STATES), dtype=np.int64)
        self.count[:, SUS] = n
        self.where = np.tile(np.arange(n, dtype=np.int64), (replicas, 1))
        self.virions = np.full(replicas, int(virions0), dtype=np.int64)
        self.status = np.full(replicas, RUNNING, dtype=np.int64)
        self.events = np.zeros(replicas, dtype=np.int64)
        self.rates = dict(rates)
        self.seed, self.seed_key, self.calls = int(seed), tuple(seed_key), 0

    def _seeds(self) -> np.ndarray:
        call = self.calls
        self.calls += 1
        return np.array([np.random.SeedSequence(self.seed, spawn_key=(*self.seed_key, k, call))
                         .generate_state(1, np.uint32)[0] for k in range(self.replicas)],
                        dtype=np.int64)

    def advance(self, t0: float, t1: float, prot: np.ndarray | None = None,
                stop_infected: int = 0) -> None:
        """Advance every running replica from ``t0`` to ``t1`` (s)."""
        if prot is None:
            prot = np.zeros((self.replicas, self.n_cells))
        r = self.rates
        _advance_replicas(self.state, self.members, self.count, self.where, self.virions,
                          np.ascontiguousarray(prot, dtype=np.float64), float(t0), float(t1),
                          r["beta"], r["clearance"], r["eclipse"], r["death"],
                          r["production"], self._seeds(), int(stop_infected), self.status,
                          self.events)

    _DYNAMIC = ("state", "members", "count", "where", "virions", "status", "events")

    def snapshot(self) -> dict[str, Any]:
        """Everything that changes as the sheet advances (a copy), for checkpoints.

        The random streams are keyed by ``calls``, so it is part of the snapshot.
        """
        return {**{k: getattr(self, k).copy() for k in self._DYNAMIC}, "calls": self.calls}

    def restore_snapshot(self, snap: Mapping[str, Any]) -> None:
        """Put a :meth:`snapshot` back, in place (others hold this sheet's arrays)."""
        for k in self._DYNAMIC:
            getattr(self, k)[...] = snap[k]
        self.calls = int(snap["calls"])

    def infected_fraction(self) -> np.ndarray:
        """Cells ever infected (E + I + D) over all cells, per replica."""
        return (self.count[:, ECL] + self.count[:, INF] + self.count[:, DEAD]) / self.n_cells

    def producing_grid(self) -> np.ndarray:
        """Indicator of producing cells, shape (replicas, n_side, n_side)."""
        return (self.state == INF).reshape(self.replicas, self.n_side, self.n_side).astype(float)


class CellSheetSubmodel(Submodel):
    """A :class:`CellSheet` inside a coupler: imports interferon, exports its secretion.

    Over each step ``[t0, t1]`` every susceptible cell is protected at the rate
    ``k_protect x / (1 + x)``, ``x = (c(t0) / k_half)^hill``, from the interferon
    density ``c`` at its own position at the start of the step (the sheet's events
    are exact within the step); producing cells secrete ``secretion`` molecules/s
    each, spread over their cell.

    Parameters
    ----------
    sheet : CellSheet
        Advanced in place (the caller keeps reading it).
    dt : float
        Step (s): the sheet reads the field once per step.
    secretion : float
        Interferon molecules secreted per producing cell per second (1/s).
    spacing : float
        Cell size (m).
    k_protect : float
        Maximal protection rate (1/s); 0 switches protection off.
    k_half : float
        Interferon density of half-maximal protection (1/m^2).
    hill : float
        Hill coefficient of the response.
    name : str
        Instance name in the coupler.
    """

    imports = (Port("ifn", "1/m^2", None, "interferon density on the sheet"),)
    exports = (Port("source", "1/(m^2*s)", None, "interferon secretion density"),)
    explicit = False

    def __init__(self, sheet: CellSheet, dt: float, *, secretion: float, spacing: float,
                 k_protect: float, k_half: float, hill: float = 1.0,
                 name: str = "cells") -> None:
        super().__init__(name, dt)
        self.hill = hill
        self.sheet, self.secretion, self.h = sheet, secretion, spacing
        self.k_protect, self.k_half = k_protect, k_half

    def export(self) -> dict[str, Any]:
        """The secretion density (1/(m^2 s)), shape (replicas, n_side, n_side)."""
        return {"source": self.sheet.producing_grid() * (self.secretion / self.h**2)}

    def state(self) -> dict[str, Any]:
        """The sheet's snapshot, the clock and the work counter."""
        return {"sheet": self.sheet.snapshot(), "t": self.t, "work": self.work}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Put a :meth:`state` back; the sheet in place (the caller holds it)."""
        self.sheet.restore_snapshot(state["sheet"])
        self.t, self.work = state["t"], state["work"]

    def advance(self, t0: float, t1: float, boundary: Mapping[str, Waveform]) -> None:
        """Exact SSA of every replica over ``[t0, t1]``; work counts events."""
        c = np.asarray(boundary["ifn"](t0)).reshape(self.sheet.replicas, -1)
        if self.k_protect > 0:
            x = (c / self.k_half) ** self.hill
            prot = self.k_protect * x / (1.0 + x)
        else:
            prot = None
        before = int(self.sheet.events.sum())
        self.sheet.advance(t0, t1, prot)
        self.work += int(self.sheet.events.sum()) - before


class InfectedFractionRecorder:
    """The infected fraction of a sheet at t = 0 and every later call, checkpointable.

    Use it as a coupler's ``observe`` (it keeps its records through a checkpoint), or
    call it after each step of a sheet advanced alone.

    Attributes
    ----------
    times : list of float
        Record times (s).
    frac : list of ndarray
        :meth:`CellSheet.infected_fraction` at those times, one array per record.
    """

    def __init__(self, sheet: CellSheet) -> None:
        self.sheet = sheet
        self.times: list[float] = [0.0]
        self.frac: list[np.ndarray] = [sheet.infected_fraction().copy()]

    def __call__(self, t: float, _coupler: Any = None) -> None:
        if t > 0:
            self.times.append(t)
            self.frac.append(self.sheet.infected_fraction().copy())

    def state(self) -> dict[str, list]:
        """A copy of the records (what a checkpoint holds)."""
        return {"times": list(self.times), "frac": [f.copy() for f in self.frac]}

    def restore(self, state: Mapping[str, list]) -> None:
        """Put :meth:`state` back."""
        self.times, self.frac = list(state["times"]), list(state["frac"])

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(times (n,), fraction (n, replicas))``."""
        return np.asarray(self.times), np.asarray(self.frac)
