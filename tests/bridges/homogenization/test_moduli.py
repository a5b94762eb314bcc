"""Moduli the Voigt/Reuss tensors bound, and an entry they do not (issue 13).

Sources: Hill (1952, Proc. Phys. Soc. A 65, 349): ``C_R <= C* <= C_V`` in the Loewner
order; the exact plane-strain laminate of isotropic layers (Backus 1962, J. Geophys.
Res. 67, 4427: stress across and strain along the layers are continuous).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaleweave.bridges.homogenization.bounds import voigt_isotropic_moduli, voigt_reuss_stiffness
from scaleweave.bridges.homogenization.moduli import (
    bulk_modulus,
    isotropic_moduli,
    strain_modulus,
    stress_modulus,
    voigt_reuss_range,
    young_modulus,
)
from scaleweave.errors import ConfigError
from scaleweave.materials.tensors import (
    isotropic_stiffness,
    isotropic_stiffness_young,
    transversely_isotropic_stiffness,
)


def _laminate_2d(f: float, bulk: np.ndarray, shear: np.ndarray) -> np.ndarray:
    """Exact plane-strain stiffness (Mandel) of isotropic layers normal to x."""
    lam, mu = bulk - 2 * shear / 3, shear
    m = lam + 2 * mu

    def avg(x):
        return (1 - f) * x[0] + f * x[1]

    c11 = 1 / avg(1 / m)
    c12 = avg(lam / m) * c11
    c22 = avg(m - lam**2 / m) + avg(lam / m) ** 2 * c11
    return np.array([[c11, c12, 0.0], [c12, c22, 0.0], [0.0, 0.0, 2 / avg(1 / mu)]])


MODULI = {
    "bulk": bulk_modulus,
    "E_x": lambda c: young_modulus(c, [1.0, 0.0]),
    "E_y": lambda c: young_modulus(c, [0.0, 1.0]),
    "E_45": lambda c: young_modulus(c, [1.0, 1.0]),
    "C11": lambda c: strain_modulus(c, [1.0, 0.0, 0.0]),
    "C66": lambda c: strain_modulus(c, [0.0, 0.0, 1.0]),
    "shear (deviatoric mode)": lambda c: stress_modulus(c, [1.0, -1.0, 0.0]),
    "isotropic bulk": lambda c: isotropic_moduli(c)[0],
    "isotropic shear": lambda c: isotropic_moduli(c)[1],
}

moduli = st.floats(min_value=0.1, max_value=10.0)


@given(st.floats(min_value=0.02, max_value=0.98), moduli, moduli, moduli, moduli)
def test_laminate_moduli_lie_inside_their_voigt_reuss_range(f, k1, k2, g1, g2):
    bulk, shear = np.array([k1, k2]), np.array([g1, g2])
    exact = _laminate_2d(f, bulk, shear)
    c_v, c_r = voigt_reuss_stiffness([1 - f, f], np.array(
        [isotropic_stiffness(k, g, 2) for k, g in zip(bulk, shear, strict=True)]))
    for name, modulus in MODULI.items():
        lo, hi = voigt_reuss_range(c_v, c_r, modulus)
        assert lo * (1 - 1e-10) <= modulus(exact) <= hi * (1 + 1e-10), name


def test_an_off_diagonal_entry_is_not_bounded_by_its_voigt_reuss_values():
    """The exact laminate's C_12 lies outside [C_R,12, C_V,12] (found in 16 % of random
    two-phase inputs); its moduli stay inside their ranges."""
    f, bulk, shear = 0.8, np.array([8.914, 2.349]), np.array([6.270, 0.932])
    exact = _laminate_2d(f, bulk, shear)
    c_v, c_r = voigt_reuss_stiffness([1 - f, f], np.array(
        [isotropic_stiffness(k, g, 2) for k, g in zip(bulk, shear, strict=True)]))
    assert exact[0, 1] < min(c_r[0, 1], c_v[0, 1]) - 0.1  # 1.877 vs 2.013 .. 2.331
    lo, hi = voigt_reuss_range(c_v, c_r, bulk_modulus)
    assert lo <= bulk_modulus(exact) <= hi


def test_isotropic_values():
    k, g = 140.0, 60.0
    for d, plane in ((3, k), (2, k + g / 3)):
        c = isotropic_stiffness(k, g, d)
        assert bulk_modulus(c) == pytest.approx(plane, rel=1e-12)
        assert isotropic_moduli(c) == pytest.approx((plane, g), rel=1e-12)
    e, nu = 200.0, 0.3
    c3 = isotropic_stiffness_young(e, nu)
    for direction in ([1, 0, 0], [0, 1, 1], [1, 2, 3]):
        assert young_modulus(c3, direction) == pytest.approx(e, rel=1e-12)
    # plane strain: the in-plane modulus E / (1 - nu^2)
    c2 = isotropic_stiffness_young(e, nu, 2)
    assert young_modulus(c2, [1.0, 0.0]) == pytest.approx(e / (1 - nu**2), rel=1e-12)
    # a transversely isotropic track: E along its axis, and Voigt's average in 3D
    t = transversely_isotropic_stiffness(200.0, 170.0, 0.3, 0.3, 75.0)
    assert young_modulus(t, [1, 0, 0]) == pytest.approx(200.0, rel=1e-12)
    assert young_modulus(t, [0, 1, 0]) == pytest.approx(170.0, rel=1e-12)
    assert isotropic_moduli(t) == pytest.approx(voigt_isotropic_moduli(t), rel=1e-12)


def test_bad_shapes_and_directions():
    with pytest.raises(ConfigError, match="Mandel"):
        bulk_modulus(np.eye(4))
    with pytest.raises(ConfigError, match="direction"):
        young_modulus(np.eye(3), [0.0, 0.0])
    with pytest.raises(ConfigError, match="direction"):
        young_modulus(np.eye(3), [1.0, 0.0, 0.0])
