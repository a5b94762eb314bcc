"""Finite-element model of a layered strip with eigenstrain: warpage, built layer by layer.

A long strip of bonded layers in cylindrical bending (2D plane strain in the
``x``-``z`` plane, ``x`` along the part, ``z`` the build direction) with free ends,
solved with scikit-fem (biquadratic Lagrange quadrilaterals, one or more element
rows per layer). Half the strip is modelled: ``u_x = 0`` on the symmetry plane
``x = 0`` and ``u_z = 0`` at its bottom corner remove the rigid-body motions without
constraining the bending.

Built layer by layer (``sequential=True``), layer ``n``'s elements are born
stress-free on the deformed stack and then load it with their eigenstrain, so the
displacement is the sum of the increments (the finite-element counterpart of
:func:`scaleweave.bridges.homogenization.plate.layer_by_layer`); otherwise all layers are loaded
at once (:func:`scaleweave.bridges.homogenization.plate.stack_curvature`).

Curvature is measured away from the free ends, where beam theory holds: a fit of
``w(x) = a + b x^2`` to the bottom-surface deflection over ``0 <= x <= fit_fraction
L/2``, ``kappa = -2 b`` (``kappa = d eps_xx / d z``, the convention of the plate
bridge). Units: SI (m, Pa); results in 1/m and m.

Requires the ``fem`` extra (scikit-fem).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scaleweave._optional import import_optional
from scaleweave.errors import ConfigError

__all__ = ["StripResult", "isotropic_plane_strain", "plane_strain_layer", "strip_warpage"]


def _skfem():
    return import_optional("skfem", "the strip finite-element model", "fem")


def isotropic_plane_strain(young: float, poisson: float, eigenstrain: float = 0.0
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Plane-strain Mandel stiffness ``[xx, zz, xz]`` (Pa) and in-plane eigenstrain.

    An isotropic eigenstrain ``eps I`` (3D) held at zero out-of-plane strain acts in
    the plane as ``(1 + nu) eps I``.

    Examples
    --------
    >>> c, e = isotropic_plane_strain(2.5, 0.25, 1e-3)
    >>> c.round(6).tolist(), e.round(8).tolist()
    ([[3.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 2.0]], [[0.00125, 0.0], [0.0, 0.00125]])
    """
    if not young > 0 or not -1.0 < poisson < 0.5:
        raise ConfigError(f"isotropic layer needs E > 0 and -1 < nu < 0.5, got E={young}, "
                          f"nu={poisson}")
    lam = young * poisson / ((1 + poisson) * (1 - 2 * poisson))
    mu = young / (2 * (1 + poisson))
    c = np.array([[lam + 2 * mu, lam, 0.0], [lam, lam + 2 * mu, 0.0], [0.0, 0.0, 2 * mu]])
    return c, (1 + poisson) * eigenstrain * np.eye(2)


