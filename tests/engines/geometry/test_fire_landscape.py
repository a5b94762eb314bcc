"""Fire-history landscapes and pyrodiversity buffers against exact results."""

import math

import numpy as np
import pytest

from scaleweave.engines.geometry.fire_landscape import (
    class_proportions,
    disk_kernel,
    fire_classes,
    pyrodiversity,
    simulate_fire_history,
    smooth_field,
)
from scaleweave.errors import ConfigError


def test_smooth_field_is_standardised_and_correlated():
    f = smooth_field((128, 128), 8.0, np.random.default_rng(0))
    assert f.mean() == pytest.approx(0.0, abs=1e-12)
    assert f.std() == pytest.approx(1.0, rel=1e-12)
    # A Gaussian filter of width 8 px: neighbours are nearly equal, far pixels not.
    assert np.corrcoef(f[:, :-1].ravel(), f[:, 1:].ravel())[0, 1] > 0.95
    assert abs(np.corrcoef(f[:, :-64].ravel(), f[:, 64:].ravel())[0, 1]) < 0.3


def test_unburned_fraction_of_disc_fires_is_the_boolean_model_value():
    """Poisson discs on a torus (Boolean model; Hall 1988, Introduction to the Theory of
    Coverage Processes): a point escapes every fire with probability exp(-N a / A), N the
    mean number of fires, a the disc area in pixels and A the landscape area."""
    n, r, rate, years = 96, 4.0, 2.0, 50.0
    offsets = np.arange(-5, 6)
    disc = int(np.sum(np.hypot(*np.meshgrid(offsets, offsets)) < r))  # the kernel's disc
    expected = math.exp(-rate * years * disc / n**2)
    fractions = []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        h = simulate_fire_history((n, n), 1.0, years, rate, r, np.zeros((n, n)), rng,
                                  radius_sd_log=0.0, roughness=0.0)
        fractions.append(1.0 - h.burned_fraction)
    fractions = np.array(fractions)
    se = fractions.std(ddof=1) / math.sqrt(fractions.size)
    assert abs(fractions.mean() - expected) < 4 * se
    assert 0.2 < expected < 0.8  # a coverage level the test can tell apart


def test_class_proportions_match_brute_force_disc_means():
    rng = np.random.default_rng(3)
    classes = rng.integers(0, 4, (24, 20))
    radii = np.array([0.5, 2.0, 3.5])
    props = class_proportions(classes, 4, radii)
    i, j = 5, 17
    for k, r in enumerate(radii):
        dx, dy = np.meshgrid(np.arange(-4, 5), np.arange(-4, 5), indexing="ij")
        inside = dx**2 + dy**2 <= r**2
        window = classes[(i + dx[inside]) % 24, (j + dy[inside]) % 20]
        brute = np.bincount(window, minlength=4) / window.size
        np.testing.assert_allclose(props[k, :, i, j], brute, atol=1e-12)
    np.testing.assert_allclose(props.sum(axis=1), 1.0, atol=1e-12)


def test_pyrodiversity_limits():
    """One class: H = 0; K classes in equal shares: H = ln K (Shannon 1948)."""
    uniform = np.zeros((64, 64), dtype=np.int64)
    np.testing.assert_allclose(pyrodiversity(uniform, 3, np.array([5.0])), 0.0, atol=1e-12)
    stripes = np.tile(np.arange(64) % 4, (64, 1))  # four classes, equal shares
    h = pyrodiversity(stripes, 4, np.array([20.0]))
    np.testing.assert_allclose(h, math.log(4), atol=0.01)
    assert disk_kernel((32, 32), 6.0).sum() == pytest.approx(1.0)


def test_fire_classes_and_confounding():
    rng = np.random.default_rng(5)
    env = smooth_field((160, 160), 30.0, rng)
    h = simulate_fire_history((160, 160), 50.0, 100.0, 2.0, 600.0, env, rng,
                              env_ignition=2.0)
    classes, k = fire_classes(h)
    assert k == 10
    assert classes.min() >= 0 and classes.max() < k
    assert np.all((classes == 0) == (h.severity == 0))
    # Fires start where env is high: the burned fraction rises with env.
    high = h.severity[env > 0.5] > 0
    low = h.severity[env < -0.5] > 0
    assert high.mean() > low.mean() + 0.1


def test_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ConfigError, match="half the landscape"):
        pyrodiversity(np.zeros((40, 40), dtype=np.int64), 2, np.array([25.0]))
    with pytest.raises(ConfigError, match="roughness"):
        simulate_fire_history((16, 16), 1.0, 10.0, 1.0, 2.0, np.zeros((16, 16)), rng,
                              roughness=1.5)
    with pytest.raises(ConfigError, match="correlation length"):
        smooth_field((16, 16), 10.0, rng)
    with pytest.raises(ConfigError, match="env has shape"):
        simulate_fire_history((16, 16), 1.0, 10.0, 1.0, 2.0, np.zeros((8, 8)), rng)
