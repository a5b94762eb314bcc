"""The scan-track layer RVE against exact results.

Sources: a homogeneous cell returns its own tensors; with one stiffness for every
phase the effective eigenstrain is the volume mean for any microstructure (Levin 1967;
Milton 2002, The Theory of Composites, sec. 5.4); Levin's (1967, Mech. Solids 2, 58)
relation for two isotropic phases; Voigt/Reuss bounds (Hill 1952, Proc. Phys. Soc. A
65, 349); a free layer carries zero mean stress.
"""

from __future__ import annotations

import numpy as np
import pytest

from scaleweave.bridges.homogenization.bounds import loewner_margin, voigt_isotropic_moduli
from scaleweave.bridges.homogenization.plate import beam_layer
from scaleweave.bridges.homogenization.scan_track import (
    LayerRVEModel,
    ScanTrackLayer,
    TrackMaterial,
    free_layer_stress,
    levin_check,
    rve_convergence,
    uniform_stiffness_eigenstrain,
)

TRACK = TrackMaterial(200e9, 170e9, 0.3, 0.3, 75e9, -4e-3, -1.5e-3)
L, T = TRACK.eps_long, TRACK.eps_trans


def _layer(**kw) -> ScanTrackLayer:
    base = {"tracks_per_cell": 4, "voxels_per_track": 4}
    return ScanTrackLayer(TRACK, **{**base, **kw})


def test_track_tensors_follow_the_scan_direction():
    c, e = TRACK.tensors(np.array([0.0, np.pi / 2]))
    assert np.allclose(c[0], TRACK.stiffness(), rtol=1e-14, atol=1e-3)
    assert c[1][1, 1] == pytest.approx(c[0][0, 0], rel=1e-12)
    assert np.allclose(np.diag(e[0]), [L, T, T])
    assert np.allclose(np.diag(e[1]), [T, L, T])
    assert np.allclose(TRACK.mean_eigenstrain(np.array([0.0, np.pi / 2])),
                       np.diag([(L + T) / 2, (L + T) / 2, T]), rtol=1e-14)


def test_homogeneous_layer_returns_the_track():
    """Unidirectional, no jitter, no pores: one phase, C* and eps* are the track's."""
    layer = _layer(strategy="unidirectional", jitter=0.0, tolerance=1e-10)
    r = layer.homogenize(0.0, np.random.default_rng(0))
    assert np.allclose(r.effective, TRACK.stiffness(), rtol=1e-9, atol=1e-6)
    assert np.allclose(r.effective_eigenstrain, np.diag([L, T, T]), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(("strategy", "n_layers"), [("0/90", 2), ("67", 3)])
def test_uniform_stiffness_gives_the_volume_mean(strategy, n_layers):
    layer = _layer(strategy=strategy, n_layers=n_layers)
    dense = layer.geometry(0.0, np.random.default_rng(1))
    k, g = voigt_isotropic_moduli(TRACK.stiffness())
    eps = uniform_stiffness_eigenstrain(layer, dense, k, g)
    assert np.allclose(eps, TRACK.mean_eigenstrain(dense.layer_angle), rtol=1e-6,
                       atol=1e-12)


def test_porous_layer_inside_its_bounds_and_levin_holds():
    layer = _layer(tolerance=1e-8)
    r = layer.homogenize(0.02, np.random.default_rng(2), keep_fields=True)
    assert r.rve.pore_phase is not None and r.rve.porosity >= 0.02
    c_v, c_r = r.bounds()
    assert loewner_margin(c_v, r.effective) >= 0.0
    assert loewner_margin(r.effective, c_r) >= 0.0
    assert r.residual <= 1e-8
    k, g = voigt_isotropic_moduli(r.stiffness[0])
    v = levin_check(layer, r.rve, k, g)
    assert v.ok and v.value < 1e-6 and v.bridge == "fft_homogenization"
    # a free layer (E = eps*) has zero mean stress
    sigma = free_layer_stress(r.result)
    assert np.abs(sigma.mean(axis=(2, 3, 4))).max() < 1e-6 * np.abs(sigma).max()
    with pytest.raises(ValueError, match="porous"):
        levin_check(layer, layer.geometry(0.0, np.random.default_rng(2)), k, g)


def test_rve_convergence_and_size_diagnostics():
    layer = _layer()
    nominal = layer.homogenize(0.01, np.random.default_rng(3))
    checks = rve_convergence(layer, 0.01, lambda: np.random.default_rng(3), nominal)
    assert [c.diagnostic for c in checks] == [
        "relative change of layer C*_11 with resolution",
        "relative change of layer eps*_xx with resolution",
        "relative change of layer C*_11 with RVE size",
        "relative change of layer eps*_xx with RVE size"]
    assert all(c.limit == 0.03 for c in checks)
    size = layer.size_validity()
    assert [v.value for v in size] == pytest.approx([4.0, 4.0])


def test_layer_model_is_reproducible_and_declares_its_residual():
    layer = _layer()
    model = LayerRVEModel(layer=layer, seed=5)
    a = model.evaluate({"porosity": 0.02, "pattern": 0.25})
    assert model.evaluate({"porosity": 0.02, "pattern": 0.25}) == a
    assert model.evaluate({"porosity": 0.02, "pattern": 0.75})["modulus"] != a["modulus"]
    r = layer.homogenize(0.02, np.random.default_rng([5, int(0.25 * 2**32)]))
    beam = beam_layer(r.effective, r.effective_eigenstrain)
    assert a["modulus"] == beam.modulus and a["mismatch"] == beam.mismatch
    assert a["porosity_voxel"] == r.rve.porosity
    (v,) = model.diagnose(a)
    assert v.ok and v.limit == layer.tolerance and v.value == a["residual"]
