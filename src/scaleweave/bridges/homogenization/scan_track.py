"""Layer RVE of laser scan tracks: track tensors -> FFT homogenization -> layer ``C*``, ``eps*``.

The bottom-up step of a powder-bed part. Each scan track is transversely isotropic
about its scan direction and carries the inherent strain of the melt track
(``eps_L`` along the scan, ``eps_T`` across it and up the build)
(:class:`TrackMaterial`). A periodic voxel cell of tracks laid with the scan strategy
and seeded lack-of-fusion pores
(:func:`~scaleweave.engines.geometry.microstructure.scan_tracks`) is homogenized by
the FFT engine
(:func:`~scaleweave.engines.continuum.fft_homogenization.effective_elasticity`) into
the layer's effective stiffness ``C*`` and eigenstrain ``eps*``
(:class:`ScanTrackLayer`, :class:`LayerRVE`). A pore is a very compliant isotropic
phase, ``pore_stiffness_ratio`` times the Voigt-averaged track moduli.

Validity
--------
- The FFT equilibrium residual (declared by :class:`LayerRVEModel`).
- Scale separation and resolution before solving (:meth:`ScanTrackLayer.size_validity`)
  and the change of ``C*_11``, ``eps*_xx`` with a finer grid and a larger cell
  (:func:`rve_convergence`).
- Exact relations on the same geometry: with one stiffness for every track,
  ``eps* = <eps>`` for any microstructure (:func:`uniform_stiffness_eigenstrain`);
  for two isotropic phases with isotropic eigenstrains, Levin's (1967) relation
  (:func:`levin_check`).

Lengths are in m, moduli in Pa.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleweave.bridges.homogenization.bounds import (
    levin_expansion,
    voigt_isotropic_moduli,
    voigt_reuss_stiffness,
    volume_fractions,
)
from scaleweave.bridges.homogenization.plate import beam_layer
from scaleweave.core.checks import Validity
from scaleweave.core.model import Bridge, Diagnostic, Port
from scaleweave.materials.tensors import (
    isotropic_stiffness,
    rotate_stiffness,
    tensor_to_mandel,
    transversely_isotropic_stiffness,
)

if TYPE_CHECKING:
    from scaleweave.engines.continuum.fft_homogenization import HomogenizationResult
    from scaleweave.engines.geometry.microstructure import ScanTrackRVE

__all__ = ["LayerRVE", "LayerRVEModel", "ScanTrackLayer", "TrackMaterial", "free_layer_stress",
           "levin_check", "rve_convergence", "uniform_stiffness_eigenstrain"]


@dataclass(frozen=True)
class TrackMaterial:
    """A scan track: transversely isotropic about its scan direction, with an eigenstrain.

    Attributes
    ----------
    e_long, e_trans : float
        Young's moduli along and across the scan (Pa).
    nu_lt, nu_tt : float
        Poisson's ratios ``nu_LT`` and ``nu_TT``.
    g_lt : float
        Axial shear modulus (Pa).
    eps_long, eps_trans : float
        Eigenstrain along the scan, and across it and along the build direction.
    """

    e_long: float
    e_trans: float
    nu_lt: float
    nu_tt: float
    g_lt: float
    eps_long: float
    eps_trans: float

    def stiffness(self) -> np.ndarray:
        """Mandel stiffness (Pa) of a track scanned along ``x``."""
        return transversely_isotropic_stiffness(self.e_long, self.e_trans, self.nu_lt,
                                                self.nu_tt, self.g_lt)

    def tensors(self, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stiffness (Mandel, ``(n, 6, 6)``, Pa) and eigenstrain ``(n, 3, 3)`` per scan angle.

        Examples
        --------
        >>> t = TrackMaterial(200e9, 170e9, 0.3, 0.3, 75e9, -4e-3, -1.5e-3)
        >>> c, e = t.tensors(np.array([0.0, np.pi / 2]))
        >>> np.diag(e[1]).round(6).tolist()
        [-0.0015, -0.004, -0.0015]
        """
        c = self.stiffness()
        stiff = np.array([rotate_stiffness(c, a) for a in angles])
        t = np.stack([np.cos(angles), np.sin(angles), np.zeros_like(angles)], axis=-1)
        eig = self.eps_trans * np.eye(3) + (self.eps_long - self.eps_trans) * np.einsum(
            "pi,pj->pij", t, t)
        return stiff, eig

    def mean_eigenstrain(self, layer_angles: np.ndarray) -> np.ndarray:
        """Volume mean of the eigenstrain over equal, dense layers scanned at these angles.

        Examples
        --------
        0/90 layers: ``(eps_L + eps_T) / 2`` in plane, ``eps_T`` up the build:

        >>> t = TrackMaterial(200e9, 170e9, 0.3, 0.3, 75e9, -4e-3, -1.5e-3)
        >>> np.diag(t.mean_eigenstrain(np.array([0.0, np.pi / 2]))).round(8).tolist()
        [-0.00275, -0.00275, -0.0015]
        """
        return self.tensors(np.asarray(layer_angles, dtype=float))[1].mean(axis=0)


