"""FFT homogenization of periodic pixel/voxel RVEs: conductivity and elasticity.

The periodic cell problem with a homogeneous reference medium is the
Lippmann–Schwinger equation ``e = E - Gamma0 * (C - C0) e``: its Green operator
``Gamma0`` is diagonal in Fourier space, so each iteration costs a few FFTs of the
grid. Two solvers share one discretisation:

``"basic"``
    The Moulinec–Suquet (1994, 1998) fixed point ``e <- e - Gamma0 * sigma(e)`` with
    the reference medium at the mean of the extreme phase moduli. Its iteration
    count grows linearly with the contrast.
``"cg"``
    Conjugate gradients on the Galerkin (projected) form ``P[C e~] = -P[C E]`` over
    compatible zero-mean fields, ``P`` the L2-orthogonal projection onto gradients
    (Zeman, Vondřejc, Novák & Marek 2010, J. Comput. Phys. 229, 8065; Vondřejc,
    Zeman & Marek 2014, Comput. Math. Appl. 68, 156). Its count grows like the square
    root of the contrast.

Both stop on the same residual: ``||P[sigma]|| / ||sigma||`` (RMS norms over the
cell), the share of the flux or stress field that is not divergence-free.

Discretisations (the frequency vector ``k`` in ``Gamma0 ~ k k^H / |k|^2``):
``"fourier"``, the trigonometric one of Moulinec & Suquet (``k = i xi``), and
``"rotated"``, Willot's (2015, C. R. Mécanique 343, 232) rotated finite-difference
scheme ``k_a = (e^{i xi_a} - 1) prod_{b != a} (1 + e^{i xi_b}) / 2``, which has no
Gibbs ringing and converges faster with resolution at sharp interfaces (default).

Voxels are cubic; results are dimensionless in the cell size, so conductivities and
moduli come out in the units they went in (W/(m K), S/m, Pa ...). Elastic tensors
are in **Mandel notation** (orthonormal: shear components carry ``sqrt(2)``):
2D ``[11, 22, 12]``, 3D ``[11, 22, 33, 23, 13, 12]``. 2D elasticity is plane
strain (``eps_33 = 0``, in-plane eigenstrain only), with the 3D Lamé constants.

Phases are isotropic (``bulk``, ``shear``) or carry full anisotropic stiffness tensors
(``stiffness``: per phase, e.g. rotated grains or scan tracks; built with
:func:`transversely_isotropic_stiffness`, :func:`rotate_stiffness`,
:func:`plane_strain_stiffness`, the tensor algebra of :mod:`scaleweave.materials.tensors`,
re-exported here); eigenstrains are given per voxel or per phase. With
anisotropic phases the basic scheme's reference medium is ``c0 I`` (Mandel), ``c0``
mid-way between the extreme stiffness eigenvalues. :func:`rve_size_validity` and
:func:`property_change` are the scale-separation and resolution diagnostics.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.fft

from scaleweave.core.checks import Validity
from scaleweave.errors import ConfigError, ValidityWarning

# The tensor algebra lives in materials/tensors.py; re-exported here, where the
# engine's users have always found it.
from scaleweave.materials.tensors import (
    isotropic_stiffness,
    mandel_basis,
    plane_strain_stiffness,
    rotate_stiffness,
    transversely_isotropic_stiffness,
)

__all__ = [
    "HomogenizationResult",
    "check_stiffness",
    "effective_conductivity",
    "effective_elasticity",
    "frequency_vectors",
    "isotropic_stiffness",
    "mandel_basis",
    "plane_strain_stiffness",
    "property_change",
    "rotate_stiffness",
    "rve_size_validity",
    "transversely_isotropic_stiffness",
]

Scheme = Literal["basic", "cg"]
Discretization = Literal["rotated", "fourier"]


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


# ----------------------------------------------------------------- Fourier grid

def frequency_vectors(shape: Sequence[int], discretization: Discretization = "rotated"
                      ) -> np.ndarray:
    """Discrete derivative symbols ``k`` on the half spectrum of ``rfftn``.

    Parameters
    ----------
    shape : sequence of int
        Grid shape (2 or 3 axes).
    discretization : {"rotated", "fourier"}
        Willot's rotated finite differences or the trigonometric symbol ``i xi``.

    Returns
    -------
    ndarray, complex, shape ``(d, *half_shape)``
        ``k(-xi) = conj(k(xi))``, so real fields stay real.

    Examples
    --------
    >>> frequency_vectors((4, 4)).shape
    (2, 4, 3)
    """
    d = len(shape)
    freqs = [np.fft.fftfreq(n) for n in shape[:-1]] + [np.fft.rfftfreq(shape[-1])]
    xi = list(np.meshgrid(*[2.0 * np.pi * f for f in freqs], indexing="ij"))
    if discretization == "fourier":
        # the Nyquist derivative of an even grid is zeroed: i xi there is not
        # Hermitian-consistent, and P would not be a symmetric projection
        for a, n in enumerate(shape):
            if n % 2 == 0:
                xi[a] = np.where(np.isclose(np.abs(xi[a]), np.pi), 0.0, xi[a])
        return 1j * np.stack(xi)
    if discretization != "rotated":
        raise ConfigError(f"discretization must be 'rotated' or 'fourier', "
                          f"not {discretization!r}")
    z = [np.exp(1j * x) for x in xi]
    half = [(1.0 + zb) / 2.0 for zb in z]
    k = []
    for a in range(d):
        ka = z[a] - 1.0
        for b in range(d):
            if b != a:
                ka = ka * half[b]
        k.append(ka)
    return np.stack(k)


def _spatial_axes(ndim: int) -> tuple[int, ...]:
    return tuple(range(-ndim, 0))


def _fft(x: np.ndarray, ndim: int, workers: int) -> np.ndarray:
    return scipy.fft.rfftn(x, axes=_spatial_axes(ndim), workers=workers)


def _ifft(x: np.ndarray, shape: Sequence[int], workers: int) -> np.ndarray:
    return scipy.fft.irfftn(x, s=shape, axes=_spatial_axes(len(shape)), workers=workers)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product of two real fields (einsum, not BLAS: BLAS threads stall under load)."""
    return float(np.einsum("i,i->", a.ravel(), b.ravel()))


