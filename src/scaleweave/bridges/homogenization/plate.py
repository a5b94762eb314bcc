"""Multilayer beam/plate theory: curvature of stacks with eigenstrain mismatch (warpage).

The top-down half of the additive-manufacturing chain: once each layer has an
effective stiffness and eigenstrain (from an RVE), the part is a stack of bonded
layers on a substrate, and its warpage follows from force and moment balance of a
stack whose strain is linear through the thickness, ``eps(z) = eps0 + kappa z``
(Kirchhoff-Love / Euler-Bernoulli kinematics, ``z`` up from the bottom of the
substrate).

Sign convention: ``kappa = d eps / d z`` (1/m). A top layer that shrinks relative to
what is below it (negative mismatch) gives ``kappa < 0``: the part curls up, its
ends rise above its middle (:func:`edge_deflection` > 0).

Moduli are the ones of the kinematics at hand: ``E`` for a narrow beam (plane
stress), ``E / (1 - nu^2)`` with mismatch ``eps_xx + nu eps_yy`` for a wide strip in
cylindrical bending (plane strain, :func:`plane_strain_beam`), ``E / (1 - nu)`` for
an equibiaxial plate.

Regimes
-------
- Stoney (1909, Proc. R. Soc. A 82, 172): film much thinner than the substrate
  (relative error ``(1 - 4 E_f/E_s) h_f/h_s`` to first order, from Timoshenko's).
- Timoshenko (1925, J. Opt. Soc. Am. 11, 233): any two bonded layers; exact within
  beam theory.
- :func:`stack_curvature` (classical lamination, all layers bonded then loaded at
  once) and :func:`layer_by_layer` (each layer deposited stress-free on the
  already-deformed stack, then develops its eigenstrain; Hsueh 2002, J. Appl. Phys.
  91, 9652, for successive deposition): any number of layers. All need a long,
  thin part: curvature is uniform only farther than a few thicknesses from the ends.

As a study model, :class:`LayerBuildModel` takes a deposit's beam modulus and mismatch
(from :func:`beam_layer` of the layer's homogenized tensors) to the warpage of the
part, and reports the thin-part regime (length over thickness) as its diagnostic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scaleweave.core.model import Bridge, Diagnostic, Port
from scaleweave.errors import ConfigError

__all__ = [
    "BeamLayer",
    "LayerBuildModel",
    "LayerByLayer",
    "beam_layer",
    "edge_deflection",
    "layer_by_layer",
    "plane_strain_beam",
    "plane_strain_modulus",
    "stack_curvature",
    "stoney_curvature",
    "timoshenko_curvature",
]


def _layers(thickness: Sequence[float], modulus: Sequence[float],
            eigenstrain: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    h = np.asarray(thickness, dtype=float).ravel()
    e = np.asarray(modulus, dtype=float).ravel()
    s = np.asarray(eigenstrain, dtype=float).ravel()
    if not h.size == e.size == s.size or h.size == 0:
        raise ConfigError(f"need one thickness, modulus and eigenstrain per layer, got "
                          f"{h.size}, {e.size}, {s.size}")
    for name, v in (("thickness", h), ("modulus", e)):
        if not np.all(np.isfinite(v)) or np.any(v <= 0):
            bad = int(np.argmax(~np.isfinite(v) | (v <= 0)))
            raise ConfigError(f"layer {bad} {name} must be positive and finite, got {v[bad]}")
    if not np.all(np.isfinite(s)):
        raise ConfigError(f"eigenstrains must be finite, got {s.tolist()}")
    return h, e, s


def _balance(h: np.ndarray, e: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """``(eps0, kappa)`` of a free stack: zero net force and moment."""
    zb = np.concatenate([[0.0], np.cumsum(h)[:-1]])
    zt = zb + h
    a = np.sum(e * h)
    b = np.sum(e * (zt**2 - zb**2)) / 2.0
    d = np.sum(e * (zt**3 - zb**3)) / 3.0
    n = np.sum(e * h * s)
    m = np.sum(e * s * (zt**2 - zb**2)) / 2.0
    det = a * d - b * b
    return float((d * n - b * m) / det), float((a * m - b * n) / det)


def stack_curvature(thickness: Sequence[float], modulus: Sequence[float],
                    eigenstrain: Sequence[float]) -> tuple[float, float]:
    """Strain at the bottom and curvature of bonded layers loaded together.

    Parameters
    ----------
    thickness : sequence of float
        Layer thicknesses (m), bottom (substrate) first.
    modulus : sequence of float
        Layer moduli (Pa) for the kinematics at hand (see the module notes).
    eigenstrain : sequence of float
        Stress-free strain of each layer along the bending direction.

    Returns
    -------
    eps0, kappa : float
        ``eps(z) = eps0 + kappa z`` (``kappa`` in 1/m).

    Examples
    --------
    A uniform eigenstrain only stretches:

    >>> eps0, kappa = stack_curvature([1.0, 2.0], [3.0, 1.0], [1e-3, 1e-3])
    >>> round(eps0, 12), kappa
    (0.001, 0.0)
    """
    h, e, s = _layers(thickness, modulus, eigenstrain)
    eps0, kappa = _balance(h, e, s)
    return eps0, (0.0 if abs(kappa) < 1e-15 * max(np.abs(s).max(), 1e-300) / h.sum()
                  else kappa)


@dataclass(frozen=True)
class LayerByLayer:
    """Curvature of a stack built one layer at a time.

    Attributes
    ----------
    curvature : float
        Final curvature (1/m).
    history : ndarray
        Curvature after each deposited layer (1/m), ``history[-1] == curvature``.
    increments : ndarray
        Curvature change each layer brought.
    height : ndarray
        Top of the stack after each layer (m).
    """

    curvature: float
    history: np.ndarray
    increments: np.ndarray
    height: np.ndarray


def layer_by_layer(substrate_thickness: float, substrate_modulus: float,
                   thickness: Sequence[float], modulus: Sequence[float],
                   eigenstrain: Sequence[float]) -> LayerByLayer:
    """Curvature of layers deposited one by one on a free substrate.

    Layer ``n`` is bonded stress-free to the current (already bent) stack, then
    develops its eigenstrain ``eigenstrain[n]`` (its mismatch with the surface it
    was deposited on); in linear elasticity the stack's response to that increment
    adds to what is there, so ``kappa = sum_n dkappa_n``, each ``dkappa_n`` from the
    balance of layers ``0..n`` with only layer ``n`` loaded.

    Parameters
    ----------
    substrate_thickness, substrate_modulus : float
        The base plate (m, Pa), stress-free.
    thickness, modulus, eigenstrain : sequence of float
        Deposited layers in build order (m, Pa, strain).

    Returns
    -------
    LayerByLayer

    Examples
    --------
    One layer is a bilayer, and agrees with Timoshenko (1925):

    >>> r = layer_by_layer(2.0, 1.0, [1.0], [2.0], [-1e-3])
    >>> bool(np.isclose(r.curvature, timoshenko_curvature(1.0, 2.0, 2.0, 1.0, -1e-3)))
    True
    """
    h, e, s = _layers([substrate_thickness, *thickness], [substrate_modulus, *modulus],
                      [0.0, *eigenstrain])
    inc = np.empty(h.size - 1)
    for n in range(1, h.size):
        load = np.zeros(n + 1)
        load[n] = s[n]
        inc[n - 1] = _balance(h[:n + 1], e[:n + 1], load)[1]
    hist = np.cumsum(inc)
    return LayerByLayer(float(hist[-1]) if hist.size else 0.0, hist, inc, np.cumsum(h)[1:])


def timoshenko_curvature(modulus_bottom: float, thickness_bottom: float,
                         modulus_top: float, thickness_top: float, mismatch: float) -> float:
    """Timoshenko's (1925) bilayer curvature (1/m).

    ``kappa = 6 dEps (1 + m)^2 / (h [3 (1 + m)^2 + (1 + m n)(m^2 + 1/(m n))])`` with
    ``m = h_1 / h_2``, ``n = E_1 / E_2``, ``h = h_1 + h_2``, layer 1 the bottom,
    2 the top, and ``dEps = eps_2 - eps_1`` the top's eigenstrain minus the bottom's
    (Timoshenko's ``(alpha_2 - alpha_1)(t - t_0)``).

    Examples
    --------
    Equal layers: ``kappa = 3 dEps / (2 h)``:

    >>> timoshenko_curvature(1.0, 0.5, 1.0, 0.5, 1e-3)
    0.0015
    """
    _layers([thickness_bottom, thickness_top], [modulus_bottom, modulus_top], [0.0, mismatch])
    m = thickness_bottom / thickness_top
    n = modulus_bottom / modulus_top
    h = thickness_bottom + thickness_top
    return float(6.0 * mismatch * (1 + m) ** 2
                 / (h * (3 * (1 + m) ** 2 + (1 + m * n) * (m * m + 1 / (m * n)))))


def stoney_curvature(film_modulus: float, film_thickness: float, substrate_modulus: float,
                     substrate_thickness: float, mismatch: float) -> float:
    """Stoney's (1909) thin-film curvature ``6 E_f h_f dEps / (E_s h_s^2)`` (1/m).

    ``dEps`` is the film's eigenstrain minus the substrate's: a film that would
    shrink (``dEps < 0``, tensile film stress ``-E_f dEps``) gives ``kappa < 0``.

    Examples
    --------
    >>> stoney_curvature(100e9, 1e-6, 200e9, 1e-3, -1e-3)
    -0.003
    """
    _layers([substrate_thickness, film_thickness], [substrate_modulus, film_modulus],
            [0.0, mismatch])
    return float(6.0 * film_modulus * film_thickness * mismatch
                 / (substrate_modulus * substrate_thickness**2))


def edge_deflection(curvature: float | np.ndarray, length: float) -> float | np.ndarray:
    """Rise of the ends of a free part of ``length`` (m) above its middle: ``-kappa L^2/8``.

    Small deflection of a uniformly curved part (``w'' = -kappa``); positive when the
    part curls up. A part clamped at one end instead lifts its free end by
    ``-kappa L^2 / 2``.

    Examples
    --------
    >>> round(edge_deflection(-0.02, 0.1), 12)
    2.5e-05
    """
    if not length > 0:
        raise ConfigError(f"part length must be positive, got {length}")
    return -np.asarray(curvature) * length**2 / 8.0 if np.ndim(curvature) else \
        -float(curvature) * length**2 / 8.0


def plane_strain_beam(stiffness: np.ndarray, eigenstrain: np.ndarray
                      ) -> tuple[float, float]:
    """Beam modulus and mismatch of a layer in cylindrical bending from its tensors.

    Parameters
    ----------
    stiffness : ndarray, ``(3, 3)``
        Plane-strain Mandel stiffness ``[xx, zz, xz]`` (Pa) in the bending plane
        (``x`` along the part, ``z`` through the thickness), the out-of-plane strain
        held at zero.
    eigenstrain : ndarray, ``(2, 2)``
        Equivalent in-plane eigenstrain ``[[xx, xz], [xz, zz]]`` (see
        :func:`scaleweave.engines.continuum.plate_fe.plane_strain_layer`).

    Returns
    -------
    modulus, mismatch : float
        ``sigma_xx = modulus (eps_xx - mismatch)`` when ``sigma_zz = sigma_xz = 0``:
        ``modulus = 1 / S_11`` with ``S`` the inverse of ``stiffness``, and
        ``mismatch = eps*_xx``.

    Examples
    --------
    Isotropic plane strain: ``E / (1 - nu^2)``:

    >>> lam, mu = 1.0, 1.0  # E = 2.5, nu = 0.25
    >>> c = np.array([[lam + 2 * mu, lam, 0], [lam, lam + 2 * mu, 0], [0, 0, 2 * mu]])
    >>> round(plane_strain_beam(c, np.eye(2) * 1e-3)[0], 6)
    2.666667
    """
    c = np.asarray(stiffness, dtype=float)
    eps = np.asarray(eigenstrain, dtype=float)
    if c.shape != (3, 3) or eps.shape != (2, 2):
        raise ConfigError(f"plane_strain_beam needs a (3, 3) stiffness and a (2, 2) "
                          f"eigenstrain, got {c.shape} and {eps.shape}")
    s = np.linalg.inv(c)
    return float(1.0 / s[0, 0]), float(eps[0, 0])


def plane_strain_modulus(young: float, poisson: float) -> float:
    """Beam modulus of an isotropic layer in cylindrical bending, ``E / (1 - nu^2)`` (Pa).

    Examples
    --------
    >>> round(plane_strain_modulus(2.5, 0.25), 6)
    2.666667
    """
    return young / (1.0 - poisson**2)


@dataclass(frozen=True)
class BeamLayer:
    """A layer reduced to cylindrical bending along one in-plane axis.

    Attributes
    ----------
    stiffness : ndarray ``(3, 3)``
        Plane-strain Mandel stiffness ``[along, through, shear]`` (Pa), for the FE strip.
    eigenstrain : ndarray ``(2, 2)``
        Equivalent in-plane eigenstrain.
    modulus : float
        Beam modulus (Pa): ``sigma_along = modulus (eps_along - mismatch)``.
    mismatch : float
        Eigenstrain along the bending direction.
    """

    stiffness: np.ndarray
    eigenstrain: np.ndarray
    modulus: float
    mismatch: float


def beam_layer(stiffness: np.ndarray, eigenstrain: np.ndarray, axis: int = 0) -> BeamLayer:
    """A 3D layer (Mandel stiffness, eigenstrain) in cylindrical bending along ``axis``.

    Plane strain across the bending direction
    (:func:`scaleweave.engines.continuum.plate_fe.plane_strain_layer`), then the beam
    modulus and mismatch of :func:`plane_strain_beam`.

    Examples
    --------
    Isotropic ``E = 2.5``, ``nu = 0.25`` and eigenstrain ``1e-3 I``: ``E / (1 - nu^2)``
    and ``(1 + nu) 1e-3``:

    >>> from scaleweave.materials.tensors import isotropic_stiffness_young
    >>> b = beam_layer(isotropic_stiffness_young(2.5, 0.25), 1e-3 * np.eye(3))
    >>> round(b.modulus, 6), round(b.mismatch, 9)
    (2.666667, 0.00125)
    """
    from scaleweave.engines.continuum.plate_fe import plane_strain_layer

    c2, e2 = plane_strain_layer(stiffness, eigenstrain, axis=axis)
    m, s = plane_strain_beam(c2, e2)
    return BeamLayer(c2, e2, m, s)


class LayerBuildModel(Bridge):
    """Warpage of a strip built layer by layer on a substrate, as a study model.

    Equal deposit increments of one beam modulus and mismatch (:func:`layer_by_layer`)
    on a stress-free substrate; the curvature and the rise of the ends
    (:func:`edge_deflection`). Beam theory holds for a long, thin part, so the model
    reports ``length / thickness`` as its diagnostic (want >= ``min_aspect``).

    Ports
    -----
    Inputs ``modulus`` [Pa] and ``mismatch`` [dimensionless] of a deposit increment;
    outputs ``curvature`` [1/m], ``edge_deflection`` [m], ``aspect_ratio``.

    Parameters
    ----------
    substrate_thickness : float
        Substrate thickness (m).
    substrate_modulus : float
        Substrate beam modulus (Pa), e.g. :func:`plane_strain_modulus`.
    layers : int
        Deposit increments.
    layer_thickness : float
        Thickness of one increment (m).
    length : float
        Part length (m).
    min_aspect : float
        Smallest ``length / thickness`` of the thin-part regime.
    name : str
        Instance name.

    Examples
    --------
    One increment is a bilayer (Timoshenko 1925):

    >>> m = LayerBuildModel(substrate_thickness=2.0, substrate_modulus=1.0, layers=1,
    ...                     layer_thickness=1.0, length=40.0)
    >>> out = m.evaluate({"modulus": 2.0, "mismatch": -1e-3})
    >>> bool(np.isclose(out["curvature"], timoshenko_curvature(1.0, 2.0, 2.0, 1.0, -1e-3)))
    True
    """

    inputs = (
        Port("modulus", "Pa", description="beam modulus of a deposit increment"),
        Port("mismatch", "", description="eigenstrain of a deposit increment along the part"),
    )
    outputs = (
        Port("curvature", "1/m", description="curvature of the finished part (d eps/dz)"),
        Port("edge_deflection", "m", description="rise of the part's ends above its middle"),
        Port("aspect_ratio", "", description="part length / thickness (want >= min_aspect)"),
    )
    identity = "homogenization.layer_build"
    diagnostics = (Diagnostic("part length / thickness (thin-part regime)", "aspect_ratio",
                              "min_aspect", "ge"),)

    def __init__(self, *, substrate_thickness: float, substrate_modulus: float, layers: int,
                 layer_thickness: float, length: float, min_aspect: float = 10.0,
                 name: str = "plate") -> None:
        self.substrate_thickness = substrate_thickness
        self.substrate_modulus = substrate_modulus
        self.layers = layers
        self.layer_thickness = layer_thickness
        self.length = length
        self.min_aspect = min_aspect
        self.name = name

    @property
    def length_scale(self) -> float:  # type: ignore[override]
        """The part length (m)."""
        return float(self.length)

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        n, hl = int(self.layers), self.layer_thickness
        k = layer_by_layer(self.substrate_thickness, self.substrate_modulus, [hl] * n,
                           [inputs["modulus"]] * n, [inputs["mismatch"]] * n).curvature
        thick = self.substrate_thickness + n * hl
        return {"curvature": k, "edge_deflection": edge_deflection(k, self.length),
                "aspect_ratio": self.length / thick}
