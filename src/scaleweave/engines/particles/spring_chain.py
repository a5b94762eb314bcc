"""A 1D chain of masses and springs with fixed ends: exact modes and velocity Verlet.

The chain has ``n`` masses and ``n + 1`` springs; spring ``j`` joins mass ``j - 1``
and mass ``j`` (mass ``-1`` and mass ``n`` are the fixed walls). Displacements ``x``
(m), velocities ``v`` (m/s), masses ``m`` (kg), stiffnesses ``k`` (N/m).

It is the proving ground of the multi-rate coupler (the essay's crack: fast bonds at
the tip, a slow medium around it): the exact solution by normal modes gives the
error of any integrator, and the largest eigenfrequency gives velocity Verlet's
stability limit ``dt_crit = 2 / omega_max``.

:class:`ChainSegment` is a contiguous block of the chain as a coupler
:class:`~scaleweave.core.coupler.Submodel`, importing its neighbours' displacements.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.linalg import eigh_tridiagonal

from scaleweave.core.coupler import Submodel
from scaleweave.core.model import Port
from scaleweave.core.waveform import Waveform
from scaleweave.errors import ModelError

__all__ = [
    "ChainSegment",
    "build_chain",
    "chain_energy",
    "chain_forces",
    "chain_modes",
    "max_frequency",
    "modal_solution",
    "verlet",
    "verlet_energy_error_bound",
    "verlet_growth_factor",
]


def _scaled_tridiagonal(m: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal and off-diagonal of M^-1/2 K M^-1/2 for fixed ends."""
    s = 1.0 / np.sqrt(m)
    diag = (k[:-1] + k[1:]) * s * s
    off = -k[1:-1] * s[:-1] * s[1:]
    return diag, off