def plane_strain_layer(stiffness: np.ndarray, eigenstrain: np.ndarray, axis: int = 0
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a 3D layer (Mandel stiffness, eigenstrain) to plane strain along ``axis``.

    The strip runs along ``axis`` (0: ``x``, 1: ``y``) of the layer, ``z`` (axis 2)
    through its thickness, and the remaining in-plane axis is held at zero strain.
    Stress ``sigma = C (eps - eps*)``; with the out-of-plane strains zero the
    in-plane stresses are ``C_pp (eps_p - eps*_p) - C_po eps*_o``, i.e. an equivalent
    in-plane eigenstrain ``eps*_p + C_pp^-1 C_po eps*_o``.

    Parameters
    ----------
    stiffness : ndarray, ``(6, 6)``
        Mandel stiffness ``[11, 22, 33, 23, 13, 12]`` (Pa).
    eigenstrain : ndarray, ``(3, 3)``
        Eigenstrain tensor.
    axis : {0, 1}
        Direction of the strip.

    Returns
    -------
    stiffness : ndarray ``(3, 3)``, Mandel ``[along, through, shear]`` (Pa)
    eigenstrain : ndarray ``(2, 2)``, equivalent in-plane eigenstrain

    Examples
    --------
    >>> from scaleweave.engines.continuum.fft_homogenization import isotropic_stiffness
    >>> c, e = plane_strain_layer(isotropic_stiffness(5 / 3, 1.0), 1e-3 * np.eye(3))
    >>> bool(np.allclose(e, 1.25e-3 * np.eye(2)))
    True
    """
    from scaleweave.engines.continuum.fft_homogenization import mandel_basis

    c = np.asarray(stiffness, dtype=float)
    eps = np.asarray(eigenstrain, dtype=float)
    if c.shape != (6, 6) or eps.shape != (3, 3):
        raise ConfigError(f"plane_strain_layer needs a (6, 6) Mandel stiffness and a (3, 3) "
                          f"eigenstrain, got {c.shape} and {eps.shape}")
    if axis not in (0, 1):
        raise ConfigError(f"strip axis must be 0 (x) or 1 (y), got {axis}")
    # Mandel indices: along (a,a), through (z,z), shear (a,z); out: the rest
    a = axis
    idx = {(0, 0): 0, (1, 1): 1, (2, 2): 2, (1, 2): 3, (0, 2): 4, (0, 1): 5}
    p = [idx[(a, a)], 2, idx[(min(a, 2), 2)]]
    o = [i for i in range(6) if i not in p]
    em = np.einsum("mij,ij->m", mandel_basis(3), eps)
    cpp = c[np.ix_(p, p)]
    ep = em[p] + np.linalg.solve(cpp, c[np.ix_(p, o)] @ em[o])
    e2 = np.array([[ep[0], ep[2] / np.sqrt(2)], [ep[2] / np.sqrt(2), ep[1]]])
    return cpp, e2


@dataclass(frozen=True)
class StripResult:
    """Warpage of a layered strip by finite elements.

    Attributes
    ----------
    curvature : float
        Mid-region curvature of the finished part (1/m).
    history : ndarray
        Curvature after each layer (sequential) or ``[curvature]``.
    edge_deflection : float
        Rise of the free end's bottom corner above the middle (m).
    nodes : ndarray, ``(2, n_nodes)``
        Undeformed node coordinates of the half strip (m).
    displacement : ndarray, ``(2, n_nodes)``
        Total nodal displacement (m); nodes of the corner mesh only.
    elements : ndarray, ``(4, n_elements)``
        Corner nodes of each quadrilateral (for plotting).
    n_dofs : int
        Unknowns of the full mesh.
    """

    curvature: float
    history: np.ndarray
    edge_deflection: float
    nodes: np.ndarray
    displacement: np.ndarray
    elements: np.ndarray
    n_dofs: int


def strip_warpage(thickness: Sequence[float], stiffness: Sequence[np.ndarray],
                  eigenstrain: Sequence[np.ndarray], length: float, *,
                  sequential: bool = True, elements_along: int = 80,
                  rows_per_layer: int | Sequence[int] = 2, fit_fraction: float = 0.4
                  ) -> StripResult:
    """Plane-strain FE warpage of a free strip of bonded layers with eigenstrain.

    Parameters
    ----------
    thickness : sequence of float
        Layer thicknesses (m), bottom (substrate) first.
    stiffness : sequence of ndarray ``(3, 3)``
        Plane-strain Mandel stiffness ``[xx, zz, xz]`` of each layer (Pa), e.g. from
        :func:`isotropic_plane_strain` or :func:`plane_strain_layer`.
    eigenstrain : sequence of ndarray ``(2, 2)``
        In-plane eigenstrain of each layer ``[[xx, xz], [xz, zz]]``; in sequential
        mode layer 0 (the substrate) is present from the start and its eigenstrain
        is applied first.
    length : float
        Full length of the strip (m); the model holds half of it.
    sequential : bool
        Build layer by layer (element birth) or load all layers at once.
    elements_along : int
        Elements along the half length.
    rows_per_layer : int or sequence of int
        Element rows through each layer.
    fit_fraction : float
        Share of the half length (from the middle) used for the curvature fit.

    Returns
    -------
    StripResult

    Raises
    ------
    ConfigError
        Mismatched layer data, non-positive sizes, or a stiffness that is not
        symmetric positive definite.
    """
    skfem = _skfem()
    from skfem.helpers import sym_grad

    h = np.asarray(thickness, dtype=float).ravel()
    n_l = h.size
    cs = np.asarray(stiffness, dtype=float)
    es = np.asarray(eigenstrain, dtype=float)
    if cs.shape != (n_l, 3, 3) or es.shape != (n_l, 2, 2):
        raise ConfigError(f"strip_warpage needs per layer a (3, 3) stiffness and a (2, 2) "
                          f"eigenstrain: {n_l} thicknesses, stiffness {cs.shape}, "
                          f"eigenstrain {es.shape}")
    if np.any(h <= 0) or not length > 0:
        raise ConfigError(f"layer thicknesses and length must be positive, got {h.tolist()}, "
                          f"{length}")
    for i, c in enumerate(cs):
        if not np.allclose(c, c.T) or np.linalg.eigvalsh(c).min() <= 0:
            raise ConfigError(f"stiffness of layer {i} is not symmetric positive definite")
    rows = np.broadcast_to(np.asarray(rows_per_layer, dtype=int), (n_l,))
    if np.any(rows < 1) or elements_along < 2 or not 0 < fit_fraction <= 1:
        raise ConfigError("rows_per_layer >= 1, elements_along >= 2 and fit_fraction in "
                          "(0, 1] are required")
    z_if = np.concatenate([[0.0], np.cumsum(h)])
    zs = np.unique(np.concatenate([np.linspace(z_if[i], z_if[i + 1], rows[i] + 1)
                                   for i in range(n_l)]))
    half = 0.5 * length
    # elements graded towards the free end, where the boundary layer sits
    s = np.linspace(0.0, 1.0, elements_along + 1)
    xs = half * (1.0 - (1.0 - s) ** 1.5)
    mesh = skfem.MeshQuad.init_tensor(xs, zs)
    elem = skfem.ElementVector(skfem.ElementQuad2())
    mids = mesh.p[1, mesh.t].mean(axis=0)
    layer_of = np.clip(np.searchsorted(z_if, mids, side="right") - 1, 0, n_l - 1)

    state: dict[str, np.ndarray] = {}  # per-quadrature-point tensors of the basis in use

    def set_fields(basis) -> None:
        z = basis.mapping.F(basis.X, tind=basis.tind)[1]  # (n_elements, n_qp)
        lay = np.clip(np.searchsorted(z_if, z, side="right") - 1, 0, n_l - 1)
        state["c"] = np.moveaxis(cs[lay], (-2, -1), (0, 1))  # (3, 3, nel, nqp)
        nz = np.any(state["c"] != 0, axis=(2, 3))
        state["pairs"] = [(m, n) for m in range(3) for n in range(3) if nz[m, n]]
        e = es[lay]
        em = np.stack([e[..., 0, 0], e[..., 1, 1], r2 * e[..., 0, 1]])
        state["ce"] = np.einsum("mn...,n...->m...", state["c"], em)  # C eps*, Mandel

    r2 = np.sqrt(2.0)

    def mandel(e):
        return (e[0, 0], e[1, 1], r2 * e[0, 1])

    @skfem.BilinearForm
    def stiff(u, v, w):
        c = state["c"]
        ev, eu = mandel(sym_grad(v)), mandel(sym_grad(u))
        return sum(c[m, n] * ev[m] * eu[n] for m, n in state["pairs"])

    @skfem.LinearForm
    def load(v, w):
        ce = state["ce"]
        ev = mandel(sym_grad(v))
        return ce[0] * ev[0] + ce[1] * ev[1] + ce[2] * ev[2]

    full = skfem.Basis(mesh, elem)
    n_dofs = full.N
    sym = full.get_dofs(lambda x: np.isclose(x[0], 0.0)).all("u^1")  # vertex + mid-edge
    corner = full.get_dofs(lambda x: np.isclose(x[0], 0.0) & np.isclose(x[1], 0.0)
                           ).nodal["u^2"]
    fixed = np.unique(np.concatenate([sym, corner]))
    bottom = np.nonzero(np.isclose(mesh.p[1], 0.0))[0]
    order = np.argsort(mesh.p[0, bottom])
    bottom = bottom[order]
    xb = mesh.p[0, bottom]
    in_fit = xb <= fit_fraction * half + 1e-12 * half
    w_dofs = full.nodal_dofs[1, bottom]

    def curvature_of(u):
        a = np.vstack([np.ones(in_fit.sum()), xb[in_fit] ** 2]).T
        coef = np.linalg.lstsq(a, u[w_dofs][in_fit], rcond=None)[0]
        return -2.0 * coef[1]

    steps = range(n_l) if sequential else [n_l - 1]
    u_tot = np.zeros(n_dofs)
    n_corner = mesh.p.shape[1]
    # for the picture: a node born on the deformed surface starts from the motion of
    # the surface node below it (same x), so the drawn part is deposited on the bent one
    disp = np.zeros((2, n_corner))
    born = np.zeros(n_corner, dtype=bool)
    col = np.searchsorted(xs, mesh.p[0])
    hist = []
    # stiffness and eigenstrain load are sums over elements: assemble each layer once
    k_layer, f_layer, dofs_layer = [], [], []
    for i in range(n_l):
        b_i = skfem.Basis(mesh, elem, elements=np.nonzero(layer_of == i)[0])
        set_fields(b_i)
        k_layer.append(skfem.asm(stiff, b_i))
        f_layer.append(skfem.asm(load, b_i))
        dofs_layer.append(np.unique(b_i.element_dofs))
    for n in steps:
        active = np.nonzero(layer_of <= n)[0]
        k_mat = sum(k_layer[1:n + 1], k_layer[0])
        f = f_layer[n] if sequential else sum(f_layer[1:], f_layer[0])
        live = np.unique(np.concatenate(dofs_layer[:n + 1]))
        dead = np.setdiff1d(np.arange(n_dofs), live)
        du = skfem.solve(*skfem.condense(k_mat, f, D=np.union1d(fixed, dead)))
        u_tot += du
        new_nodes = np.setdiff1d(np.unique(mesh.t[:, active]), np.nonzero(born)[0])
        if born.any():
            top = np.full(xs.size, -1)
            old_nodes = np.nonzero(born)[0]
            for j in old_nodes[np.argsort(mesh.p[1, old_nodes])]:
                top[col[j]] = j  # highest born node of each column
            disp[:, new_nodes] = disp[:, top[col[new_nodes]]]
        born[new_nodes] = True
        disp += du[full.nodal_dofs[:, :n_corner]] * born
        hist.append(curvature_of(u_tot))
    return StripResult(curvature=float(hist[-1]), history=np.asarray(hist),
                       edge_deflection=float(u_tot[w_dofs[-1]] - u_tot[w_dofs[0]]),
                       nodes=mesh.p.copy(), displacement=disp, elements=mesh.t.copy(),
                       n_dofs=int(n_dofs))
