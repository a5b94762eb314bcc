"""Bounds and exact relations for effective properties of isotropic multi-phase composites.

Microstructure-free answers of the bottom-up bridge: what any arrangement of the
given phases at the given volume fractions can (Voigt/Reuss, Hashin–Shtrikman) or
must (Levin) give. Fractions are area (2D) or volume (3D) fractions summing to 1;
moduli and conductivities come out in the unit they went in.

Regimes
-------
- Voigt/Reuss (Hill 1952): any microstructure, any anisotropy; the arithmetic and
  harmonic means bound the effective modulus along every direction.
- Hashin–Shtrikman (1962, 1963; Walpole 1966 for non-well-ordered phases): the
  effective property of a **statistically isotropic** composite of isotropic
  phases; the tightest bounds given only volume fractions.
- Mori–Tanaka (1973; Benveniste 1987): a matrix with dilute-to-moderate spherical
  (circular) isotropic inclusions; it interacts them through the mean matrix field,
  coinciding with the Hashin–Shtrikman form whose reference medium is the matrix
  (Weng 1984), hence with a bound when the matrix is the softest or stiffest phase.
  Not for interpenetrating or high-fraction (f > ~0.4) microstructures.
- Levin (1967): exact for any two-phase composite of isotropic phases with
  isotropic eigenstrains (thermal expansion), once its bulk modulus ``K*`` is known.

Tensors
-------
For anisotropic phases (Mandel stiffness matrices, :mod:`scaleweave.materials.tensors`)
the Voigt and Reuss bounds are tensors, :func:`voigt_reuss_stiffness`, and they bound
the effective stiffness in the Loewner order, ``C_R <= C* <= C_V`` (every direction of
strain: Hill 1952); :func:`loewner_margin` measures how far an ordering holds. That
order bounds the moduli monotone in it (strain and stress moduli: diagonal entries,
directional Young's moduli, the bulk modulus;
:mod:`scaleweave.bridges.homogenization.moduli`), not the off-diagonal entries.
:func:`voigt_isotropic_moduli` is Voigt's (1928) average of one crystal (or track) over
all orientations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scaleweave.errors import ConfigError

__all__ = [
    "hashin_shtrikman_bulk",
    "hashin_shtrikman_conductivity",
    "hashin_shtrikman_shear",
    "levin_expansion",
    "loewner_margin",
    "mori_tanaka",
    "mori_tanaka_conductivity",
    "reuss",
    "voigt",
    "voigt_isotropic_moduli",
    "voigt_reuss_stiffness",
    "volume_fractions",
]


def _check(fractions: Sequence[float], *values: Sequence[float]) -> tuple[np.ndarray, ...]:
    f = np.asarray(fractions, dtype=float).ravel()
    if np.any(f < 0) or abs(f.sum() - 1.0) > 1e-9:
        raise ConfigError(f"fractions must be non-negative and sum to 1, got {f.tolist()}")
    out = [f]
    for v in values:
        a = np.asarray(v, dtype=float).ravel()
        if a.size != f.size:
            raise ConfigError(f"need one property per phase: {f.size} fractions, {a.size} values")
        if not np.all(np.isfinite(a)) or np.any(a <= 0):
            raise ConfigError(f"phase properties must be positive and finite, got {a.tolist()}")
        out.append(a)
    return tuple(out)


def _dim(dim: int) -> int:
    if dim not in (2, 3):
        raise ConfigError(f"dim must be 2 or 3, got {dim}")
    return dim


def voigt(fractions: Sequence[float], values: Sequence[float]) -> float:
    """Arithmetic (Voigt, uniform-field) mean ``sum f_i v_i``: an upper bound.

    Examples
    --------
    >>> voigt([0.5, 0.5], [1.0, 3.0])
    2.0
    """
    f, v = _check(fractions, values)
    return float(f @ v)


def reuss(fractions: Sequence[float], values: Sequence[float]) -> float:
    """Harmonic (Reuss, uniform-flux) mean ``1 / sum(f_i / v_i)``: a lower bound.

    Examples
    --------
    >>> reuss([0.5, 0.5], [1.0, 3.0])
    1.5
    """
    f, v = _check(fractions, values)
    return float(1.0 / (f @ (1.0 / v)))


def _hs(f: np.ndarray, v: np.ndarray, shift: float) -> float:
    """``[sum f_i / (v_i + s)]^-1 - s``: the Hashin–Shtrikman form for a reference ``s``."""
    return float(1.0 / (f @ (1.0 / (v + shift))) - shift)


def hashin_shtrikman_conductivity(fractions: Sequence[float], conductivity: Sequence[float],
                                  dim: int = 3) -> tuple[float, float]:
    """Hashin–Shtrikman (1962) bounds on the conductivity of an isotropic composite.

    ``k_HS(k0) = [sum f_i / (k_i + (d-1) k0)]^-1 - (d-1) k0`` with ``k0`` the
    smallest (lower) and largest (upper) phase conductivity; in 2D the lower one is
    the Maxwell-Garnett value for the best conductor dispersed in the worst.

    Returns
    -------
    lower, upper : float

    Examples
    --------
    >>> lo, hi = hashin_shtrikman_conductivity([0.5, 0.5], [1.0, 4.0], dim=2)
    >>> round(lo, 6), round(hi, 6)
    (1.857143, 2.153846)
    """
    f, k = _check(fractions, conductivity)
    d = _dim(dim)
    return _hs(f, k, (d - 1) * k.min()), _hs(f, k, (d - 1) * k.max())


def hashin_shtrikman_bulk(fractions: Sequence[float], bulk: Sequence[float],
                          shear: Sequence[float], dim: int = 3) -> tuple[float, float]:
    """Hashin–Shtrikman–Walpole bounds on the bulk modulus of an isotropic composite.

    3D: ``K_HS(G0) = [sum f_i / (K_i + 4 G0 / 3)]^-1 - 4 G0 / 3``. 2D (plane, area
    bulk modulus ``kappa``; plane strain ``kappa = K + G/3``):
    ``kappa_HS(G0) = [sum f_i / (kappa_i + G0)]^-1 - G0``. ``G0`` is the smallest
    (lower) or largest (upper) shear modulus.

    Examples
    --------
    >>> [round(b, 4) for b in hashin_shtrikman_bulk([0.5, 0.5], [1.0, 2.0], [1.0, 1.0])]
    [1.4118, 1.4118]
    """
    f, k, g = _check(fractions, bulk, shear)
    c = 4.0 / 3.0 if _dim(dim) == 3 else 1.0
    return _hs(f, k, c * g.min()), _hs(f, k, c * g.max())


def hashin_shtrikman_shear(fractions: Sequence[float], bulk: Sequence[float],
                           shear: Sequence[float], dim: int = 3) -> tuple[float, float]:
    """Hashin–Shtrikman–Walpole bounds on the shear modulus of an isotropic composite.

    ``G_HS = [sum f_i / (G_i + zeta)]^-1 - zeta`` with, in 3D,
    ``zeta = G0 (9 K0 + 8 G0) / (6 (K0 + 2 G0))`` and in 2D (plane, area bulk modulus)
    ``zeta = kappa0 G0 / (kappa0 + 2 G0)``; ``(K0, G0)`` the smallest (lower) or
    largest (upper) bulk and shear moduli taken separately (Walpole 1966).

    Examples
    --------
    Equal shear moduli leave nothing to bound:

    >>> [round(b, 6) for b in hashin_shtrikman_shear([0.3, 0.7], [1.0, 5.0], [2.0, 2.0])]
    [2.0, 2.0]
    """
    f, k, g = _check(fractions, bulk, shear)
    d = _dim(dim)

    def zeta(k0: float, g0: float) -> float:
        if d == 3:
            return g0 * (9.0 * k0 + 8.0 * g0) / (6.0 * (k0 + 2.0 * g0))
        return k0 * g0 / (k0 + 2.0 * g0)

    return _hs(f, g, zeta(k.min(), g.min())), _hs(f, g, zeta(k.max(), g.max()))


def levin_expansion(bulk_eff: float, fractions: Sequence[float], bulk: Sequence[float],
                    expansion: Sequence[float]) -> float:
    """Levin's (1967) exact effective expansion of a two-phase composite given ``K*``.

    ``alpha* = <alpha> + (alpha_1 - alpha_2) / (1/K_1 - 1/K_2) (1/K* - <1/K>)``.

    Regime: two isotropic phases with isotropic eigenstrains ``alpha_i I`` (thermal
    expansion per kelvin, or any eigenstrain magnitude); exact for every
    microstructure when ``1/K* = I : S* : I`` (volumetric strain per unit hydrostatic
    stress, ``S*`` the effective compliance) and ``alpha* = tr(eps*) / d``; for an
    isotropic composite these are its bulk modulus and expansion coefficient. Use
    the 3D bulk moduli in 3D and the plane (area) ones in 2D.

    Examples
    --------
    At the Reuss bound the expansion is the plain mean:

    >>> levin_expansion(reuss([0.5, 0.5], [1.0, 2.0]), [0.5, 0.5], [1.0, 2.0], [1.0, 3.0])
    2.0
    """
    f, k = _check(fractions, bulk)
    a = np.asarray(expansion, dtype=float).ravel()
    if f.size != 2 or a.size != 2:
        raise ConfigError(f"Levin's relation is for two phases, got {f.size} fractions and "
                          f"{a.size} expansions")
    if k[0] == k[1]:
        raise ConfigError("Levin's relation needs distinct bulk moduli (K1 == K2 given)")
    if not bulk_eff > 0:
        raise ConfigError(f"effective bulk modulus must be positive, got {bulk_eff}")
    slope = (a[0] - a[1]) / (1.0 / k[0] - 1.0 / k[1])
    return float(f @ a + slope * (1.0 / bulk_eff - f @ (1.0 / k)))


def mori_tanaka_conductivity(fractions: Sequence[float], conductivity: Sequence[float],
                             matrix: int = 0, dim: int = 3) -> float:
    """Mori–Tanaka (Maxwell-Garnett) conductivity of spherical (circular) inclusions.

    ``k_MT = [sum f_i / (k_i + (d-1) k_m)]^-1 - (d-1) k_m``, ``k_m`` the matrix phase's.

    Examples
    --------
    >>> round(mori_tanaka_conductivity([0.8, 0.2], [1.0, 10.0], dim=2), 6)
    1.391304
    """
    f, k = _check(fractions, conductivity)
    d = _dim(dim)
    _matrix(matrix, f.size)
    return _hs(f, k, (d - 1) * k[matrix])


def mori_tanaka(fractions: Sequence[float], bulk: Sequence[float], shear: Sequence[float],
                matrix: int = 0, dim: int = 3) -> tuple[float, float]:
    """Mori–Tanaka (1973) bulk and shear moduli of isotropic spherical inclusions.

    The Hashin–Shtrikman form with the matrix as reference (Weng 1984; Benveniste
    1987): 3D ``K = [sum f_i / (K_i + 4 G_m / 3)]^-1 - 4 G_m / 3`` and
    ``G = [sum f_i / (G_i + zeta_m)]^-1 - zeta_m``,
    ``zeta_m = G_m (9 K_m + 8 G_m) / (6 (K_m + 2 G_m))``; 2D (circular fibres, plane,
    area bulk modulus ``kappa``): shifts ``G_m`` and ``kappa_m G_m / (kappa_m + 2 G_m)``.

    Parameters
    ----------
    fractions : sequence of float
        Volume (area) fractions, summing to 1.
    bulk, shear : sequence of float
        Phase moduli (Pa); 2D: the plane (area) bulk modulus.
    matrix : int
        Index of the matrix (continuous) phase.
    dim : {2, 3}

    Returns
    -------
    bulk, shear : float

    Examples
    --------
    Two phases: ``K = K_m + f (K_i - K_m) / (1 + (1 - f)(K_i - K_m)/(K_m + 4 G_m/3))``:

    >>> [round(x, 6) for x in mori_tanaka([0.7, 0.3], [2.0, 10.0], [1.0, 5.0])]
    [2.895522, 1.511945]
    """
    f, k, g = _check(fractions, bulk, shear)
    d = _dim(dim)
    _matrix(matrix, f.size)
    km, gm = k[matrix], g[matrix]
    if d == 3:
        zeta = gm * (9.0 * km + 8.0 * gm) / (6.0 * (km + 2.0 * gm))
        return _hs(f, k, 4.0 * gm / 3.0), _hs(f, g, zeta)
    return _hs(f, k, gm), _hs(f, g, km * gm / (km + 2.0 * gm))


def _matrix(matrix: int, n: int) -> None:
    if not 0 <= matrix < n:
        raise ConfigError(f"matrix phase index must lie in 0..{n - 1}, got {matrix}")


# ------------------------------------------------------------ tensors (Mandel notation)

def volume_fractions(phases: np.ndarray, n_phases: int) -> np.ndarray:
    """Voxel (pixel) fraction of each phase label, 0 to ``n_phases - 1``, of a grid.

    Examples
    --------
    >>> volume_fractions(np.array([[0, 1], [1, 1]]), 3).tolist()
    [0.25, 0.75, 0.0]
    """
    labels = np.asarray(phases)
    if labels.size == 0 or labels.min() < 0 or labels.max() >= n_phases:
        raise ConfigError(f"phase labels must lie in 0..{n_phases - 1}")
    return np.bincount(labels.ravel(), minlength=n_phases) / labels.size


def voigt_reuss_stiffness(fractions: Sequence[float], stiffness: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Voigt (mean stiffness) and Reuss (inverse of the mean compliance) tensors.

    Parameters
    ----------
    fractions : sequence of float
        Volume fractions of the phases, summing to 1.
    stiffness : ndarray, ``(n_phases, m, m)``
        Mandel stiffness of each phase (Pa), symmetric positive definite.

    Returns
    -------
    voigt, reuss : ndarray ``(m, m)``
        ``C_V = sum f_i C_i`` and ``C_R = (sum f_i C_i^-1)^-1``; any microstructure of
        these phases has ``C_R <= C* <= C_V`` (Hill 1952).

    Examples
    --------
    Equal phases leave nothing to bound:

    >>> c = np.diag([3.0, 3.0, 2.0])
    >>> cv, cr = voigt_reuss_stiffness([0.4, 0.6], np.array([c, c]))
    >>> bool(np.allclose(cv, c) and np.allclose(cr, c))
    True
    """
    c = np.asarray(stiffness, dtype=float)
    if c.ndim != 3 or c.shape[1] != c.shape[2]:
        raise ConfigError(f"stiffness must have shape (n_phases, m, m), got {c.shape}")
    f = np.asarray(fractions, dtype=float).ravel()
    if f.size != c.shape[0] or np.any(f < 0) or abs(f.sum() - 1.0) > 1e-9:
        raise ConfigError(f"need {c.shape[0]} non-negative fractions summing to 1, got "
                          f"{f.tolist()}")
    c_v = np.einsum("p,pij->ij", f, c)
    c_r = np.linalg.inv(np.einsum("p,pij->ij", f, np.linalg.inv(c)))
    return c_v, c_r