def _rms(x: np.ndarray, ndim: int) -> float:
    n = np.prod(x.shape[-ndim:])
    return float(np.sqrt(_dot(x, x) / n))


# ------------------------------------------------------------------ the solvers

def _solve(
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

    ``E`` is the macroscopic field broadcast to the grid; ``stress(e)`` the local
    constitutive law (with eigenstrain), ``linear(e)`` its linear part ``C e``.
    """
    def residual(e: np.ndarray) -> tuple[float, np.ndarray]:
        s = stress(e)
        ps = project(s)
        den = _rms(s, ndim)
        return (_rms(ps, ndim) / den if den > 0 else 0.0), ps

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
    rr = _dot(r, r)
    s_cur = stress(e)  # sigma(E + x), updated as x moves: sigma is affine in the strain
    while res > tol and it < maxiter:
        lp = linear(p)
        ap = project(lp)
        alpha = rr / _dot(p, ap)
        e += alpha * p  # e = E + x, updated in place (E is constant)
        s_cur += alpha * lp
        r -= alpha * ap
        del lp, ap  # freed before the next iteration allocates its own
        rr_new = _dot(r, r)
        p *= rr_new / rr
        p += r
        rr = rr_new
        it += 1
        s_norm = _rms(s_cur, ndim)
        res = float(np.sqrt(rr / np.prod(e.shape[-ndim:]))) / s_norm if s_norm > 0 else 0.0
        history.append(res)
    del r, p, s_cur  # free the Krylov vectors before the final check
    res, _ = residual(e)  # the true residual, not the recurrence
    history[-1] = res
    return e, it, np.asarray(history)


def _validity(result_res: Sequence[np.ndarray], tol: float, what: str) -> list[Validity]:
    worst = max(float(h[-1]) for h in result_res)
    v = Validity("fft_homogenization", f"{what} equilibrium residual ||P sigma||/||sigma||",
                 worst, tol)
    if not v.ok:
        warnings.warn(f"FFT homogenization did not converge: residual {worst:.3g} > "
                      f"tolerance {tol:.3g}; raise maxiter or use scheme='cg'",
                      ValidityWarning, stacklevel=3)
    return [v]


def rve_size_validity(feature_size: float, voxel_size: float, cell_size: float = 1.0, *,
                      min_features: float = 4.0, min_voxels: float = 4.0,
                      warn: bool = True) -> list[Validity]:
    """Scale-separation and resolution diagnostics of an RVE, before solving it.

    Parameters
    ----------
    feature_size : float
        Largest microstructural length (inclusion diameter, track width, grain size),
        in the unit of ``cell_size``.
    voxel_size : float
        Voxel edge, same unit.
    cell_size : float
        RVE edge, same unit.
    min_features : float
        Cell edges per feature below which the RVE is too small to be representative
        (periodic images of one feature interact; the answer is a property of the
        cell, not of the material).
    min_voxels : float
        Voxels per feature below which the features are unresolved.
    warn : bool
        Issue a :class:`~scaleweave.errors.ValidityWarning` for each failed check.

    Returns
    -------
    list of Validity
        ``cell/feature >= min_features`` and ``feature/voxel >= min_voxels``.

    Examples
    --------
    >>> [v.ok for v in rve_size_validity(0.1, 1 / 64)]
    [True, True]
    """
    if min(feature_size, voxel_size, cell_size) <= 0:
        raise ConfigError(f"feature, voxel and cell sizes must be positive, got "
                          f"{feature_size}, {voxel_size}, {cell_size}")
    out = [Validity("fft_homogenization", "RVE size / feature size (scale separation)",
                    cell_size / feature_size, min_features, "ge"),
           Validity("fft_homogenization", "voxels per feature (resolution)",
                    feature_size / voxel_size, min_voxels, "ge")]
    if warn:
        for v in out:
            if not v.ok:
                fix = "enlarge the RVE" if "scale" in v.diagnostic else "refine the grid"
                warnings.warn(f"RVE {v.diagnostic} = {v.value:.3g} < {v.limit:g}: {fix}",
                              ValidityWarning, stacklevel=2)
    return out


def property_change(coarse: float, fine: float, limit: float, what: str) -> Validity:
    """Relative change of an effective property between two RVEs (resolution or size).

    Examples
    --------
    >>> v = property_change(1.0, 1.01, 0.02, "C11 with resolution")
    >>> round(v.value, 6), v.ok
    (0.009901, True)
    """
    return Validity("fft_homogenization", f"relative change of {what}",
                    abs(fine - coarse) / max(abs(fine), 1e-300), limit)


def _phase_values(phases: np.ndarray, values: Sequence[float], name: str) -> np.ndarray:
    """Per-voxel property from per-phase values; ConfigError if a phase has none."""
    vals = np.asarray(values, dtype=float).ravel()
    lo, hi = int(phases.min()), int(phases.max())
    if lo < 0 or hi >= vals.size:
        raise ConfigError(f"phase {hi if hi >= vals.size else lo} has no {name}: "
                          f"{vals.size} values given for phases 0..{hi}")
    if not np.all(np.isfinite(vals)) or np.any(vals <= 0):
        raise ConfigError(f"{name} must be positive and finite, got {vals.tolist()}")
    return vals[phases]


def _check_grid(phases: np.ndarray) -> np.ndarray:
    phases = np.asarray(phases)
    if phases.ndim not in (2, 3) or not np.issubdtype(phases.dtype, np.integer):
        raise ConfigError(f"phases must be a 2D or 3D integer label array, got "
                          f"dtype {phases.dtype} with shape {phases.shape}")
    return phases


# ----------------------------------------------------------------- conductivity

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
        Green-operator discretisation (see the module notes).
    tol : float
        Residual ``||P q|| / ||q||`` at which to stop.
    maxiter : int
        Iteration cap per load case.
    keep_fields : bool
        Return the local gradient and flux fields (else empty arrays).
    workers : int
        Threads per FFT (``scipy.fft`` ``workers``; -1: all cores). One is fastest
        for the small grids of an RVE on shared cores; more pays from ~256^3.

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
    phases = _check_grid(phases)
    sigma = _phase_values(phases, conductivity, "conductivity")
    shape, d = phases.shape, phases.ndim
    k = frequency_vectors(shape, discretization)
    k2 = np.sum(np.abs(k) ** 2, axis=0)
    inv_k2 = np.divide(1.0, k2, out=np.zeros_like(k2), where=k2 > 1e-12)
    s_min, s_max = float(sigma.min()), float(sigma.max())
    sigma0 = 0.5 * (s_min + s_max)

    def project(t: np.ndarray) -> np.ndarray:
        th = _fft(t, d, workers)
        div = np.einsum("j...,j...->...", k.conj(), th) * inv_k2
        return _ifft(k * div, shape, workers)

    def gamma_ref(t: np.ndarray) -> np.ndarray:
        return project(t) / sigma0

    def flux(e: np.ndarray) -> np.ndarray:
        return sigma * e

    eff = np.empty((d, d))
    fields, fluxes, its, hist = [], [], [], []
    for j in range(d):
        E = np.zeros((d, *shape))
        E[j] = 1.0
        e, it, h = _solve(E, d, flux, flux, gamma_ref, project, scheme, tol, maxiter)
        q = flux(e)
        eff[:, j] = q.mean(axis=_spatial_axes(d))
        its.append(it)
        hist.append(h)
        if keep_fields:
            fields.append(e)
            fluxes.append(q)
    return HomogenizationResult(
        effective=eff, fields=np.asarray(fields), fluxes=np.asarray(fluxes),
        iterations=tuple(its), residuals=tuple(hist), tolerance=tol, scheme=scheme,
        discretization=discretization, validity=_validity(hist, tol, "flux"))


# ------------------------------------------------------------------- elasticity

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


def _elastic_green(k: np.ndarray, lam0: float, mu0: float) -> np.ndarray:
    """Inverse acoustic tensor ``N = (D^H C0 D)^-1``, shape ``(d, d, *half)``."""
    d = k.shape[0]
    k2 = np.sum(np.abs(k) ** 2, axis=0)
    a = (mu0 * k2 * np.eye(d)[(..., *([None] * k2.ndim))]
         + mu0 * k[:, None] * k.conj()[None, :] + lam0 * k.conj()[:, None] * k[None, :])
    a = np.moveaxis(a, (0, 1), (-2, -1))
    zero = k2 <= 1e-12
    a[zero] = np.eye(d)
    n = np.linalg.inv(a)
    n[zero] = 0.0
    return np.moveaxis(n, (-2, -1), (0, 1))


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
        phase in Mandel notation (Pa), e.g. from :func:`transversely_isotropic_stiffness`
        rotated with :func:`rotate_stiffness` (2D: :func:`plane_strain_stiffness`).
        Each must be symmetric positive definite.
    eigenstrain : ndarray, optional
        Stress-free strain (e.g. ``alpha dT I``), symmetric: per voxel, shape
        ``(*grid, d, d)``, or per phase, shape ``(n_phases, d, d)``.
    scheme, discretization, tol, maxiter, keep_fields, workers
        As in :func:`effective_conductivity`.

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
    phases = _check_grid(phases)
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
        kv = _phase_values(phases, K, "bulk modulus")
        mu = _phase_values(phases, G, "shear modulus")
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
        n_ref = _elastic_green(k, 0.5 * (lam_lo + lam_hi), 0.5 * (mu_lo + mu_hi))
    else:  # C0 = c0 I (Mandel) with c0 mid-way between the extreme eigenvalues
        c0 = 0.5 * (float(ev.min()) + float(ev.max()))
        n_ref = _elastic_green(k, 0.0, 0.5 * c0)
    n_proj = _elastic_green(k, 0.0, 0.5)  # C0 = identity: the L2-orthogonal projection
    kc = k.conj()

    def apply_green(t: np.ndarray, n: np.ndarray) -> np.ndarray:
        th = _fft(t, d, workers)
        f = np.einsum("j...,ij...->i...", kc, th)
        del th  # keep the peak memory near two spectra of the strain field
        u = np.einsum("il...,l...->i...", n, f)
        del f
        ku = k[:, None] * u[None, :]
        ku += np.swapaxes(ku, 0, 1).copy()
        ku *= 0.5
        return scipy.fft.irfftn(ku, s=shape, axes=_spatial_axes(d), workers=workers,
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

        e, it, h = _solve(E, d, stress, linear, lambda t: apply_green(t, n_ref),
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
        sig_mean[j] = np.einsum("mij,ij->m", basis, s.mean(axis=_spatial_axes(d)))
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
    return HomogenizationResult(
        effective=c_eff, fields=np.asarray(fields),
        fluxes=np.asarray(fluxes), iterations=tuple(its), residuals=tuple(hist),
        tolerance=tol, scheme=scheme, discretization=discretization,
        effective_eigenstrain=eff_eig, validity=_validity(hist, tol, "stress"))