@dataclass(frozen=True)
class LayerRVE:
    """One homogenized layer RVE.

    Attributes
    ----------
    rve : ScanTrackRVE
        The voxel geometry.
    result : HomogenizationResult
        The FFT solution (``effective``: ``C*``, Mandel, Pa; ``effective_eigenstrain``).
    stiffness, eigenstrain : ndarray
        Per phase: Mandel stiffness ``(n, 6, 6)`` (Pa) and eigenstrain ``(n, 3, 3)``.
    """

    rve: ScanTrackRVE
    result: HomogenizationResult
    stiffness: np.ndarray
    eigenstrain: np.ndarray

    @property
    def effective(self) -> np.ndarray:
        """``C*`` (Mandel, Pa)."""
        return self.result.effective

    @property
    def effective_eigenstrain(self) -> np.ndarray:
        """``eps*`` with ``<sigma> = C* (E - eps*)``."""
        return self.result.effective_eigenstrain

    @property
    def residual(self) -> float:
        """Worst final equilibrium residual ``||P sigma|| / ||sigma||`` over the loads."""
        return max(float(h[-1]) for h in self.result.residuals)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Voigt and Reuss stiffness tensors of the cell's phases at its voxel fractions."""
        frac = volume_fractions(self.rve.phases, len(self.stiffness))
        return voigt_reuss_stiffness(frac, self.stiffness)


@dataclass(frozen=True)
class ScanTrackLayer:
    """A powder layer of scan tracks and how its RVE is built and solved.

    Attributes
    ----------
    track : TrackMaterial
    strategy : str
        Scan strategy (:func:`~scaleweave.engines.geometry.microstructure.scan_angles`).
    track_width, layer_thickness : float
        Hatch width and powder layer thickness (m).
    n_layers : int
        Powder layers in the cell.
    tracks_per_cell, voxels_per_track : int
        Tracks across the cell and voxels across a track.
    jitter : float
        Relative track-width variation.
    pore_radius : float
        Lack-of-fusion pore radius (m).
    pore_stiffness_ratio : float
        Pore moduli over the Voigt-averaged track moduli.
    tolerance : float
        FFT equilibrium residual.
    """

    track: TrackMaterial
    strategy: str = "0/90"
    track_width: float = 100e-6
    layer_thickness: float = 50e-6
    n_layers: int = 2
    tracks_per_cell: int = 4
    voxels_per_track: int = 6
    jitter: float = 0.1
    pore_radius: float = 30e-6
    pore_stiffness_ratio: float = 1e-3
    tolerance: float = 1e-6

    @property
    def cell_size(self) -> float:
        """In-plane edge of the cell (m)."""
        return self.track_width * self.tracks_per_cell

    def size_validity(self) -> list[Validity]:
        """Tracks across the cell (>= 2) and voxels across a track (>= 4), before solving."""
        from scaleweave.engines.continuum.fft_homogenization import rve_size_validity

        return rve_size_validity(self.track_width, self.track_width / self.voxels_per_track,
                                 self.cell_size, min_features=2.0)

    def geometry(self, porosity: float, rng: np.random.Generator, *,
                 voxels: int | None = None, tracks: int | None = None) -> ScanTrackRVE:
        """The voxel cell (``voxels`` per track and ``tracks`` across override the settings)."""
        from scaleweave.engines.geometry.microstructure import scan_tracks

        n_tracks = int(tracks or self.tracks_per_cell)
        nxy = int(voxels or self.voxels_per_track) * n_tracks
        n_layers = int(self.n_layers)
        nz = n_layers * max(2, round(nxy / n_tracks * self.layer_thickness / self.track_width))
        return scan_tracks((nxy, nxy, nz), n_layers, 1.0 / n_tracks, self.strategy,
                           porosity=porosity, jitter=self.jitter, rng=rng,
                           pore_radius=self.pore_radius / self.track_width)

    def phase_tensors(self, rve: ScanTrackRVE) -> tuple[np.ndarray, np.ndarray]:
        """Stiffness and eigenstrain of each phase of ``rve``, the pores last (if any)."""
        stiff, eig = self.track.tensors(rve.angles)
        if rve.pore_phase is not None:
            k, g = voigt_isotropic_moduli(stiff[0])
            ratio = self.pore_stiffness_ratio
            stiff = np.concatenate([stiff, isotropic_stiffness(ratio * k, ratio * g)[None]])
            eig = np.concatenate([eig, np.zeros((1, 3, 3))])
        return stiff, eig

    def homogenize(self, porosity: float, rng: np.random.Generator, *,
                   voxels: int | None = None, tracks: int | None = None,
                   keep_fields: bool = False) -> LayerRVE:
        """Build and solve one layer RVE (``rng`` draws scan starts, jitter and pores)."""
        from scaleweave.engines.continuum.fft_homogenization import effective_elasticity

        rve = self.geometry(porosity, rng, voxels=voxels, tracks=tracks)
        stiff, eig = self.phase_tensors(rve)
        res = effective_elasticity(rve.phases, stiffness=stiff, eigenstrain=eig,
                                   tol=self.tolerance, keep_fields=keep_fields)
        return LayerRVE(rve, res, stiff, eig)


