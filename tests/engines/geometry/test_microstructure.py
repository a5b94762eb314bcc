"""Microstructure generators: fractions, geometry, periodicity, seeding, refusals.

Sources: random sequential addition jamming fractions 0.547 (disks; Feder 1980,
J. Theor. Biol. 87, 237) and 0.38 (spheres; Cooper 1988, Phys. Rev. A 38, 522).
"""

from __future__ import annotations

import numpy as np
import pytest

from scaleweave.engines.geometry import microstructure as ms
from scaleweave.errors import ConfigError


def test_laminate_and_checkerboard():
    lam = ms.laminate((10, 4, 6), 0.3, axis=0)
    assert lam.shape == (10, 4, 6) and lam.mean() == pytest.approx(0.3)
    assert np.all(lam == lam[:, :1, :1])  # constant in each layer
    cb = ms.checkerboard((8, 8, 8))
    assert cb.mean() == 0.5 and cb[0, 0, 0] != cb[4, 0, 0] and cb[0, 0, 0] == cb[4, 4, 0]
    with pytest.raises(ConfigError, match="divisible"):
        ms.checkerboard((9, 8))


@pytest.mark.parametrize(("shape", "fraction"), [((256, 256), 0.3), ((48, 48, 48), 0.2)])
def test_inclusion_array_fraction_and_symmetry(shape, fraction):
    m = ms.inclusion_array(shape, fraction)
    assert m.mean() == pytest.approx(fraction, abs=5e-3)
    assert np.array_equal(m, np.flip(m, axis=0)) and np.array_equal(m, np.swapaxes(m, 0, 1))


def test_inclusion_array_refuses_touching():
    with pytest.raises(ConfigError, match="touch"):
        ms.inclusion_array((32, 32), 0.8)


@pytest.mark.parametrize(("shape", "radius"), [((256, 256), 0.04), ((40, 40, 40), 0.12)])
def test_random_inclusions_fraction_no_overlap_reproducible(shape, radius):
    f = 0.3
    a = ms.random_inclusions(shape, f, radius, np.random.default_rng(11))
    b = ms.random_inclusions(shape, f, radius, np.random.default_rng(11))
    assert np.array_equal(a, b)
    assert a.mean() == pytest.approx(f, rel=0.08)  # n rounded, then pixelated
    # the inclusions are the balls around random_centres drawn from the same stream,
    # and those never overlap (periodic distance >= 2 r)
    d = len(shape)
    n = round(f / (np.pi * radius**2 if d == 2 else 4 / 3 * np.pi * radius**3))
    c = ms.random_centres(n, radius, d, np.random.default_rng(11))
    delta = np.abs(c[:, None, :] - c[None, :, :])
    dist = np.sqrt(np.sum(np.minimum(delta, 1 - delta) ** 2, axis=-1))
    assert np.all(dist[~np.eye(n, dtype=bool)] >= 2 * radius)
    pixel = tuple(int(x) for x in np.floor(c[0] * np.array(shape)))
    assert a[pixel] == 1  # a centre's pixel is inside its inclusion


@pytest.mark.parametrize(("fraction", "radius", "match"), [
    (0.0, 0.05, r"\(0, 1\)"), (1.0, 0.05, r"\(0, 1\)"), (0.6, 0.05, "jamming"),
    (0.3, 0.6, "radius"),
])
def test_random_inclusions_refusals(fraction, radius, match):
    with pytest.raises(ConfigError, match=match):
        ms.random_inclusions((32, 32), fraction, radius, np.random.default_rng(0))


def test_random_inclusions_impossible_packing():
    with pytest.raises(ConfigError, match="placed only"):
        ms.random_inclusions((32, 32), 0.5, 0.24, np.random.default_rng(0), max_attempts=20)


def test_voronoi_grains():
    lab, ang = ms.voronoi_grains((64, 64), 12, np.random.default_rng(3))
    assert lab.shape == (64, 64) and set(np.unique(lab)) <= set(range(12))
    assert ang.shape == (12,) and np.all((ang >= 0) & (ang < np.pi))
    lab3, rot = ms.voronoi_grains((16, 16, 16), 6, np.random.default_rng(3))
    assert rot.shape == (6, 3, 3)
    assert np.allclose(np.einsum("gij,gkj->gik", rot, rot), np.eye(3))
    assert np.allclose(np.linalg.det(rot), 1.0)
    again, rot2 = ms.voronoi_grains((16, 16, 16), 6, np.random.default_rng(3))
    assert np.array_equal(lab3, again) and np.allclose(rot, rot2)
    with pytest.raises(ConfigError):
        ms.voronoi_grains((8, 8), 0, np.random.default_rng(0))


def test_scan_tracks_layers_directions_and_porosity():
    rve = ms.scan_tracks((16, 16, 8), 4, 0.25, "0/90")
    assert np.degrees(rve.angles) == pytest.approx([0.0, 90.0])
    assert rve.pore_phase is None and rve.porosity == 0.0
    # layer 0 tracks along x: track index constant along x, 4 tracks across y
    assert np.all(rve.track[:, :, 0] == rve.track[:1, :, 0])
    assert len(np.unique(rve.track[:, :, 0])) == 4
    assert np.all(rve.phases[:, :, 2:4] == 1) and np.all(rve.phases[:, :, 4:6] == 0)
    r67 = ms.scan_tracks((16, 16, 12), 6, 0.25, "67")
    assert np.degrees(r67.layer_angle) == pytest.approx([0, 67, 134, 21, 88, 155])
    assert len(r67.angles) == 6
    kw = {"porosity": 0.03, "jitter": 0.2}
    a = ms.scan_tracks((24, 24, 8), 2, 0.2, "0/90", rng=np.random.default_rng(3), **kw)
    b = ms.scan_tracks((24, 24, 8), 2, 0.2, "0/90", rng=np.random.default_rng(3), **kw)
    c = ms.scan_tracks((24, 24, 8), 2, 0.2, "0/90", rng=np.random.default_rng(4), **kw)
    assert np.array_equal(a.phases, b.phases) and not np.array_equal(a.phases, c.phases)
    assert a.pore_phase == 2 and 0.03 <= a.porosity < 0.06
    assert a.porosity == pytest.approx(np.mean(a.phases == 2))


@pytest.mark.parametrize(("kw", "match"), [
    ({"n_layers": 3}, "multiple of n_layers"),
    ({"track_width": 0.0}, "track_width"),
    ({"porosity": 1.2}, "porosity must lie in"),
    ({"strategy": "zigzag"}, "scan strategy"),
    ({"porosity": 0.02}, "needs rng"),
])
def test_scan_tracks_refusals(kw, match):
    args = {"shape": (8, 8, 4), "n_layers": 2, "track_width": 0.25} | kw
    with pytest.raises(ConfigError, match=match):
        ms.scan_tracks(**args)