def loewner_margin(upper: np.ndarray, lower: np.ndarray) -> float:
    """Smallest eigenvalue of ``upper - lower`` over ``max |upper_ij|``: >= 0 if ordered.

    ``upper >= lower`` in the Loewner order (``upper - lower`` positive semi-definite)
    exactly when this is non-negative; its size says by how much, relative to
    ``upper``.

    Examples
    --------
    >>> loewner_margin(np.diag([2.0, 3.0]), np.eye(2))
    0.3333333333333333
    >>> loewner_margin(np.eye(2), np.diag([2.0, 0.5])) < 0
    True
    """
    d = np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)
    return float(np.linalg.eigvalsh(0.5 * (d + d.T)).min() / np.abs(upper).max())


def voigt_isotropic_moduli(stiffness: np.ndarray) -> tuple[float, float]:
    """Voigt's (1928) orientation average of a 3D Mandel stiffness: bulk and shear moduli.

    ``K_V = (C11 + C22 + C33 + 2 (C12 + C13 + C23)) / 9`` and
    ``G_V = (C11 + C22 + C33 - (C12 + C13 + C23) + 3 (C44 + C55 + C66)) / 15`` with
    the shear ``C44`` of Voigt notation (half the Mandel one). Exact for an isotropic
    stiffness; an upper bound for an untextured polycrystal of that crystal.

    Examples
    --------
    >>> from scaleweave.materials.tensors import isotropic_stiffness
    >>> [round(x, 12) for x in voigt_isotropic_moduli(isotropic_stiffness(5.0, 2.0))]
    [5.0, 2.0]
    """
    c = np.asarray(stiffness, dtype=float)
    if c.shape != (6, 6):
        raise ConfigError(f"need a 3D (6, 6) Mandel stiffness, got {c.shape}")
    k = float(np.sum(c[:3, :3])) / 9.0
    g = (float(np.trace(c[:3, :3])) - float(np.sum(c[:3, :3]) - np.trace(c[:3, :3])) / 2.0
         + 1.5 * float(np.trace(c[3:, 3:]))) / 15.0
    return k, g