def rve_convergence(layer: ScanTrackLayer, porosity: float,
                    rng: Callable[[], np.random.Generator], nominal: LayerRVE, *,
                    limit: float = 0.03) -> list[Validity]:
    """Change of ``C*_11`` and ``eps*_xx`` with two more voxels per track and twice the cell.

    ``rng()`` gives the generator of the nominal cell afresh, so each RVE draws the
    same scan starts, jitter and pore sites as far as its grid allows.
    """
    from scaleweave.engines.continuum.fft_homogenization import property_change

    fine = layer.homogenize(porosity, rng(), voxels=int(layer.voxels_per_track) + 2)
    big = layer.homogenize(porosity, rng(), tracks=2 * int(layer.tracks_per_cell))
    out = []
    for what, other in (("resolution", fine), ("RVE size", big)):
        out.append(property_change(nominal.effective[0, 0], other.effective[0, 0], limit,
                                   f"layer C*_11 with {what}"))
        out.append(property_change(nominal.effective_eigenstrain[0, 0],
                                   other.effective_eigenstrain[0, 0], limit,
                                   f"layer eps*_xx with {what}"))
    return out


def uniform_stiffness_eigenstrain(layer: ScanTrackLayer, rve: ScanTrackRVE, bulk: float,
                                  shear: float, *, tol: float = 1e-10) -> np.ndarray:
    """``eps*`` of ``rve``'s tracks, all given one isotropic stiffness: ``<eps>`` exactly.

    With a uniform stiffness the eigenstrain's fluctuation leaves the mean stress
    unchanged, so ``eps*`` is the volume mean of the track eigenstrains for any
    arrangement: a check of the solver on the case's own geometry.
    """
    from scaleweave.engines.continuum.fft_homogenization import effective_elasticity

    _, eig = layer.track.tensors(rve.angles)
    n = len(rve.angles)
    res = effective_elasticity(rve.phases, [bulk] * n, [shear] * n, eigenstrain=eig, tol=tol,
                               keep_fields=False)
    return res.effective_eigenstrain


