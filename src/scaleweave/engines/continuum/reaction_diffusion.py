"""A deterministic reaction-diffusion field on a regular grid (1D, 2D or 3D).

Solves ``dc/dt = D lap(c) - k c + s(x, t)`` for a concentration ``c`` (any unit per
volume), diffusivity ``D`` (m^2/s), first-order decay ``k`` (1/s) and a source
density ``s`` (unit per volume per second): the essay's cytokine cloud released by
infected cells, dense enough for a continuum.

Two time integrators, neither limited by the explicit diffusion condition
``dt < h^2 / (2 d D)``:

* ``"spectral"`` (periodic boundaries): the exact exponential integrator in Fourier
  space, ``c_hat <- exp(-(D |q|^2 + k) dt) c_hat + (1 - exp(...)) / (D |q|^2 + k) s_hat``,
  exact for a source held constant over the step; the Laplacian is the spectral one.
* ``"implicit"`` (zero-flux or fixed-zero boundaries): backward Euler with a compact
  isotropic Laplacian, factorised once per step size (sparse LU). The stencil is the
  standard one plus ``(h^2/6)`` times the products of the 1D second differences
  (9 points in 2D, 19 in 3D): its leading error is isotropic, so a point source's
  field has no ``cos(4 theta)`` lattice artefact (0.3% instead of 1.8% at 1-2 cells).
  The spectral Laplacian of the periodic integrator rings around a point source
  (about 1% at 2 cells); smooth sources do not ring.

:meth:`ReactionDiffusion.steady` solves ``(k - D lap) c = s`` directly.
:class:`ReactionDiffusionSubmodel` puts independent copies of one field (one per
replica of a stochastic partner) inside a :class:`~scaleweave.core.coupler.Coupler`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.fft as sfft
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from scaleweave.core.coupler import Submodel
from scaleweave.core.model import Port
from scaleweave.core.waveform import Waveform
from scaleweave.errors import ConfigError

__all__ = ["ReactionDiffusion", "ReactionDiffusionSubmodel"]

_BOUNDARIES = ("periodic", "neumann", "dirichlet")
_DIRECT_MAX = 60_000  # unknowns: sparse LU below (2D grids), Jacobi-CG above (3D grids)


@dataclass
class ReactionDiffusion:
    """Diffusion with linear decay and sources on a uniform grid.

    Parameters
    ----------
    shape : tuple of int
        Cells per axis (1 to 3 axes).
    spacing : float
        Cell size h (m), the same on every axis.
    diffusivity : float
        D (m^2/s), > 0.
    decay : float
        k (1/s), >= 0 (k = 0 with periodic boundaries has no steady state).
    boundary : {"periodic", "neumann", "dirichlet"}
        Periodic (spectral integrator), zero flux, or zero value outside the box.
    """

    shape: tuple[int, ...]
    spacing: float
    diffusivity: float
    decay: float = 0.0
    boundary: str = "periodic"
    _factor: dict[float, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.shape = tuple(int(n) for n in self.shape)
        if not 1 <= len(self.shape) <= 3 or min(self.shape) < 2:
            raise ConfigError(f"reaction-diffusion grid {self.shape}: need 1 to 3 axes of at "
                              f"least 2 cells")
        if not self.spacing > 0:
            raise ConfigError(f"grid spacing must be positive, got {self.spacing} m")
        if not self.diffusivity > 0:
            raise ConfigError(f"diffusivity must be positive, got {self.diffusivity} m^2/s")
        if not self.decay >= 0:
            raise ConfigError(f"decay rate must be >= 0, got {self.decay} 1/s")
        if self.boundary not in _BOUNDARIES:
            raise ConfigError(f"unknown boundary {self.boundary!r}; choose from {_BOUNDARIES}")

    @property
    def ndim(self) -> int:
        """Number of space dimensions."""
        return len(self.shape)

    @property
    def decay_length(self) -> float:
        """lambda = sqrt(D / k) (m); infinite without decay."""
        return float(np.sqrt(self.diffusivity / self.decay)) if self.decay > 0 else np.inf

    def coordinates(self) -> list[np.ndarray]:
        """Cell-centre coordinates (m) along each axis."""
        return [(np.arange(n) + 0.5) * self.spacing for n in self.shape]

    # -- spectral (periodic) ---------------------------------------------------------
    @cached_property
    def _q2(self) -> np.ndarray:
        """|q|^2 of the real-FFT grid (1/m^2)."""
        axes = [2 * np.pi * sfft.fftfreq(n, d=self.spacing) for n in self.shape[:-1]]
        axes.append(2 * np.pi * sfft.rfftfreq(self.shape[-1], d=self.spacing))
        grids = np.meshgrid(*axes, indexing="ij")
        return sum(g * g for g in grids)

    def _spectral_step(self, c: np.ndarray, source: np.ndarray | None, dt: float
                       ) -> np.ndarray:
        rate = self.diffusivity * self._q2 + self.decay
        growth = np.exp(-rate * dt)
        c_hat = sfft.rfftn(c, workers=-1) * growth
        if source is not None:
            # (1 - e^{-r dt}) / r, with its limit dt at r = 0
            with np.errstate(divide="ignore", invalid="ignore"):
                gain = np.where(rate > 0, -np.expm1(-rate * dt) / rate, dt)
            c_hat += sfft.rfftn(source, workers=-1) * gain
        return sfft.irfftn(c_hat, s=self.shape, workers=-1)

    # -- finite volume (zero-flux / zero-value) ---------------------------------------
    def _second_difference(self, n: int) -> sp.csr_matrix:
        main = -2.0 * np.ones(n)
        if self.boundary == "neumann":
            main[0] = main[-1] = -1.0  # zero flux through the outer faces
        off = np.ones(n - 1)
        lap = sp.diags([off, main, off], [-1, 0, 1], format="lil")
        if self.boundary == "periodic":
            lap[0, -1] = lap[-1, 0] = 1.0
        return lap.tocsr() / self.spacing**2

    def _on_axes(self, ops: dict[int, sp.csr_matrix]) -> sp.csr_matrix:
        """Kronecker product with ``ops[axis]`` on the given axes, identity elsewhere."""
        out = None
        for j, n in enumerate(self.shape):
            factor = ops.get(j, sp.identity(n, format="csr"))
            out = factor if out is None else sp.kron(out, factor, format="csr")
        return out

    @cached_property
    def laplacian(self) -> sp.csc_matrix:
        """The compact isotropic Laplacian (1/m^2) on the flattened grid (sparse)."""
        d2 = [self._second_difference(n) for n in self.shape]
        total = sum(self._on_axes({a: d2[a]}) for a in range(self.ndim))
        for a in range(self.ndim):
            for b in range(a + 1, self.ndim):  # isotropy correction, (h^2/6) d2_a d2_b
                total = total + self._on_axes({a: d2[a], b: d2[b]}) * (self.spacing**2 / 6)
        return total.tocsc()

    def _solver(self, a: sp.csc_matrix):
        """A solver for the SPD system ``a``: sparse LU when small, else Jacobi-CG."""
        if a.shape[0] <= _DIRECT_MAX:
            return spla.factorized(a.tocsc())
        inv_diag = sp.diags(1.0 / a.diagonal())

        def solve(rhs: np.ndarray) -> np.ndarray:
            x, info = spla.cg(a, rhs, rtol=1e-11, atol=0.0, M=inv_diag, maxiter=10_000)
            if info != 0:
                raise ConfigError(f"reaction-diffusion solve did not converge ({info})")
            return x

        return solve

    def _implicit_step(self, c: np.ndarray, source: np.ndarray | None, dt: float
                       ) -> np.ndarray:
        solve = self._factor.get(dt)
        if solve is None:
            n = self.laplacian.shape[0]
            a = sp.identity(n, format="csc") * (1 + dt * self.decay) - dt * (
                self.diffusivity * self.laplacian)
            solve = self._factor[dt] = self._solver(a.tocsc())
        rhs = c.ravel() + (dt * source.ravel() if source is not None else 0.0)
        return solve(rhs).reshape(self.shape)

    # -- public -------------------------------------------------------------------------
    def step(self, c: np.ndarray, dt: float, source: np.ndarray | None = None) -> np.ndarray:
        """Advance the field ``c`` by ``dt`` (s) with ``source`` held constant over the step.

        Unconditionally stable: ``dt`` is set by accuracy, not by ``h^2 / D``.
        """
        if not dt > 0:
            raise ConfigError(f"time step must be positive, got {dt} s")
        c = np.asarray(c, dtype=float)
        if c.shape != self.shape:
            raise ConfigError(f"field of shape {c.shape} does not match the grid {self.shape}")
        if self.boundary == "periodic":
            return self._spectral_step(c, source, dt)
        return self._implicit_step(c, source, dt)

    def steady(self, source: np.ndarray) -> np.ndarray:
        """The steady field of a constant ``source``: ``(k - D lap) c = s``."""
        source = np.asarray(source, dtype=float)
        if self.decay == 0 and self.boundary != "dirichlet":
            raise ConfigError("no steady state without decay on a closed (periodic or "
                              "zero-flux) domain: the amount grows without bound")
        if self.boundary == "periodic":
            rate = self.diffusivity * self._q2 + self.decay
            return sfft.irfftn(sfft.rfftn(source, workers=-1) / rate, s=self.shape, workers=-1)
        n = self.laplacian.shape[0]
        a = sp.identity(n, format="csc") * self.decay - self.diffusivity * self.laplacian
        return self._solver(a.tocsc())(source.ravel()).reshape(self.shape)


class ReactionDiffusionSubmodel(Submodel):
    """``replicas`` independent fields of one :class:`ReactionDiffusion` in a coupler.

    Each step of the coupler is cut into steps of about ``dt``; each reads the
    imported ``source`` at its midpoint (interpolated in time by the coupler), or at
    the start of the macro step where the source is known only there. The fields
    start at zero.

    Parameters
    ----------
    rd : ReactionDiffusion
        The grid and the operator (its factorisation is kept across steps).
    replicas : int
        Independent fields, one per replica of the partner.
    dt : float
        Field step (s).
    name : str
        Instance name in the coupler.
    field : str
        Name of the exported field (and of its port).
    unit : str
        Unit of the field; the imported ``source`` is in ``unit`` per second.
    """

    explicit = False

    def __init__(self, rd: ReactionDiffusion, replicas: int, dt: float, *,
                 name: str = "field", field: str = "c", unit: str = "1/m^3") -> None:
        super().__init__(name, dt)
        self.rd, self.field = rd, field
        self.imports = (Port("source", f"({unit})/s", None, "source density"),)
        self.exports = (Port(field, unit, None, "the field on every replica's grid"),)
        self.c = np.zeros((replicas, *rd.shape))

    def export(self) -> dict[str, Any]:
        """The fields, shape ``(replicas, *grid)``."""
        return {self.field: self.c}

    def state(self) -> dict[str, Any]:
        """A copy of the fields, the clock and the work counter."""
        return {"c": self.c.copy(), "t": self.t, "work": self.work}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Put a :meth:`state` back, in place."""
        self.c[...] = state["c"]
        self.t, self.work = state["t"], state["work"]

    def advance(self, t0: float, t1: float, boundary: Mapping[str, Waveform]) -> None:
        """Implicit steps of every field over ``[t0, t1]``; work counts field steps."""
        n = max(1, round((t1 - t0) / self.dt))
        dt = (t1 - t0) / n
        src = boundary["source"]
        for m in range(n):
            s = src(t0 + (m + 0.5) * dt) if src.covers(t0 + (m + 0.5) * dt) else src(t0)
            for k in range(self.c.shape[0]):
                self.c[k] = self.rd.step(self.c[k], dt, s[k])
            self.work += self.c.shape[0]
