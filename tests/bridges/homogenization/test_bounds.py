"""Bounds and exact relations for composites: orderings, limits and closed forms.

Sources: Hill (1952, Proc. Phys. Soc. A 65, 349) for Voigt >= Reuss; Hashin &
Shtrikman (1962, J. Appl. Phys. 33, 3125; 1963, J. Mech. Phys. Solids 11, 127) and
Walpole (1966, J. Mech. Phys. Solids 14, 151); Hill (1963, J. Mech. Phys. Solids 11,
357): equal shear moduli make the bulk modulus exact; Milton (2002, The Theory of
Composites, ch. 7, 23) for the 2D forms; Levin (1967, Mech. Solids 2, 58);
Mori & Tanaka (1973, Acta Metall. 21, 571) in Benveniste's (1987, Mech. Mater. 6,
147) two-phase form, equal to the HS form with the matrix as reference (Weng 1984,
Int. J. Eng. Sci. 22, 845). Tensors: the exact stiffness of a laminate (Backus
1962, J. Geophys. Res. 67, 4427: stress across and strain along the layers are
continuous); Voigt's (1928) orientation average.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaleweave.bridges.homogenization.bounds import (
    hashin_shtrikman_bulk,
    hashin_shtrikman_conductivity,
    hashin_shtrikman_shear,
    levin_expansion,
    loewner_margin,
    mori_tanaka,
    mori_tanaka_conductivity,
    reuss,
    voigt,
    voigt_isotropic_moduli,
    voigt_reuss_stiffness,
    volume_fractions,
)
from scaleweave.errors import ConfigError
from scaleweave.materials.tensors import (
    isotropic_stiffness,
    isotropic_stiffness_young,
    rotate_stiffness,
    transversely_isotropic_stiffness,
)

positive = st.floats(min_value=1e-3, max_value=1e3)
fraction = st.floats(min_value=0.0, max_value=1.0)


@given(fraction, positive, positive, positive, positive, st.sampled_from([2, 3]))
def test_bounds_are_ordered(f, k1, k2, g1, g2, dim):
    fr = [1 - f, f]
    eps = 1e-9
    lo, hi = hashin_shtrikman_conductivity(fr, [k1, k2], dim)
    assert reuss(fr, [k1, k2]) * (1 - eps) <= lo <= hi * (1 + eps)
    assert hi <= voigt(fr, [k1, k2]) * (1 + eps)
    for lo, hi, v in (
        (*hashin_shtrikman_bulk(fr, [k1, k2], [g1, g2], dim), [k1, k2]),
        (*hashin_shtrikman_shear(fr, [k1, k2], [g1, g2], dim), [g1, g2]),
    ):
        assert reuss(fr, v) * (1 - eps) <= lo <= hi * (1 + eps) <= voigt(fr, v) * (1 + 2 * eps)


def test_hs_conductivity_closed_forms():
    """2D lower bound = Maxwell-Garnett (coated disks); 3D upper = coated spheres."""
    f, k1, k2 = 0.3, 1.0, 7.0  # f = fraction of phase 2
    beta2 = (k2 - k1) / (k2 + k1)
    lo2, _ = hashin_shtrikman_conductivity([1 - f, f], [k1, k2], dim=2)
    assert lo2 == pytest.approx(k1 * (1 + f * beta2) / (1 - f * beta2), rel=1e-12)
    _, hi3 = hashin_shtrikman_conductivity([1 - f, f], [k1, k2], dim=3)
    expected = k2 + (1 - f) / (1 / (k1 - k2) + f / (3 * k2))
    assert hi3 == pytest.approx(expected, rel=1e-12)


def test_hs_elastic_closed_forms_3d():
    """Two-phase 3D HS in Hashin-Shtrikman's (1963) original form (well-ordered)."""
    f1, K1, G1, K2, G2 = 0.6, 10.0, 4.0, 40.0, 25.0
    f2 = 1 - f1
    k_lo = K1 + f2 / (1 / (K2 - K1) + 3 * f1 / (3 * K1 + 4 * G1))
    g_lo = G1 + f2 / (1 / (G2 - G1) + 6 * f1 * (K1 + 2 * G1) / (5 * G1 * (3 * K1 + 4 * G1)))
    assert hashin_shtrikman_bulk([f1, f2], [K1, K2], [G1, G2])[0] == pytest.approx(k_lo)
    assert hashin_shtrikman_shear([f1, f2], [K1, K2], [G1, G2])[0] == pytest.approx(g_lo)


