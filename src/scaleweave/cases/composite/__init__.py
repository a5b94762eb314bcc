"""Case ``composite``: a two-phase composite homogenized, against its bounds and exact results.

The bottom-up bridge in its simplest form: two isotropic phases (a matrix and its
inclusions: by default glass fibres in epoxy, seen in cross-section) in a periodic
cell, homogenized by the FFT engine (conjugate gradients on the Galerkin form,
Willot's rotated scheme) into an effective conductivity tensor and an effective
stiffness (2D: plane strain, the transverse properties of a fibre composite).

Microstructures: a **laminate** (layers normal to x), a **checkerboard**, a **square
array of cylinders** (3D: fibres along z) and **random inclusions** (non-overlapping
disks or spheres, one radius, placed from the seed ``realisation``).

References, each computed from the inputs and the grid's own phase fractions (or
listed as skipped, with the reason, where it does not apply):

* Voigt/Reuss (Wiener 1912; Hill 1952): any microstructure. The conductivity's
  eigenvalues lie between the harmonic and arithmetic means; the stiffness between
  the Reuss and Voigt tensors in the Loewner order, and so do its bulk and shear
  moduli. Off-diagonal stiffness entries have no such bound and are shown without one.
* Hashin-Shtrikman (1962, 1963; Walpole 1966): the mean conductivity ``tr(k*)/d`` of
  any two-phase composite (the trace bounds of Murat & Tartar 1985 and Lurie &
  Cherkaev 1986 imply it), the bulk and shear moduli of the statistically isotropic
  one (random inclusions).
* Exact: the laminate (harmonic/arithmetic means across/along, Wiener 1912; the
  stiffness of Postma 1955 and Backus 1962), the 2D checkerboard's ``sqrt(k1 k2)``
  (Dykhne 1970), the square array of cylinders by the multipole method (Rayleigh
  1892; Perrins, McKenzie & McPhedran 1979), equal shear moduli fixing the bulk
  modulus of any microstructure (Hill 1963). The FFT's pixel error is allowed for
  where it is known (staircased disks, the checkerboard's corner singularity).

Validity: the FFT residuals, pixels across the smallest feature, the random cell's
size, and the change of each result from half the resolution (grid convergence).
"""

from __future__ import annotations

from typing import Any, ClassVar

from scaleweave.cases.base import Case
from scaleweave.core.parameters import Parameter

__all__ = ["CompositeCase"]


class CompositeCase(Case):
    """Two-phase conductivity and elasticity by FFT homogenization, against the bounds."""

    name = "composite"
    title = "Two-phase composite homogenization: FFT against bounds and exact results"
    summary = ("Two-phase composite (laminate, checkerboard, cylinders, random inclusions): "
               "FFT conductivity and stiffness vs Voigt/Reuss, Hashin-Shtrikman, exact")
    parameters = (
        Parameter("microstructure", "cylinders", "", "phase arrangement in the periodic "
                  "cell", choices=("laminate", "checkerboard", "cylinders", "random"),
                  scale="microstructure"),
        Parameter("dim", 2, "", "spatial dimension (2: plane, a fibre cross-section in "
                  "plane strain; 3: voxel cell)", low=2, high=3, integer=True),
        Parameter("fraction", 0.3, "", "area (volume) fraction of the inclusions (phase 1; "
                  "a laminate's layer, a checkerboard: 0.5)", low=0.0, high=1.0,
                  low_open=True, high_open=True, scale="microstructure"),
        Parameter("conductivity_matrix", 0.2, "W/(m*K)", "matrix conductivity (epoxy)",
                  low=0.0, low_open=True, binds=("conductivity.conductivity_matrix",),
                  scale="phase"),
        Parameter("conductivity_inclusion", 1.0, "W/(m*K)", "inclusion conductivity "
                  "(E-glass)", low=0.0, low_open=True,
                  binds=("conductivity.conductivity_inclusion",), scale="phase"),
        Parameter("young_matrix", 3.0, "GPa", "matrix Young's modulus (epoxy)", low=0.0,
                  low_open=True, binds=("elasticity.young_matrix",), scale="phase"),
        Parameter("poisson_matrix", 0.35, "", "matrix Poisson's ratio", low=-1.0, high=0.5,
                  low_open=True, high_open=True, binds=("elasticity.poisson_matrix",),
                  scale="phase"),
        Parameter("young_inclusion", 72.0, "GPa", "inclusion Young's modulus (E-glass)",
                  low=0.0, low_open=True, binds=("elasticity.young_inclusion",),
                  scale="phase"),
        Parameter("poisson_inclusion", 0.22, "", "inclusion Poisson's ratio", low=-1.0,
                  high=0.5, low_open=True, high_open=True,
                  binds=("elasticity.poisson_inclusion",), scale="phase"),
        Parameter("inclusion_radius", 0.1, "", "random inclusions' radius, in cell sides",
                  low=0.0, high=0.5, low_open=True, high_open=True, scale="microstructure"),
        Parameter("realisation", 0, "", "seed of the random inclusions' placement", low=0,
                  integer=True, scale="microstructure"),
        Parameter("resolution", 128, "", "pixels (voxels) per cell side; 3D: keep it "
                  "near 32-64", low=8, high=4096, integer=True),
        Parameter("fft_tolerance", 1e-8, "", "FFT equilibrium residual", low=0.0,
                  low_open=True, high=1e-3),
        Parameter("convergence_limit", 0.02, "", "largest relative change of a result "
                  "from half the resolution", low=0.0, low_open=True),
    )
    quick: ClassVar[dict[str, Any]] = {"resolution": 64}
