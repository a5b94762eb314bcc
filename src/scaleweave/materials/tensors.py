"""Tensor algebra of linear elasticity: Mandel and Voigt notation, rotations; no physics.

Second-order symmetric tensors and fourth-order stiffnesses with the minor and major
symmetries are written as vectors and symmetric matrices.

Mandel (orthonormal) notation, used throughout scaleweave
    2D order ``[11, 22, 12]``, 3D ``[11, 22, 33, 23, 13, 12]``; shear components carry
    ``sqrt(2)`` (``a_12 sqrt(2)`` for a tensor, ``C_1212 * 2`` for a stiffness), so the
    double contraction is the dot product, a stiffness matrix has the eigenvalues of the
    fourth-order tensor, and a rotation is an orthogonal matrix (:func:`mandel_rotation`).
Voigt notation
    Same order; engineering shear strains (``gamma_12 = 2 eps_12``), plain shear stresses,
    and the stiffness matrix holds ``C_ijkl`` unscaled. :func:`voigt_to_mandel` and
    :func:`mandel_to_voigt` convert a stiffness between the two.

Moduli come out in the unit they went in (Pa in scaleweave).
"""

from __future__ import annotations

import numpy as np

from scaleweave.errors import ConfigError

__all__ = [
    "isotropic_stiffness",
    "isotropic_stiffness_young",
    "mandel_basis",
    "mandel_rotation",
    "mandel_to_tensor",
    "mandel_to_voigt",
    "plane_strain_stiffness",
    "rotate_stiffness",
    "tensor_to_mandel",
    "transversely_isotropic_stiffness",
    "voigt_to_mandel",
]


