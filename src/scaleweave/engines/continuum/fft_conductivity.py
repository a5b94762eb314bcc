"""Effective conductivity of a periodic pixel/voxel RVE by FFT homogenization.

The scalar cell problem (heat, electric or any diffusive conductivity) on the
discretisation of :mod:`scaleweave.engines.continuum.fft_green`, solved by
:func:`~scaleweave.engines.continuum.fft_solver.solve`; the method is described in
:mod:`scaleweave.engines.continuum.fft_homogenization`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scaleweave.core.checks import apply_validity_policy, check_policy
from scaleweave.engines.continuum.fft_green import (
    Discretization,
    forward_fft,
    frequency_vectors,
    inverse_fft,
    spatial_axes,
)
from scaleweave.engines.continuum.fft_solver import (
    HomogenizationResult,
    Scheme,
    check_grid,
    phase_values,
    residual_validity,
    solve,
)

__all__ = ["effective_conductivity"]


def effective_conductivity(
    phases: np.ndarray,
    conductivity: Sequence[float],
    *,
    scheme: Scheme = "cg",
    discretization: Discretization = "rotated",
    tol: float = 1e-8,
    maxiter: int = 5000,
    keep_fields: bool = True,
    workers: int = 1,
    validity: str = "record",
) -> HomogenizationResult:
    """Effective conductivity tensor of a periodic pixel/voxel RVE.

    Parameters
    ----------
    phases : ndarray of int, 2D or 3D
        Phase label of each pixel/voxel.
    conductivity : sequence of float
        Isotropic conductivity of phase ``i`` at index ``i`` (any unit, e.g.
        W/(m K)); every label must have one, all positive.
    scheme : {"cg", "basic"}
        Conjugate gradients (Galerkin form) or the Moulinec–Suquet fixed point.
    discretization : {"rotated", "fourier"}
        Green-operator discretisation (see
        :mod:`scaleweave.engines.continuum.fft_homogenization`).
    tol : float
        Residual ``||P q|| / ||q||`` at which to stop.
    maxiter : int
        Iteration cap per load case.
    keep_fields : bool
        Return the local gradient and flux fields (else empty arrays).
    workers : int
        Threads per FFT (``scipy.fft`` ``workers``; -1: all cores). One is fastest
        for the small grids of an RVE on shared cores; more pays from ~256^3.
    validity : {"record", "warn", "raise"}
        What a residual above ``tol`` does: only recorded in ``result.validity``
        (``result.converged`` is False); also a
        :class:`~scaleweave.errors.ValidityWarning`; or a
        :class:`~scaleweave.errors.ValidityError`
        (:func:`~scaleweave.core.checks.apply_validity_policy`).

    Returns
    -------
    HomogenizationResult
        ``effective[i, j] = <q_i>`` for the unit macroscopic gradient ``e_j``.

    Examples
    --------
    A laminate normal to axis 0 gives the harmonic mean across and the mean along:

    >>> lam = np.repeat(np.array([0, 1])[:, None], 8, axis=1).repeat(4, axis=0)
    >>> r = effective_conductivity(lam, [1.0, 4.0])
    >>> np.round(np.diag(r.effective), 6).tolist()
    [1.6, 2.5]
    """
    check_policy(validity)
    phases = check_grid(phases)
    sigma = phase_values(phases, conductivity, "conductivity")
    shape, d = phases.shape, phases.ndim
    k = frequency_vectors(shape, discretization)
    k2 = np.sum(np.abs(k) ** 2, axis=0)
    inv_k2 = np.divide(1.0, k2, out=np.zeros_like(k2), where=k2 > 1e-12)
    s_min, s_max = float(sigma.min()), float(sigma.max())
    sigma0 = 0.5 * (s_min + s_max)

    def project(t: np.ndarray) -> np.ndarray:
        th = forward_fft(t, d, workers)
        div = np.einsum("j...,j...->...", k.conj(), th) * inv_k2
        return inverse_fft(k * div, shape, workers)

    def gamma_ref(t: np.ndarray) -> np.ndarray:
        return project(t) / sigma0

    def flux(e: np.ndarray) -> np.ndarray:
        return sigma * e

    eff = np.empty((d, d))
    fields, fluxes, its, hist = [], [], [], []
    for j in range(d):
        E = np.zeros((d, *shape))
        E[j] = 1.0
        e, it, h = solve(E, d, flux, flux, gamma_ref, project, scheme, tol, maxiter)
        q = flux(e)
        eff[:, j] = q.mean(axis=spatial_axes(d))
        its.append(it)
        hist.append(h)
        if keep_fields:
            fields.append(e)
            fluxes.append(q)
    result = HomogenizationResult(
        effective=eff, fields=np.asarray(fields), fluxes=np.asarray(fluxes),
        iterations=tuple(its), residuals=tuple(hist), tolerance=tol, scheme=scheme,
        discretization=discretization, validity=residual_validity(hist, tol, "flux"))
    apply_validity_policy(result.validity, validity)
    return result