def chain_modes(m: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Angular frequencies (rad/s) and mass-normalised mode shapes of the chain.

    Returns
    -------
    omega : ndarray, shape (n,)
        Ascending eigenfrequencies.
    phi : ndarray, shape (n, n)
        Columns are modes with ``phi.T @ M @ phi = I``.
    """
    diag, off = _scaled_tridiagonal(m, k)
    lam, u = eigh_tridiagonal(diag, off)
    return np.sqrt(np.clip(lam, 0.0, None)), u / np.sqrt(m)[:, None]


def max_frequency(m: np.ndarray, k: np.ndarray) -> float:
    """Largest angular frequency (rad/s) of the chain (fixed ends).

    Examples
    --------
    A uniform chain has ``omega_max = 2 sqrt(k/m) sin(n pi / (2 (n + 1)))``:

    >>> n = 10
    >>> w = max_frequency(np.ones(n), np.ones(n + 1))
    >>> bool(abs(w - 2 * np.sin(n * np.pi / (2 * (n + 1)))) < 1e-12)
    True
    """
    diag, off = _scaled_tridiagonal(m, k)
    lam = eigh_tridiagonal(diag, off, eigvals_only=True, select="i",
                           select_range=(len(m) - 1, len(m) - 1))
    return float(np.sqrt(lam[-1]))


def modal_solution(
    m: np.ndarray, k: np.ndarray, x0: np.ndarray, v0: np.ndarray, t: float
) -> tuple[np.ndarray, np.ndarray]:
    """Exact displacement and velocity at time ``t`` (s) from ``x0``, ``v0``."""
    omega, phi = chain_modes(m, k)
    q0 = phi.T @ (m * x0)
    p0 = phi.T @ (m * v0)
    w = np.where(omega > 0, omega, 1.0)
    c, s = np.cos(omega * t), np.sin(omega * t)
    q = q0 * c + np.where(omega > 0, p0 / w * s, p0 * t)
    p = -q0 * omega * s + p0 * c
    return phi @ q, phi @ p


def chain_forces(x: np.ndarray, k: np.ndarray, left: float = 0.0, right: float = 0.0,
                 out: np.ndarray | None = None) -> np.ndarray:
    """Spring forces (N) on a block of masses given neighbour displacements.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Displacements (m) of the block.
    k : ndarray, shape (n + 1,)
        Stiffness (N/m) of the springs: to the left neighbour, inside, to the right one.
    left, right : float
        Displacement (m) of the left and right neighbours (0 for a wall).
    """
    ext = np.empty(x.size + 2)
    ext[0], ext[1:-1], ext[-1] = left, x, right
    tension = k * np.diff(ext)
    if out is None:
        return tension[1:] - tension[:-1]
    np.subtract(tension[1:], tension[:-1], out=out)
    return out


def chain_energy(m: np.ndarray, k: np.ndarray, x: np.ndarray, v: np.ndarray) -> float:
    """Total energy (J): kinetic plus spring energy, walls fixed."""
    ext = np.concatenate(([0.0], x, [0.0]))
    return float(0.5 * np.dot(m, v * v) + 0.5 * np.dot(k, np.diff(ext) ** 2))


def verlet(
    m: np.ndarray,
    k: np.ndarray,
    x0: np.ndarray,
    v0: np.ndarray,
    dt: float,
    n_steps: int,
    *,
    record_every: int = 0,
    blowup: float = 1e150,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Single-rate velocity Verlet for the whole chain (walls fixed).

    Parameters
    ----------
    dt : float
        Step (s). No stability check: this is the plain integrator, used to show
        where it fails.
    n_steps : int
        Number of steps.
    record_every : int
        Record the energy every this many steps (0: only at the end).
    blowup : float
        Stop early once the energy exceeds this (J), so an unstable run cannot overflow.

    Returns
    -------
    x, v : ndarray
        Final state.
    energy : ndarray, shape (n_records + 1,)
        Energy (J) at t=0 and at each record.
    """
    x, v = x0.astype(float).copy(), v0.astype(float).copy()
    inv_m = 1.0 / m
    a = chain_forces(x, k) * inv_m
    energies = [chain_energy(m, k, x, v)]
    half = 0.5 * dt
    for step in range(1, n_steps + 1):
        v += half * a
        x += dt * v
        chain_forces(x, k, out=a)
        a *= inv_m
        v += half * a
        if (record_every and step % record_every == 0) or step == n_steps:
            energies.append(chain_energy(m, k, x, v))
            if not energies[-1] < blowup:
                break
    return x, v, np.asarray(energies)


def build_chain(n: int, stiff_fraction: float, ratio: float, mass: float, k0: float
                ) -> tuple[np.ndarray, np.ndarray, slice]:
    """Masses (kg), springs (N/m) and the slice of stiff springs (centred block)."""
    n_springs = n + 1
    n_stiff = round(stiff_fraction * n_springs)
    start = (n_springs - n_stiff) // 2
    k = np.full(n_springs, k0)
    k[start:start + n_stiff] *= ratio
    return np.full(n, mass), k, slice(start, start + n_stiff)


def verlet_growth_factor(theta: float) -> float:
    """Spectral radius of velocity Verlet's amplification matrix for ``omega dt = theta``.

    1 for ``theta <= 2`` (stable); above, the larger root of
    ``lambda**2 - (2 - theta**2) lambda + 1 = 0`` in magnitude.
    """
    b = 2.0 - theta * theta
    if abs(b) <= 2.0:
        return 1.0
    return (abs(b) + math.sqrt(b * b - 4.0)) / 2.0


def verlet_energy_error_bound(m: np.ndarray, k: np.ndarray, x0: np.ndarray, h: float
                              ) -> float:
    """Relative energy error bound of Verlet with step ``h`` from rest at ``x0``.

    For one harmonic mode Verlet conserves a modified energy and the true energy stays
    within a fraction ``(omega h)**2 / 4`` of it; weighting by the modal energies of
    the initial state bounds the whole chain's relative error.
    """
    omega, phi = chain_modes(m, k)
    q0 = phi.T @ (m * x0)
    e_modes = 0.5 * (omega * q0) ** 2
    return float(np.sum(e_modes * (omega * h) ** 2 / 4.0) / np.sum(e_modes))


class ChainSegment(Submodel):
    """A contiguous block of the chain, time-stepped by velocity Verlet.

    Its neighbours are walls or other segments: a neighbouring segment's boundary
    displacement arrives through the imports ``x_left`` / ``x_right`` and the block
    offers its end displacements as ``x_first`` / ``x_last``.

    Parameters
    ----------
    name : str
        Submodel name.
    m : ndarray, shape (n,)
        Masses (kg) of the block.
    k : ndarray, shape (n + 1,)
        Springs (N/m): to the left neighbour, inside, to the right neighbour.
    x0, v0 : ndarray, shape (n,)
        Initial displacement (m) and velocity (m/s).
    dt : float
        Own step (s).
    left_wall, right_wall : bool
        Whether that neighbour is a fixed wall (then there is no import).
    offset : int
        Index of the block's first mass in the whole chain.
    """

    exports = (Port("x_first", "m", description="displacement of the first mass"),
               Port("x_last", "m", description="displacement of the last mass"))

    def __init__(self, name: str, m: np.ndarray, k: np.ndarray, x0: np.ndarray,
                 v0: np.ndarray, dt: float, *, left_wall: bool, right_wall: bool,
                 offset: int = 0) -> None:
        super().__init__(name, dt)
        self.m, self.k = np.asarray(m, float), np.asarray(k, float)
        self.inv_m = 1.0 / self.m
        self.x, self.v = np.asarray(x0, float).copy(), np.asarray(v0, float).copy()
        self.left_wall, self.right_wall, self.offset = left_wall, right_wall, offset
        self.imports = tuple(
            p for p, wall in ((Port("x_left", "m"), left_wall), (Port("x_right", "m"), right_wall))
            if not wall
        )
        self.a: np.ndarray | None = None  # acceleration at self.t, once known
        self.pending = False  # last half-kick waits for partners' values at the macro end
        # Preallocated buffers: displacement with ghost neighbours, and spring tensions.
        self._ext = np.zeros(self.m.size + 2)
        self._tension = np.empty(self.m.size + 1)
        self._acc = np.empty(self.m.size)
        self._tmp = np.empty(self.m.size)
        self._views = (self._ext[1:-1], self._ext[1:], self._ext[:-1],
                       self._tension[1:], self._tension[:-1])

    def stability_limit(self) -> float:
        """``2 / omega_max`` of the block with its neighbours held fixed (s)."""
        return 2.0 / max_frequency(self.m, self.k)

    def stability_formula(self) -> str:
        return "2/omega_max of the block with neighbours fixed"

    def export(self) -> dict[str, Any]:
        return {"x_first": self.x[0], "x_last": self.x[-1]}

    def export_rate(self) -> dict[str, Any]:
        return {"x_first": self.v[0], "x_last": self.v[-1]}

    def _accel(self, left: float, right: float) -> np.ndarray:
        ext, ten, a = self._ext, self._tension, self._acc
        inner, ext_hi, ext_lo, ten_hi, ten_lo = self._views
        ext[0], inner[:], ext[-1] = left, self.x, right
        np.subtract(ext_hi, ext_lo, out=ten)
        ten *= self.k
        np.subtract(ten_hi, ten_lo, out=a)
        a *= self.inv_m
        return a

    def _neighbours(self, boundary: Mapping[str, Any], t: float | None) -> tuple[float, float]:
        def read(port: str, wall: bool) -> float:
            if wall:
                return 0.0
            src = boundary[port]
            return src(t) if t is not None else src
        return read("x_left", self.left_wall), read("x_right", self.right_wall)

    def advance(self, t0: float, t1: float, boundary: Mapping[str, Waveform]) -> None:
        """Velocity Verlet substeps from ``t0`` to ``t1``.

        The closing half-kick of the last substep needs the neighbours at ``t1``; if a
        neighbour has not advanced yet it is done in :meth:`synchronize` instead.
        """
        n_sub = round((t1 - t0) / self.dt)
        h = (t1 - t0) / n_sub
        if self.a is None:
            self.a = self._accel(*self._neighbours(boundary, t0))
        # Waveforms cover an interval from t0: covering t1 means covering every substep.
        reaches_end = True
        for w in boundary.values():
            if not w.covers(t1):
                reaches_end = False
        if not reaches_end and n_sub > 1:
            raise ModelError(
                f"submodel {self.name!r} would need a partner's state inside the macro step "
                f"before that partner advanced: give it one step per macro step or "
                f"advance the partner first"
            )
        wl = None if self.left_wall else boundary["x_left"]
        wr = None if self.right_wall else boundary["x_right"]
        half = 0.5 * h
        x, v, tmp, mul = self.x, self.v, self._tmp, np.multiply
        for j in range(n_sub):
            t_next = t0 + (j + 1) * h
            v += mul(self.a, half, out=tmp)
            x += mul(v, h, out=tmp)
            if reaches_end:
                self.a = self._accel(0.0 if wl is None else wl.at(t_next),
                                     0.0 if wr is None else wr.at(t_next))
                v += mul(self.a, half, out=tmp)
            else:
                self.pending = True
                self._h_pending = h
        self.work += n_sub * self.m.size

    def state(self) -> dict[str, Any]:
        """Positions, velocities, the pending acceleration, clock and counters.

        Only the dynamic state: the work buffers are views of one another, which a
        generic deep copy would break.
        """
        return {"x": self.x.copy(), "v": self.v.copy(),
                "a": None if self.a is None else np.array(self.a), "t": self.t,
                "work": self.work, "pending": self.pending,
                "h_pending": getattr(self, "_h_pending", None)}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Put :meth:`state` back into this segment's own arrays."""
        self.x[...] = state["x"]
        self.v[...] = state["v"]
        if state["a"] is None:
            self.a = None
        else:
            self._acc[...] = state["a"]
            self.a = self._acc
        self.t, self.work, self.pending = state["t"], state["work"], state["pending"]
        if state["h_pending"] is not None:
            self._h_pending = state["h_pending"]

    def synchronize(self, t1: float, boundary: Mapping[str, Any]) -> None:
        if self.pending:
            self.a = self._accel(0.0 if self.left_wall else boundary["x_left"],
                                 0.0 if self.right_wall else boundary["x_right"])
            self.v += np.multiply(self.a, 0.5 * self._h_pending, out=self._tmp)
            self.pending = False
