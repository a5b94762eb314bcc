"""Effective stiffness and eigenstrain of a periodic elastic RVE by FFT homogenization.

The elastic cell problem (small strain; 2D is plane strain) with isotropic phases
(``bulk``, ``shear``) or full anisotropic Mandel stiffnesses per phase, and an
eigenstrain per voxel or per phase, on the discretisation of
:mod:`scaleweave.engines.continuum.fft_green`, solved by
:func:`~scaleweave.engines.continuum.fft_solver.solve`; the method and the Mandel
convention are described in :mod:`scaleweave.engines.continuum.fft_homogenization`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.fft

from scaleweave.core.checks import apply_validity_policy, check_policy
from scaleweave.engines.continuum.fft_green import (
    Discretization,
    elastic_green,
    forward_fft,
    frequency_vectors,
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
from scaleweave.errors import ConfigError
from scaleweave.materials.tensors import mandel_basis

__all__ = ["check_stiffness", "effective_elasticity"]


def check_stiffness(stiffness: np.ndarray, d: int) -> np.ndarray:
    """Validate per-phase Mandel stiffnesses: shape, symmetry, positive definiteness.

    Returns
    -------
    ndarray, shape ``(n_phases, m, m)``

    Raises
    ------
    ConfigError
        Naming the first phase that is asymmetric or not positive definite.
    """
    c = np.asarray(stiffness, dtype=float)
    m = 3 if d == 2 else 6
    if c.ndim == 2:
        c = c[None]
    if c.ndim != 3 or c.shape[1:] != (m, m):
        raise ConfigError(f"stiffness must have shape (n_phases, {m}, {m}) in {d}D (Mandel "
                          f"notation), got {c.shape}")
    for i, ci in enumerate(c):
        if not np.all(np.isfinite(ci)) or not np.allclose(ci, ci.T, rtol=1e-10,
                                                          atol=1e-12 * np.abs(ci).max()):
            raise ConfigError(f"stiffness of phase {i} must be finite and symmetric")
        w = np.linalg.eigvalsh(ci)
        if w.min() <= 1e-12 * max(abs(w.max()), 1e-300):
            raise ConfigError(f"stiffness of phase {i} is not positive definite (smallest "
                              f"eigenvalue {w.min():.4g} Pa); a stable solid needs all > 0")
    return c


def effective_elasticity(
    phases: np.ndarray,
    bulk: Sequence[float] | None = None,
    shear: Sequence[float] | None = None,
    *,
    stiffness: np.ndarray | None = None,
    eigenstrain: np.ndarray | None = None,
    scheme: Scheme = "cg",
    discretization: Discretization = "rotated",
    tol: float = 1e-8,
    maxiter: int = 5000,
    keep_fields: bool = True,
    workers: int = 1,
    validity: str = "record",
) -> HomogenizationResult:
    """Effective stiffness (Mandel) and eigenstrain of a periodic elastic RVE.

    Parameters
    ----------
    phases : ndarray of int, 2D or 3D
        Phase label of each pixel/voxel.
    bulk, shear : sequence of float
        3D bulk modulus ``K`` and shear modulus ``G`` (Pa) of each isotropic phase,
        both positive (the stiffness is then positive definite; anything else is a
        ConfigError). 2D is plane strain with ``lambda = K - 2G/3``, ``mu = G``, so
        the in-plane (area) bulk modulus is ``kappa = K + G/3``.
    stiffness : ndarray, shape ``(n_phases, m, m)``, optional
        Instead of ``bulk`` and ``shear``: the full (anisotropic) stiffness of each
        phase in Mandel notation (Pa), e.g. from
        :func:`~scaleweave.materials.tensors.transversely_isotropic_stiffness` rotated
        with :func:`~scaleweave.materials.tensors.rotate_stiffness` (2D:
        :func:`~scaleweave.materials.tensors.plane_strain_stiffness`).
        Each must be symmetric positive definite.
    eigenstrain : ndarray, optional
        Stress-free strain (e.g. ``alpha dT I``), symmetric: per voxel, shape
        ``(*grid, d, d)``, or per phase, shape ``(n_phases, d, d)``.
    scheme, discretization, tol, maxiter, keep_fields, workers, validity
        As in :func:`~scaleweave.engines.continuum.fft_conductivity.effective_conductivity`.

    Returns
    -------
    HomogenizationResult
        ``effective``: stiffness ``C*`` in Mandel notation (Pa);
        ``effective_eigenstrain``: ``eps*`` with ``<sigma> = C* (E - eps*)``.

    Examples
    --------
    A homogeneous cell returns its own stiffness, ``C_11 = K + 4G/3``:

    >>> r = effective_elasticity(np.zeros((4, 4, 4), int), [2.0], [1.0])
    >>> round(float(r.effective[0, 0]), 6)
    3.333333
    """
    check_policy(validity)
    phases = check_grid(phases)
    shape, d = phases.shape, phases.ndim
    m_dim = 3 if d == 2 else 6
    c_vox: np.ndarray | None = None
    if stiffness is not None:
        if bulk is not None or shear is not None:
            raise ConfigError("give either bulk and shear or stiffness, not both")
        c_phase = check_stiffness(stiffness, d)
        hi = int(phases.max())
        if int(phases.min()) < 0 or hi >= len(c_phase):
            raise ConfigError(f"phase {hi} has no stiffness: {len(c_phase)} given for "
                              f"phases 0..{hi}")
        c_vox = np.moveaxis(c_phase[phases], (-2, -1), (0, 1)).copy()  # (m, m, *grid)
        ev = np.linalg.eigvalsh(c_phase[np.unique(phases)])
        kv = mu = lam = np.zeros(1)
    else:
        if bulk is None or shear is None:
            raise ConfigError("effective_elasticity needs bulk and shear moduli per phase "
                              "(or a stiffness tensor per phase)")
        K = np.asarray(bulk, dtype=float).ravel()
        G = np.asarray(shear, dtype=float).ravel()
        if K.size != G.size:
            raise ConfigError(f"bulk and shear need one value per phase, got {K.size} and "
                              f"{G.size}")
        kv = phase_values(phases, K, "bulk modulus")
        mu = phase_values(phases, G, "shear modulus")
        lam = kv - 2.0 * mu / 3.0
    # K > 0 and G > 0 (checked above) is exactly positive definiteness of an isotropic
    # stiffness, in 3D and in plane strain (lambda + mu = K + G/3 > 0)
    eig = None
    if eigenstrain is not None:
        eig = np.asarray(eigenstrain, dtype=float)
        if eig.ndim == 3 and eig.shape[1:] == (d, d) and eig.shape != (*shape, d, d):
            if int(phases.max()) >= eig.shape[0]:
                raise ConfigError(f"phase {int(phases.max())} has no eigenstrain: "
                                  f"{eig.shape[0]} given")
            eig = eig[phases]
        if eig.shape != (*shape, d, d):
            raise ConfigError(f"eigenstrain must have shape {(*shape, d, d)} (per voxel) or "
                              f"(n_phases, {d}, {d}), got {eig.shape}")
        if not np.allclose(eig, np.swapaxes(eig, -1, -2)):
            raise ConfigError("eigenstrain must be a symmetric tensor in every voxel")
        eig = np.moveaxis(eig, (-2, -1), (0, 1)).copy()

    k = frequency_vectors(shape, discretization)
    if c_vox is None:
        lam_lo, lam_hi = float(lam.min()), float(lam.max())
        mu_lo, mu_hi = float(mu.min()), float(mu.max())
        n_ref = elastic_green(k, 0.5 * (lam_lo + lam_hi), 0.5 * (mu_lo + mu_hi))
    else:  # C0 = c0 I (Mandel) with c0 mid-way between the extreme eigenvalues
        c0 = 0.5 * (float(ev.min()) + float(ev.max()))
        n_ref = elastic_green(k, 0.0, 0.5 * c0)
    n_proj = elastic_green(k, 0.0, 0.5)  # C0 = identity: the L2-orthogonal projection
    kc = k.conj()

    def apply_green(t: np.ndarray, n: np.ndarray) -> np.ndarray:
        th = forward_fft(t, d, workers)
        f = np.einsum("j...,ij...->i...", kc, th)
        del th  # keep the peak memory near two spectra of the strain field
        u = np.einsum("il...,l...->i...", n, f)
        del f
        ku = k[:, None] * u[None, :]
        ku += np.swapaxes(ku, 0, 1).copy()
        ku *= 0.5
        return scipy.fft.irfftn(ku, s=shape, axes=spatial_axes(d), workers=workers,
                                overwrite_x=True)

    basis = mandel_basis(d)

    def linear(e: np.ndarray) -> np.ndarray:
        if c_vox is None:
            out = (2.0 * mu) * e
            lt = lam * np.trace(e)
            for i in range(d):
                out[i, i] += lt
            return out
        em = np.einsum("mij,ij...->m...", basis, e)
        sm = np.einsum("mn...,n...->m...", c_vox, em)
        return np.einsum("mij,m...->ij...", basis, sm)

    def run(E: np.ndarray, tau: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, int,
                                                           np.ndarray]:
        def stress(e: np.ndarray) -> np.ndarray:
            return linear(e if tau is None else e - tau)

        e, it, h = solve(E, d, stress, linear, lambda t: apply_green(t, n_ref),
                         lambda t: apply_green(t, n_proj), scheme, tol, maxiter)
        return e, stress(e), it, h

    m = m_dim
    # macroscopic strains as broadcast views: a grid-sized copy is made per load only
    loads: list[tuple[np.ndarray, np.ndarray | None]] = [
        (np.broadcast_to(b[(..., *([None] * d))], (d, d, *shape)), None) for b in basis]
    if eig is not None:
        loads.append((np.broadcast_to(np.zeros((d, d) + (1,) * d), (d, d, *shape)), eig))
    sig_mean = np.empty((len(loads), m))
    fields, fluxes, its, hist = [], [], [], []
    for j, (E, tau) in enumerate(loads):
        e, s, it, h = run(E, tau)
        sig_mean[j] = np.einsum("mij,ij->m", basis, s.mean(axis=spatial_axes(d)))
        its.append(it)
        hist.append(h)
        if keep_fields:
            fields.append(e)
            fluxes.append(s)
    c_eff = 0.5 * (sig_mean[:m].T + sig_mean[:m])
    eff_eig = None
    if eig is not None:  # E = 0: <sigma> = -C* eps*
        eps_m = -np.linalg.solve(c_eff, sig_mean[m])
        eff_eig = np.einsum("m,mij->ij", eps_m, basis)
    result = HomogenizationResult(
        effective=c_eff, fields=np.asarray(fields),
        fluxes=np.asarray(fluxes), iterations=tuple(its), residuals=tuple(hist),
        tolerance=tol, scheme=scheme, discretization=discretization,
        effective_eigenstrain=eff_eig, validity=residual_validity(hist, tol, "stress"))
    apply_validity_policy(result.validity, validity)
    return result