def test_hs_elastic_closed_forms_2d():
    """2D (area bulk modulus kappa): Milton (2002) eqs. for the well-ordered case."""
    f1, k1, g1, k2, g2 = 0.5, 2.0, 1.0, 6.0, 3.0
    f2 = 1 - f1
    k_lo = k1 + f2 / (1 / (k2 - k1) + f1 / (k1 + g1))
    g_lo = g1 + f2 / (1 / (g2 - g1) + f1 * (k1 + 2 * g1) / (2 * g1 * (k1 + g1)))
    assert hashin_shtrikman_bulk([f1, f2], [k1, k2], [g1, g2], dim=2)[0] == pytest.approx(k_lo)
    assert hashin_shtrikman_shear([f1, f2], [k1, k2], [g1, g2], dim=2)[0] == pytest.approx(g_lo)


def test_equal_shear_makes_bulk_exact():
    lo, hi = hashin_shtrikman_bulk([0.2, 0.5, 0.3], [1.0, 5.0, 9.0], [2.0, 2.0, 2.0])
    assert lo == pytest.approx(hi, rel=1e-12)


@given(fraction, positive, positive, st.floats(-1e-2, 1e-2), st.floats(-1e-2, 1e-2))
def test_levin_limits(f, k1, k2, a1, a2):
    """At the Reuss bulk modulus the expansion is the mean; at the Voigt one it is
    the stiffness-weighted mean (Turner's value)."""
    if abs(k1 - k2) < 1e-6 * max(k1, k2):
        return
    fr, k, a = [1 - f, f], [k1, k2], [a1, a2]
    assert levin_expansion(reuss(fr, k), fr, k, a) == pytest.approx(
        (1 - f) * a1 + f * a2, abs=1e-12)
    turner = ((1 - f) * k1 * a1 + f * k2 * a2) / voigt(fr, k)
    assert levin_expansion(voigt(fr, k), fr, k, a) == pytest.approx(turner, abs=1e-12)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: voigt([0.5, 0.6], [1.0, 2.0]), "sum to 1"),
    (lambda: reuss([0.5, 0.5], [1.0, 0.0]), "positive"),
    (lambda: hashin_shtrikman_conductivity([1.0], [1.0], dim=4), "dim"),
    (lambda: hashin_shtrikman_bulk([0.5, 0.5], [1.0, 2.0], [1.0]), "one property per phase"),
    (lambda: levin_expansion(1.0, [0.3, 0.3, 0.4], [1, 2, 3], [1, 2, 3]), "two phases"),
    (lambda: levin_expansion(1.0, [0.5, 0.5], [2.0, 2.0], [1, 2]), "distinct"),
])
def test_config_errors(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


def test_single_phase_is_its_own_bound():
    assert hashin_shtrikman_shear([1.0], [3.0], [2.0]) == pytest.approx((2.0, 2.0))
    assert np.isclose(voigt([1.0], [4.0]), reuss([1.0], [4.0]))


def test_mori_tanaka_two_phase_closed_form_and_hs_identity():
    f, km, gm, ki, gi = 0.3, 2.0, 1.0, 10.0, 5.0
    k, g = mori_tanaka([1 - f, f], [km, ki], [gm, gi])
    # Benveniste (1987): explicit two-phase Mori-Tanaka moduli
    assert k == pytest.approx(km + f * (ki - km) / (1 + (1 - f) * (ki - km) / (km + 4 * gm / 3)))
    zeta = gm * (9 * km + 8 * gm) / (6 * (km + 2 * gm))
    assert g == pytest.approx(gm + f * (gi - gm) / (1 + (1 - f) * (gi - gm) / (gm + zeta)))
    # softest matrix: the lower HS bound; stiffest matrix (index 1): the upper one
    for dim in (2, 3):
        assert mori_tanaka([1 - f, f], [km, ki], [gm, gi], dim=dim) == pytest.approx(
            (hashin_shtrikman_bulk([1 - f, f], [km, ki], [gm, gi], dim)[0],
             hashin_shtrikman_shear([1 - f, f], [km, ki], [gm, gi], dim)[0]))
        assert mori_tanaka([1 - f, f], [km, ki], [gm, gi], matrix=1, dim=dim)[0] == \
            pytest.approx(hashin_shtrikman_bulk([1 - f, f], [km, ki], [gm, gi], dim)[1])
    # Maxwell-Garnett in 2D: k_m (1 + 2 f beta / (1 - f beta)), beta = (k_i-k_m)/(k_i+k_m)
    beta = (10.0 - 1.0) / 11.0
    assert mori_tanaka_conductivity([0.8, 0.2], [1.0, 10.0], dim=2) == pytest.approx(
        1 + 2 * 0.2 * beta / (1 - 0.2 * beta))
    with pytest.raises(ConfigError, match="matrix phase index"):
        mori_tanaka([0.5, 0.5], [1.0, 2.0], [1.0, 2.0], matrix=2)


@given(fraction, positive, positive, positive, positive, st.sampled_from([2, 3]))
def test_mori_tanaka_lies_inside_hs_bounds(f, k1, k2, g1, g2, dim):
    fr = [1 - f, f]
    k, g = mori_tanaka(fr, [k1, k2], [g1, g2], dim=dim)
    klo, khi = hashin_shtrikman_bulk(fr, [k1, k2], [g1, g2], dim)
    glo, ghi = hashin_shtrikman_shear(fr, [k1, k2], [g1, g2], dim)
    assert klo * (1 - 1e-9) <= k <= khi * (1 + 1e-9)
    assert glo * (1 - 1e-9) <= g <= ghi * (1 + 1e-9)


# ------------------------------------------------------------ tensors (Mandel notation)

_ACROSS = [0, 4, 5]  # Mandel 11, 13, 12 of layers normal to x1: stress continuous
_ALONG = [1, 2, 3]  # 22, 33, 23: strain continuous


def _laminate(fractions, stiffness):
    """Exact effective Mandel stiffness of a laminate normal to x1 (Backus 1962)."""
    f = np.asarray(fractions)
    c = np.asarray(stiffness)
    n, t = np.ix_(_ACROSS, _ACROSS), np.ix_(_ALONG, _ALONG)
    nt = np.ix_(_ACROSS, _ALONG)
    inv_nn = np.linalg.inv(c[:, n[0], n[1]])
    a = np.einsum("p,pij->ij", f, inv_nn)
    b = np.einsum("p,pij,pjk->ik", f, inv_nn, c[:, nt[0], nt[1]])
    schur = c[:, t[0], t[1]] - np.einsum("pji,pjk,pkl->pil", c[:, nt[0], nt[1]], inv_nn,
                                         c[:, nt[0], nt[1]])
    out = np.empty((6, 6))
    a_inv = np.linalg.inv(a)
    out[n] = a_inv
    out[nt] = a_inv @ b
    out[np.ix_(_ALONG, _ACROSS)] = (a_inv @ b).T
    out[t] = np.einsum("p,pij->ij", f, schur) + b.T @ a_inv @ b
    return out


def test_laminate_of_identical_phases_is_that_phase():
    c = transversely_isotropic_stiffness(200e9, 170e9, 0.3, 0.3, 75e9)
    assert np.allclose(_laminate([0.3, 0.7], [c, c]), c, rtol=0, atol=1e-9 * c.max())


def test_voigt_reuss_are_the_laminate_across_and_along_its_layers():
    """Phases without Poisson coupling (lambda = 0): series across, parallel along."""
    g = np.array([10e9, 80e9])
    f = [0.35, 0.65]
    phases = np.array([isotropic_stiffness(2 * gi / 3, gi) for gi in g])  # lambda = 0
    exact = _laminate(f, phases)
    c_v, c_r = voigt_reuss_stiffness(f, phases)
    assert exact[0, 0] == pytest.approx(c_r[0, 0], rel=1e-12)  # across: harmonic mean
    assert c_r[0, 0] == pytest.approx(1 / (f[0] / (2 * g[0]) + f[1] / (2 * g[1])), rel=1e-12)
    assert exact[1, 1] == pytest.approx(c_v[1, 1], rel=1e-12)  # along: arithmetic mean
    assert c_v[1, 1] == pytest.approx(f[0] * 2 * g[0] + f[1] * 2 * g[1], rel=1e-12)


@given(fraction, positive, positive, st.floats(min_value=-0.9, max_value=0.45),
       st.floats(min_value=-0.9, max_value=0.45))
def test_laminate_lies_between_reuss_and_voigt(f, e1, e2, nu1, nu2):
    phases = np.array([isotropic_stiffness_young(e1, nu1), isotropic_stiffness_young(e2, nu2)])
    exact = _laminate([1 - f, f], phases)
    c_v, c_r = voigt_reuss_stiffness([1 - f, f], phases)
    assert loewner_margin(c_v, exact) >= -1e-9
    assert loewner_margin(exact, c_r) >= -1e-9


def test_voigt_is_above_reuss_for_any_phases():
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.normal(size=(3, 6, 6))
        phases = np.einsum("pij,pkj->pik", a, a) + 0.1 * np.eye(6)  # positive definite
        f = rng.dirichlet(np.ones(3))
        c_v, c_r = voigt_reuss_stiffness(f, phases)
        assert loewner_margin(c_v, c_r) >= -1e-12
    same = np.array([isotropic_stiffness(3.0, 1.0)] * 2)
    c_v, c_r = voigt_reuss_stiffness([0.5, 0.5], same)
    assert loewner_margin(c_v, c_r) == pytest.approx(0.0, abs=1e-14)
    with pytest.raises(ConfigError, match="fractions"):
        voigt_reuss_stiffness([0.5, 0.6], same)
    with pytest.raises(ConfigError, match="shape"):
        voigt_reuss_stiffness([1.0], np.eye(6))


def test_loewner_margin_sign_and_scale():
    assert loewner_margin(np.diag([2.0, 4.0]), np.diag([1.0, 1.0])) == pytest.approx(0.25)
    assert loewner_margin(np.diag([2.0, 4.0]), np.diag([3.0, 1.0])) == pytest.approx(-0.25)


def test_voigt_isotropic_moduli_exact_and_orientation_free():
    assert voigt_isotropic_moduli(isotropic_stiffness(140e9, 60e9)) == pytest.approx(
        (140e9, 60e9), rel=1e-12)
    c = transversely_isotropic_stiffness(200e9, 170e9, 0.3, 0.3, 75e9)
    k, g = voigt_isotropic_moduli(c)
    rot = np.array([[0.36, 0.48, -0.8], [-0.8, 0.6, 0.0], [0.48, 0.64, 0.6]])  # orthogonal
    assert voigt_isotropic_moduli(rotate_stiffness(c, rot)) == pytest.approx((k, g),
                                                                              rel=1e-12)
    # Voigt's bulk modulus is the uniform-strain one: I : C : I / 9
    assert k == pytest.approx(np.sum(c[:3, :3]) / 9, rel=1e-14)
    with pytest.raises(ConfigError):
        voigt_isotropic_moduli(np.eye(3))


def test_volume_fractions():
    phases = np.array([[[0, 2], [2, 2]]])
    assert volume_fractions(phases, 3).tolist() == [0.25, 0.0, 0.75]
    with pytest.raises(ConfigError):
        volume_fractions(phases, 2)
