"""The two Lippmann–Schwinger solvers of the FFT homogenization engine and their result.

``"basic"`` is the Moulinec–Suquet fixed point ``e <- e - Gamma0 * sigma(e)``;
``"cg"`` conjugate gradients on the Galerkin form ``P[C e~] = -P[C E]`` (Zeman et
al. 2010). Both stop on the residual ``||P[sigma]|| / ||sigma||``, the share of the
flux or stress field that is not divergence-free; its final value per load case is the
result's validity diagnostic (:func:`residual_validity`). The checks of the phase
labels and per-phase values the conductivity and elasticity problems share are here
too. See :mod:`scaleweave.engines.continuum.fft_homogenization` for the method.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from scaleweave.core.checks import Validity
from scaleweave.engines.continuum.fft_green import field_dot, field_rms
from scaleweave.errors import ConfigError

__all__ = ["HomogenizationResult", "check_grid", "phase_values", "residual_validity", "solve"]

Scheme = Literal["basic", "cg"]


@dataclass(frozen=True)
class HomogenizationResult:
    """Effective properties, local fields and convergence record of one RVE.

    Attributes
    ----------
    effective : ndarray
        Conductivity: ``(d, d)`` tensor, same unit as the phases. Elasticity:
        ``(m, m)`` stiffness in Mandel notation (``m = 3`` in 2D, 6 in 3D), Pa.
    fields, fluxes : ndarray
        Per load case, the local gradient and flux (conductivity: shape
        ``(n_loads, d, *grid)``) or strain and stress (``(n_loads, d, d, *grid)``).
        Load ``j`` is the ``j``-th unit gradient / Mandel basis strain; for
        elasticity with eigenstrain, the last load is ``E = 0`` with the eigenstrain.
    iterations : tuple of int
        Iterations per load case.
    residuals : tuple of ndarray
        Residual history per load case (first entry: the starting field).
    tolerance : float
        The requested residual.
    scheme, discretization : str
        Solver and Green-operator discretisation used.
    effective_eigenstrain : ndarray or None
        ``(d, d)`` tensor ``eps*`` with ``<sigma> = C* (E - eps*)`` (elasticity with
        an eigenstrain only).
    validity : list of Validity
        The convergence diagnostic: the worst final residual over the load cases
        against ``tolerance`` (:func:`residual_validity`). Recorded, never warned:
        the caller's ``validity`` policy decides.
    """

    effective: np.ndarray
    fields: np.ndarray
    fluxes: np.ndarray
    iterations: tuple[int, ...]
    residuals: tuple[np.ndarray, ...]
    tolerance: float
    scheme: str
    discretization: str
    effective_eigenstrain: np.ndarray | None = None
    validity: list[Validity] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        """Whether every load case reached the tolerance."""
        return all(v.ok for v in self.validity)


def solve(
    E: np.ndarray,
    ndim: int,
    stress: Callable[[np.ndarray], np.ndarray],
    linear: Callable[[np.ndarray], np.ndarray],
    gamma_ref: Callable[[np.ndarray], np.ndarray],
    project: Callable[[np.ndarray], np.ndarray],
    scheme: Scheme,
    tol: float,
    maxiter: int,
) -> tuple[np.ndarray, int, np.ndarray]:
    """Solve one load case; return field, iterations, residual history.

    Parameters
    ----------
    E : ndarray
        The macroscopic field broadcast to the grid.
    ndim : int
        Grid dimension.
    stress, linear : callable
        The local constitutive law (with eigenstrain) and its linear part ``C e``.
    gamma_ref, project : callable
        The reference-medium Green operator (basic scheme) and the projection ``P``
        onto compatible fields.
    scheme : {"basic", "cg"}
        The solver.
    tol : float
        Residual ``||P sigma|| / ||sigma||`` at which to stop.
    maxiter : int
        Iteration cap.

    Returns
    -------
    e : ndarray
        The local field.
    iterations : int
    history : ndarray
        Residual per iteration (first entry: the starting field; last: the true
        residual of ``e``).
    """
    def residual(e: np.ndarray) -> tuple[float, np.ndarray]:
        s = stress(e)
        ps = project(s)
        den = field_rms(s, ndim)
        return (field_rms(ps, ndim) / den if den > 0 else 0.0), ps

    e = np.array(E, dtype=float)
    res, ps = residual(e)
    history = [res]
    it = 0
    if scheme == "basic":
        while res > tol and it < maxiter:
            e = e - gamma_ref(stress(e))
            it += 1
            res, _ = residual(e)
            history.append(res)
        return e, it, np.asarray(history)
    if scheme != "cg":
        raise ConfigError(f"scheme must be 'basic' or 'cg', not {scheme!r}")
    # CG on P C x = -P sigma(E); residual vector r = -P sigma(E + x); e holds E + x
    r = ps
    r *= -1.0
    del ps
    p = r.copy()
    rr = field_dot(r, r)
    s_cur = stress(e)  # sigma(E + x), updated as x moves: sigma is affine in the strain
    while res > tol and it < maxiter:
        lp = linear(p)
        ap = project(lp)
        alpha = rr / field_dot(p, ap)
        e += alpha * p  # e = E + x, updated in place (E is constant)
        s_cur += alpha * lp
        r -= alpha * ap
        del lp, ap  # freed before the next iteration allocates its own
        rr_new = field_dot(r, r)
        p *= rr_new / rr
        p += r
        rr = rr_new
        it += 1
        s_norm = field_rms(s_cur, ndim)
        res = float(np.sqrt(rr / np.prod(e.shape[-ndim:]))) / s_norm if s_norm > 0 else 0.0
        history.append(res)
    del r, p, s_cur  # free the Krylov vectors before the final check
    res, _ = residual(e)  # the true residual, not the recurrence
    history[-1] = res
    return e, it, np.asarray(history)


def residual_validity(histories: Sequence[np.ndarray], tol: float, what: str) -> list[Validity]:
    """The convergence diagnostic: worst final residual over the load cases vs ``tol``.

    Parameters
    ----------
    histories : sequence of ndarray
        Residual history per load case (:func:`solve`).
    tol : float
        The requested residual (the limit).
    what : str
        ``"flux"`` or ``"stress"``, for the diagnostic's name.

    Returns
    -------
    list of Validity
        One entry; its name says what a failure means (the FFT homogenization did
        not converge) and what to do (raise ``maxiter`` or use ``scheme="cg"``).
    """
    worst = max(float(h[-1]) for h in histories)
    return [Validity("fft_homogenization",
                     f"{what} equilibrium residual ||P sigma||/||sigma|| (above the "
                     f"tolerance: FFT homogenization did not converge; raise maxiter or use "
                     f"scheme='cg')", worst, tol)]


def phase_values(phases: np.ndarray, values: Sequence[float], name: str) -> np.ndarray:
    """Per-voxel property from per-phase values; ConfigError if a phase has none."""
    vals = np.asarray(values, dtype=float).ravel()
    lo, hi = int(phases.min()), int(phases.max())
    if lo < 0 or hi >= vals.size:
        raise ConfigError(f"phase {hi if hi >= vals.size else lo} has no {name}: "
                          f"{vals.size} values given for phases 0..{hi}")
    if not np.all(np.isfinite(vals)) or np.any(vals <= 0):
        raise ConfigError(f"{name} must be positive and finite, got {vals.tolist()}")
    return vals[phases]


def check_grid(phases: np.ndarray) -> np.ndarray:
    """``phases`` as an array; ConfigError unless it is a 2D or 3D integer label grid."""
    phases = np.asarray(phases)
    if phases.ndim not in (2, 3) or not np.issubdtype(phases.dtype, np.integer):
        raise ConfigError(f"phases must be a 2D or 3D integer label array, got "
                          f"dtype {phases.dtype} with shape {phases.shape}")
    return phases