def mandel_basis(d: int) -> np.ndarray:
    """Orthonormal basis of symmetric ``d x d`` tensors in Mandel order.

    Returns
    -------
    ndarray, shape ``(m, d, d)``
        2D order ``[11, 22, 12]``, 3D ``[11, 22, 33, 23, 13, 12]``; shear elements
        are ``(e_i e_j + e_j e_i) / sqrt(2)``, so ``B_m : B_n = delta_mn``.

    Examples
    --------
    >>> b = mandel_basis(3)
    >>> bool(np.allclose(np.einsum("mij,nij->mn", b, b), np.eye(6)))
    True
    """
    if d not in (2, 3):
        raise ConfigError(f"dimension must be 2 or 3, got {d}")
    pairs = [(0, 0), (1, 1), (0, 1)] if d == 2 else \
        [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
    basis = np.zeros((len(pairs), d, d))
    for m, (i, j) in enumerate(pairs):
        if i == j:
            basis[m, i, i] = 1.0
        else:
            basis[m, i, j] = basis[m, j, i] = 1.0 / np.sqrt(2.0)
    return basis


def _dim_of_tensor(a: np.ndarray) -> int:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or a.shape[-1] not in (2, 3):
        raise ConfigError(f"need symmetric 2x2 or 3x3 tensors (..., d, d), got {a.shape}")
    return a.shape[-1]


def tensor_to_mandel(tensor: np.ndarray) -> np.ndarray:
    """Mandel vector(s) ``(..., m)`` of symmetric tensor(s) ``(..., d, d)``.

    Examples
    --------
    >>> tensor_to_mandel(np.array([[1.0, 2.0], [2.0, 3.0]])).round(6).tolist()
    [1.0, 3.0, 2.828427]
    """
    a = np.asarray(tensor, dtype=float)
    return np.einsum("mij,...ij->...m", mandel_basis(_dim_of_tensor(a)), a)


def mandel_to_tensor(vector: np.ndarray) -> np.ndarray:
    """Symmetric tensor(s) ``(..., d, d)`` of Mandel vector(s) ``(..., m)``, ``m`` 3 or 6.

    Examples
    --------
    >>> mandel_to_tensor(np.array([1.0, 3.0, 2 * np.sqrt(2)])).round(6).tolist()
    [[1.0, 2.0], [2.0, 3.0]]
    """
    v = np.asarray(vector, dtype=float)
    dims = {3: 2, 6: 3}
    if v.ndim < 1 or v.shape[-1] not in dims:
        raise ConfigError(f"a Mandel vector has 3 (2D) or 6 (3D) components, got {v.shape}")
    return np.einsum("mij,...m->...ij", mandel_basis(dims[v.shape[-1]]), v)


def _shear_weights(c: np.ndarray) -> np.ndarray:
    if c.shape not in ((3, 3), (6, 6)):
        raise ConfigError(f"a stiffness matrix is 3x3 (2D) or 6x6 (3D), got {c.shape}")
    n = 1 if c.shape == (3, 3) else 3
    w = np.ones(c.shape[0])
    w[-n:] = np.sqrt(2.0)
    return w


def voigt_to_mandel(stiffness: np.ndarray) -> np.ndarray:
    """Mandel stiffness ``C_M[i, j] = w_i w_j C_V[i, j]`` (``w`` = 1 normal, sqrt 2 shear).

    Examples
    --------
    An isotropic solid with ``G = 1``: ``C_44`` is ``G`` in Voigt, ``2 G`` in Mandel.

    >>> voigt_to_mandel(np.diag([2.0, 2.0, 2.0, 1.0, 1.0, 1.0])).diagonal().round(12).tolist()
    [2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    """
    c = np.asarray(stiffness, dtype=float)
    w = _shear_weights(c)
    return c * np.outer(w, w)


def mandel_to_voigt(stiffness: np.ndarray) -> np.ndarray:
    """Voigt stiffness of a Mandel one (the inverse of :func:`voigt_to_mandel`)."""
    c = np.asarray(stiffness, dtype=float)
    w = _shear_weights(c)
    return c / np.outer(w, w)


def isotropic_stiffness(bulk: float, shear: float, d: int = 3) -> np.ndarray:
    """Isotropic stiffness in Mandel notation from bulk and shear moduli; 2D is plane strain.

    Examples
    --------
    >>> np.round(isotropic_stiffness(2.0, 1.0, 2), 6).tolist()
    [[3.333333, 1.333333, 0.0], [1.333333, 3.333333, 0.0], [0.0, 0.0, 2.0]]
    """
    lam = bulk - 2.0 * shear / 3.0
    c = np.zeros((6, 6))
    c[:3, :3] = lam
    c += 2.0 * shear * np.eye(6)
    return plane_strain_stiffness(c) if d == 2 else c


def isotropic_stiffness_young(young: float, poisson: float, d: int = 3) -> np.ndarray:
    """Isotropic stiffness (Mandel) from Young's modulus and Poisson's ratio.

    ``K = E / (3 (1 - 2 nu))``, ``G = E / (2 (1 + nu))``; 2D is plane strain.

    Raises
    ------
    ConfigError
        Unless ``E > 0`` and ``-1 < nu < 0.5`` (positive definite).

    Examples
    --------
    >>> c = isotropic_stiffness_young(2.5, 0.25)
    >>> round(float(1.0 / np.linalg.inv(c)[0, 0]), 12)
    2.5
    """
    if not young > 0 or not -1.0 < poisson < 0.5:
        raise ConfigError(f"an isotropic solid needs E > 0 and -1 < nu < 0.5, got E={young}, "
                          f"nu={poisson}")
    return isotropic_stiffness(young / (3.0 * (1.0 - 2.0 * poisson)),
                               young / (2.0 * (1.0 + poisson)), d)


def transversely_isotropic_stiffness(e_long: float, e_trans: float, nu_lt: float,
                                     nu_tt: float, g_lt: float) -> np.ndarray:
    """Stiffness (Mandel, 6x6) of a transversely isotropic solid with axis ``x1``.

    Parameters
    ----------
    e_long, e_trans : float
        Young's moduli along the axis (``E_L``) and across it (``E_T``), Pa.
    nu_lt, nu_tt : float
        Poisson's ratios: contraction across per stretch along (``nu_LT``), and
        within the transverse plane (``nu_TT``).
    g_lt : float
        Axial shear modulus ``G_LT`` (Pa); the transverse one is ``E_T / (2 (1 + nu_TT))``.

    Raises
    ------
    ConfigError
        If the resulting stiffness is not positive definite.

    Examples
    --------
    Isotropic constants give the isotropic tensor:

    >>> c = transversely_isotropic_stiffness(2.5, 2.5, 0.25, 0.25, 1.0)
    >>> bool(np.allclose(c, isotropic_stiffness(5 / 3, 1.0)))
    True
    """
    g_tt = e_trans / (2.0 * (1.0 + nu_tt))
    s = np.zeros((6, 6))
    s[0, 0] = 1.0 / e_long
    s[1, 1] = s[2, 2] = 1.0 / e_trans
    s[0, 1] = s[1, 0] = s[0, 2] = s[2, 0] = -nu_lt / e_long
    s[1, 2] = s[2, 1] = -nu_tt / e_trans
    s[3, 3] = 1.0 / (2.0 * g_tt)  # Mandel: S_44 = 1 / (2 G)
    s[4, 4] = s[5, 5] = 1.0 / (2.0 * g_lt)
    w = np.linalg.eigvalsh(s)
    if not np.all(np.isfinite(s)) or w.min() <= 0:
        raise ConfigError(
            f"transversely isotropic constants E_L={e_long}, E_T={e_trans}, nu_LT={nu_lt}, "
            f"nu_TT={nu_tt}, G_LT={g_lt} give a stiffness that is not positive definite "
            f"(need E, G > 0, |nu_TT| < 1 and 1 - nu_TT - 2 nu_LT^2 E_T/E_L > 0)")
    return np.linalg.inv(s)


def mandel_rotation(rotation: np.ndarray) -> np.ndarray:
    """``Q`` with ``Mandel(R A R^T) = Q Mandel(A)``: an orthogonal ``m x m`` matrix.

    Examples
    --------
    >>> q = mandel_rotation(np.array([[0.0, -1.0], [1.0, 0.0]]))
    >>> bool(np.allclose(q @ q.T, np.eye(3)))
    True
    """
    rot = np.asarray(rotation, dtype=float)
    b = mandel_basis(rot.shape[0])
    return np.einsum("mij,ia,nab,jb->mn", b, rot, b, rot)


def rotate_stiffness(stiffness: np.ndarray, rotation: np.ndarray | float) -> np.ndarray:
    """Rotate a Mandel stiffness: ``C'_ijkl = R_ia R_jb R_kc R_ld C_abcd``.

    Parameters
    ----------
    stiffness : ndarray, ``(6, 6)`` or ``(3, 3)``
        Mandel stiffness (3D or 2D).
    rotation : ndarray ``(3, 3)`` or ``(2, 2)``, or float
        Rotation matrix, or an angle (rad) about ``x3`` (3D) / in the plane (2D).

    Examples
    --------
    A quarter turn about ``x3`` swaps ``C_1111`` and ``C_2222``:

    >>> c = transversely_isotropic_stiffness(10.0, 2.0, 0.3, 0.3, 1.0)
    >>> c90 = rotate_stiffness(c, np.pi / 2)
    >>> bool(np.isclose(c90[1, 1], c[0, 0]))
    True
    """
    c = np.asarray(stiffness, dtype=float)
    d = 3 if c.shape == (6, 6) else 2
    if np.ndim(rotation) == 0:
        a = float(rotation)  # type: ignore[arg-type]
        r2 = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        rot = np.eye(3)
        rot[:2, :2] = r2
        rot = rot if d == 3 else r2
    else:
        rot = np.asarray(rotation, dtype=float)
    q = mandel_rotation(rot)
    return q @ c @ q.T


def plane_strain_stiffness(stiffness: np.ndarray) -> np.ndarray:
    """In-plane block ``[11, 22, 12]`` of a 3D Mandel stiffness (plane strain).

    Examples
    --------
    >>> plane_strain_stiffness(np.diag(np.arange(6.0))).diagonal().tolist()
    [0.0, 1.0, 5.0]
    """
    c = np.asarray(stiffness, dtype=float)
    idx = [0, 1, 5]
    return c[np.ix_(idx, idx)].copy()
