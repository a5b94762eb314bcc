"""Case ``am-warpage``: scan-track eigenstrain -> layer RVE -> layer-by-layer build -> warpage.

The bottom-up bridge of the essay, worked on a 3D-printed (laser powder-bed) part:

1. **Track.** Each scan track carries an anisotropic eigenstrain (the inherent
   strain of the melt track: ``eps_L`` along the scan, ``eps_T`` across it and
   along the build direction) and a transversely isotropic stiffness about the
   scan direction.
2. **Layer RVE.** A periodic voxel cell of tracks laid with the scan strategy
   (0/90 alternating, 67-degree rotation, ...) and seeded lack-of-fusion pores is
   homogenized by the FFT engine (conjugate gradients): the layer's effective
   stiffness ``C*`` and eigenstrain ``eps*``. ``C*`` is checked against the
   Voigt/Reuss (Hill 1952) tensors in the Loewner order, and the moduli that order
   bounds (diagonal entries, directional Young's moduli, bulk modulus) are reported
   with their bounds; an off-diagonal entry such as ``C*_12`` has none. The
   uniform-stiffness average is an exact check and the Levin (1967) relation a
   diagnostic of the solve.
3. **Build.** Layers are deposited one by one on a substrate; each is bonded
   stress-free to the bent stack and then develops its eigenstrain. The warpage of
   a long strip (cylindrical bending along the first scan direction, plane strain)
   follows from multilayer beam theory and, independently, from a finite-element
   model with element birth (scikit-fem), compared in their common regime; a
   two-layer FE run is compared with Timoshenko's (1925) bilayer formula.
4. **Variability.** Two nominally identical parts never share a microstructure:
   the track pattern (scan-start offsets, track-width jitter, pore sites) and the
   porosity are aleatory inputs, propagated through the study (layer RVE ->
   build) into a distribution of curvature and edge deflection.

Sign convention (:mod:`scaleweave.bridges.homogenization.plate`): curvature ``kappa = d eps/dz``
with ``z`` up the build; a shrinking deposit gives ``kappa < 0`` and the ends of
the part lift (edge deflection > 0).
"""

from __future__ import annotations

from typing import Any, ClassVar

from scaleweave.cases.base import Case
from scaleweave.core.parameters import Parameter

__all__ = ["AMWarpageCase"]


class AMWarpageCase(Case):
    """Scan-track eigenstrain homogenized over a layer RVE, stacked into part warpage."""

    name = "am-warpage"
    title = "Additive-manufacturing warpage: track eigenstrain -> layer RVE -> build -> warpage"
    summary = (
        "3D-printed part: scan-track eigenstrain -> RVE homogenization -> layer build "
        "-> warpage, with its aleatory distribution"
    )
    parameters = (
        Parameter("eps_long", -4e-3, "", "track eigenstrain along the scan direction",
                  low=-0.05, high=0.05, scale="track"),
        Parameter("eps_trans", -1.5e-3, "", "track eigenstrain across the scan and along "
                  "the build direction", low=-0.05, high=0.05, scale="track"),
        Parameter("E_long", 200.0, "GPa", "track Young's modulus along the scan", low=0.0,
                  low_open=True, scale="track"),
        Parameter("E_trans", 170.0, "GPa", "track Young's modulus across the scan",
                  low=0.0, low_open=True, scale="track"),
        Parameter("nu_lt", 0.3, "", "track Poisson's ratio nu_LT", low=-1.0, high=0.5,
                  scale="track"),
        Parameter("nu_tt", 0.3, "", "track Poisson's ratio nu_TT", low=-1.0, high=0.5,
                  scale="track"),
        Parameter("G_lt", 75.0, "GPa", "track axial shear modulus", low=0.0, low_open=True,
                  scale="track"),
        Parameter("strategy", "0/90", "", "scan strategy (rotation between layers)",
                  choices=("0/90", "67", "unidirectional"), scale="layer"),
        Parameter("track_width", 100.0, "um", "track (hatch) width", low=0.0, low_open=True,
                  scale="layer"),
        Parameter("layer_thickness_rve", 50.0, "um", "powder layer thickness in the RVE",
                  low=0.0, low_open=True, scale="layer"),
        Parameter("porosity", "uniform(0.005, 0.03) aleatory", "",
                  "lack-of-fusion pore volume fraction", low=0.0, high=0.5, uncertain=True,
                  binds=("layer.porosity",), scale="layer"),
        Parameter("pattern", "uniform(0, 1) aleatory", "",
                  "track-pattern realisation (scan starts, width jitter, pore sites)",
                  low=0.0, high=1.0, uncertain=True, binds=("layer.pattern",), scale="layer"),
        Parameter("jitter", 0.1, "", "relative track-width variation", low=0.0, high=0.9,
                  scale="layer"),
        Parameter("pore_radius", 30.0, "um", "lack-of-fusion pore radius", low=0.0,
                  low_open=True, scale="layer"),
        Parameter("pore_stiffness_ratio", 1e-3, "", "pore stiffness / track stiffness "
                  "(a void as a very compliant phase)", low=0.0, low_open=True, high=0.1,
                  scale="layer"),
        Parameter("tracks_per_cell", 4, "", "tracks across the RVE", low=2, integer=True),
        Parameter("voxels_per_track", 6, "", "voxels across a track", low=2, integer=True),
        Parameter("rve_layers", 2, "", "powder layers in the RVE (0/90: even)", low=1,
                  integer=True),
        Parameter("fft_tolerance", 1e-6, "", "FFT equilibrium residual", low=0.0,
                  low_open=True, high=1e-2),
        Parameter("substrate_E", 200.0, "GPa", "substrate Young's modulus", low=0.0,
                  low_open=True, scale="part"),
        Parameter("substrate_nu", 0.3, "", "substrate Poisson's ratio", low=-1.0, high=0.5,
                  scale="part"),
        Parameter("substrate_thickness", 3.0, "mm", "substrate thickness", low=0.0,
                  low_open=True, scale="part"),
        Parameter("deposit_layers", 10, "", "deposit increments (lumped powder layers)",
                  low=1, integer=True, scale="part"),
        Parameter("deposit_layer_thickness", 0.3, "mm", "thickness of a deposit increment",
                  low=0.0, low_open=True, scale="part"),
        Parameter("length", 100.0, "mm", "part length (strip in cylindrical bending)",
                  low=0.0, low_open=True, scale="part"),
        Parameter("fe_elements", 40, "", "finite elements along the half strip", low=4,
                  integer=True),
        Parameter("n_samples", 32, "", "aleatory samples of the track pattern and porosity",
                  low=2, integer=True),
    )
    samples_parameter = "n_samples"
    quick: ClassVar[dict[str, Any]] = {"n_samples": 8, "voxels_per_track": 4,
                                       "fe_elements": 24, "deposit_layers": 6,
                                       "deposit_layer_thickness": 0.5}
    requires: ClassVar[tuple[tuple[str, str], ...]] = (("skfem", "fem"),)