def levin_check(layer: ScanTrackLayer, rve: ScanTrackRVE, bulk: float, shear: float, *,
                tol: float = 1e-10, limit: float = 1e-5) -> Validity:
    """Levin's (1967) relation on the porous cell, tracks isotropic: FFT vs exact.

    The tracks get the isotropic moduli ``bulk``, ``shear`` and the isotropic
    eigenstrain ``(eps_L + 2 eps_T) / 3``; the pores ``pore_stiffness_ratio`` times
    the moduli and none. With the FFT's ``1/K* = I : S* : I`` the relation gives
    ``tr(eps*) / 3`` exactly; the diagnostic is the FFT's relative deviation from it.
    """
    from scaleweave.engines.continuum.fft_homogenization import effective_elasticity

    if rve.pore_phase is None:
        raise ValueError("levin_check needs a porous cell (two phases)")
    r_p = layer.pore_stiffness_ratio
    two = (rve.phases == rve.pore_phase).astype(np.int64)
    a_t = (layer.track.eps_long + 2.0 * layer.track.eps_trans) / 3.0
    lev = effective_elasticity(two, [bulk, r_p * bulk], [shear, r_p * shear],
                               eigenstrain=np.array([a_t * np.eye(3), np.zeros((3, 3))]),
                               tol=tol, keep_fields=False)
    iso = tensor_to_mandel(np.eye(3))
    k_star = 1.0 / (iso @ np.linalg.solve(lev.effective, iso))
    f = float(two.mean())
    value = float(np.trace(lev.effective_eigenstrain) / 3.0)
    exact = levin_expansion(k_star, [1 - f, f], [bulk, r_p * bulk], [a_t, 0.0])
    return Validity("fft_homogenization", "Levin (1967) relation, porous layer: relative "
                    "deviation of FFT tr(eps*)/3 from Levin with the FFT K*",
                    abs(value - exact) / abs(exact), limit)


def free_layer_stress(result: HomogenizationResult) -> np.ndarray:
    """Residual micro-stress ``(3, 3, *grid)`` (Pa) of the free layer (mean stress zero).

    The macroscopic strain of a free layer is ``E = eps*``; its stress field is the
    eigenstrain load's plus ``eps*`` times the unit-strain loads' (superposition).
    Needs the fields (``keep_fields=True``).
    """
    e_m = tensor_to_mandel(result.effective_eigenstrain)
    return result.fluxes[-1] + np.einsum("m,m...->...", e_m, result.fluxes[:-1])


class LayerRVEModel(Bridge):
    """The layer RVE as a study model: one sampled microstructure -> beam properties.

    ``pattern`` in [0, 1) names the realisation: the cell's generator is seeded with
    ``(seed, int(pattern 2^32))``, so a sample is reproducible on any worker. The
    layer is reduced to cylindrical bending along ``axis``
    (:func:`~scaleweave.bridges.homogenization.plate.beam_layer`).

    Ports
    -----
    Inputs ``porosity``, ``pattern``; outputs ``modulus`` [Pa] and ``mismatch`` of the
    layer in bending, ``porosity_voxel`` (pore fraction placed) and ``residual``, the
    FFT equilibrium residual (its diagnostic, want <= ``tolerance``).
    """

    inputs = (
        Port("porosity", "", description="target lack-of-fusion pore volume fraction"),
        Port("pattern", "", description="track-pattern realisation in [0, 1)"),
    )
    outputs = (
        Port("modulus", "Pa", description="layer beam modulus in cylindrical bending"),
        Port("mismatch", "", description="layer eigenstrain along the bending direction"),
        Port("porosity_voxel", "", description="pore voxel fraction of the cell"),
        Port("residual", "", description="FFT equilibrium residual ||P sigma||/||sigma||"),
    )
    identity = "homogenization.scan_track_layer"
    diagnostics = (Diagnostic("stress equilibrium residual ||P sigma||/||sigma||", "residual",
                              "tolerance"),)

    def __init__(self, *, layer: ScanTrackLayer, seed: int = 0, axis: int = 0,
                 name: str = "layer") -> None:
        self.layer = layer
        self.seed = seed
        self.axis = axis
        self.name = name

    @property
    def tolerance(self) -> float:
        """The FFT residual the layer is solved to (the diagnostic's limit)."""
        return float(self.layer.tolerance)

    @property
    def length_scale(self) -> float:  # type: ignore[override]
        """The cell's in-plane edge (m)."""
        return float(self.layer.cell_size)

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        rng = np.random.default_rng([int(self.seed), int(inputs["pattern"] * 2**32)])
        r = self.layer.homogenize(float(inputs["porosity"]), rng)
        beam = beam_layer(r.effective, r.effective_eigenstrain, axis=self.axis)
        return {"modulus": beam.modulus, "mismatch": beam.mismatch,
                "porosity_voxel": r.rve.porosity, "residual": r.residual}
