"""Multilayer plate/beam theory against its analytic limits.

Sources: Timoshenko (1925, J. Opt. Soc. Am. 11, 233) bilayer curvature; Stoney (1909,
Proc. R. Soc. A 82, 172) thin film (Freund & Suresh 2003, Thin Film Materials,
sec. 2.1); superposition
for successive deposition (Hsueh 2002, J. Appl. Phys. 91, 9652).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaleweave.bridges.homogenization.plate import (
    LayerBuildModel,
    beam_layer,
    edge_deflection,
    layer_by_layer,
    plane_strain_beam,
    plane_strain_modulus,
    stack_curvature,
    stoney_curvature,
    timoshenko_curvature,
)
from scaleweave.errors import ConfigError
from scaleweave.materials.tensors import isotropic_stiffness_young, rotate_stiffness

pos = st.floats(min_value=1e-2, max_value=1e2)


@given(pos, pos, pos, pos, st.floats(min_value=-1e-2, max_value=1e-2))
def test_two_layers_reduce_to_timoshenko(e1, h1, e2, h2, mis):
    k_t = timoshenko_curvature(e1, h1, e2, h2, mis)
    _, k_stack = stack_curvature([h1, h2], [e1, e2], [0.0, mis])
    k_lbl = layer_by_layer(h1, e1, [h2], [e2], [mis]).curvature
    assert k_stack == pytest.approx(k_t, rel=1e-9, abs=1e-15)
    assert k_lbl == pytest.approx(k_t, rel=1e-9, abs=1e-15)
    # only the difference of the eigenstrains bends the pair
    assert stack_curvature([h1, h2], [e1, e2], [0.3e-3, mis + 0.3e-3])[1] == pytest.approx(
        k_t, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("ratio", [1e-2, 1e-3, 1e-4])
def test_thin_film_reduces_to_stoney(ratio):
    es, hs, ef, mis = 200e9, 1e-3, 70e9, -2e-3
    hf = ratio * hs
    k = layer_by_layer(hs, es, [hf], [ef], [mis]).curvature
    k_s = stoney_curvature(ef, hf, es, hs, mis)
    # expanding Timoshenko's formula in h = h_f/h_s: kappa/kappa_Stoney
    # = (1 + h) / (3 h r (1 + h)^2 + (1 + h r)(1 + h^3 r)) = 1 + (1 - 4 r) h + O(h^2),
    # r = E_f/E_s: Stoney is the h -> 0 limit, first order in h
    err = k / k_s - 1
    assert abs(err - (1 - 4 * ef / es) * ratio) < 5 * ratio**2


def test_layer_by_layer_physics():
    hs, es = 5e-3, 200e9
    n, h, e, eps = 20, 0.25e-3, 150e9, -2e-3
    r = layer_by_layer(hs, es, [h] * n, [e] * n, [eps] * n)
    assert r.history.shape == (n,) and r.curvature == r.history[-1]
    assert np.all(r.increments < 0)  # every shrinking layer bends the part up
    assert r.height[-1] == pytest.approx(hs + n * h)
    # depositing sequentially differs from bonding all and loading at once
    together = stack_curvature([hs] + [h] * n, [es] + [e] * n, [0.0] + [eps] * n)[1]
    assert abs(r.curvature - together) > 0.01 * abs(together)
    # a film split into many thin sub-layers deposited on a thick plate: Stoney's sum
    thin = layer_by_layer(1.0, 1.0, [1e-5] * 10, [1.0] * 10, [-1e-3] * 10)
    assert thin.curvature == pytest.approx(stoney_curvature(1.0, 1e-4, 1.0, 1.0, -1e-3),
                                           rel=1e-3)
    assert edge_deflection(r.curvature, 0.1) == pytest.approx(-r.curvature * 0.01 / 8)
    assert edge_deflection(r.curvature, 0.1) > 0


def test_plane_strain_beam_and_errors():
    e_mod, nu = 200e9, 0.3
    lam, mu = e_mod * nu / ((1 + nu) * (1 - 2 * nu)), e_mod / (2 * (1 + nu))
    c = np.array([[lam + 2 * mu, lam, 0], [lam, lam + 2 * mu, 0], [0, 0, 2 * mu]])
    m, s = plane_strain_beam(c, np.diag([-1e-3, 5e-4]))
    assert m == pytest.approx(e_mod / (1 - nu**2)) and s == -1e-3
    with pytest.raises(ConfigError, match="layer 1 thickness must be positive"):
        stack_curvature([1.0, 0.0], [1.0, 1.0], [0.0, 1e-3])
    with pytest.raises(ConfigError, match="one thickness, modulus and eigenstrain"):
        stack_curvature([1.0], [1.0, 2.0], [0.0])
    with pytest.raises(ConfigError, match="length"):
        edge_deflection(1.0, 0.0)


def test_beam_layer_of_an_isotropic_layer():
    """Cylindrical bending: modulus E / (1 - nu^2), mismatch (1 + nu) eps for eps I."""
    e, nu, eps = 200e9, 0.3, -2e-3
    b = beam_layer(isotropic_stiffness_young(e, nu), eps * np.eye(3))
    assert b.modulus == pytest.approx(plane_strain_modulus(e, nu), rel=1e-12)
    assert plane_strain_modulus(e, nu) == pytest.approx(e / (1 - nu**2), rel=1e-15)
    assert b.mismatch == pytest.approx((1 + nu) * eps, rel=1e-12)
    assert b.stiffness.shape == (3, 3) and b.eigenstrain.shape == (2, 2)
    # isotropic: bending along y is the same
    assert beam_layer(isotropic_stiffness_young(e, nu), eps * np.eye(3), axis=1).modulus == \
        pytest.approx(b.modulus, rel=1e-12)


def test_beam_layer_along_y_is_the_layer_turned_a_quarter():
    c = np.diag([3.0, 2.0, 1.5, 1.0, 1.0, 1.2]) * 1e9
    c[0, 1] = c[1, 0] = 0.5e9
    eps = np.diag([-3e-3, -1e-3, -2e-3])
    turned = beam_layer(rotate_stiffness(c, np.pi / 2), np.diag([-1e-3, -3e-3, -2e-3]))
    along_y = beam_layer(c, eps, axis=1)
    assert along_y.modulus == pytest.approx(turned.modulus, rel=1e-9)
    assert along_y.mismatch == pytest.approx(turned.mismatch, rel=1e-9)


def test_layer_build_model_is_layer_by_layer_and_reports_its_regime():
    kw = {"substrate_thickness": 3e-3, "substrate_modulus": 220e9, "layers": 5,
          "layer_thickness": 0.4e-3}
    model = LayerBuildModel(**kw, length=0.1)
    out = model.evaluate({"modulus": 190e9, "mismatch": -2.5e-3})
    k = layer_by_layer(3e-3, 220e9, [0.4e-3] * 5, [190e9] * 5, [-2.5e-3] * 5).curvature
    assert out["curvature"] == pytest.approx(k, rel=1e-15)
    assert out["edge_deflection"] == pytest.approx(edge_deflection(k, 0.1), rel=1e-15)
    assert out["aspect_ratio"] == pytest.approx(0.1 / 5e-3)
    (v,) = model.diagnose(out)
    assert v.ok and v.limit == 10.0 and v.sense == "ge"
    short = LayerBuildModel(**kw, length=0.02)
    assert not short.diagnose(short.evaluate({"modulus": 190e9, "mismatch": -2.5e-3}))[0].ok
