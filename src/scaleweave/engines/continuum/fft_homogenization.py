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

Validity: every diagnostic is returned, never warned. A result's
:attr:`HomogenizationResult.validity` holds the worst final residual against ``tol``
(``converged`` says whether it holds); :func:`effective_conductivity`,
:func:`effective_elasticity` and :func:`rve_size_validity` take ``validity="record"``
(the default), ``"warn"`` or ``"raise"`` for what a failed diagnostic does
(:func:`~scaleweave.core.checks.apply_validity_policy`).

This module is the engine's front: the work is split by job into
:mod:`~scaleweave.engines.continuum.fft_green` (frequency vectors, Green operators),
:mod:`~scaleweave.engines.continuum.fft_solver` (the two solvers, the result, its
residual diagnostic), :mod:`~scaleweave.engines.continuum.fft_conductivity`,
:mod:`~scaleweave.engines.continuum.fft_elasticity` and
:mod:`~scaleweave.engines.continuum.rve_validity`; every public name is importable
from here, as it always was.
"""

from __future__ import annotations

# The engine's own names, re-exported where its users have always imported them. They
# are listed in their modules' __all__ only: a name in two __all__ of one package would
# be exported twice by the lazy package exports (an error).
from scaleweave.engines.continuum.fft_conductivity import (
    effective_conductivity as effective_conductivity,
)
from scaleweave.engines.continuum.fft_elasticity import check_stiffness as check_stiffness
from scaleweave.engines.continuum.fft_elasticity import (
    effective_elasticity as effective_elasticity,
)
from scaleweave.engines.continuum.fft_green import frequency_vectors as frequency_vectors
from scaleweave.engines.continuum.fft_solver import (
    HomogenizationResult as HomogenizationResult,
)
from scaleweave.engines.continuum.rve_validity import property_change as property_change
from scaleweave.engines.continuum.rve_validity import rve_size_validity as rve_size_validity

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
    "isotropic_stiffness",
    "mandel_basis",
    "plane_strain_stiffness",
    "rotate_stiffness",
    "transversely_isotropic_stiffness",
]
