"""Reaction-diffusion field against closed-form solutions."""

import numpy as np
import pytest
from scipy.special import k0

from scaleweave.engines.continuum.reaction_diffusion import ReactionDiffusion
from scaleweave.errors import ConfigError


def _point_source(shape, h):
    s = np.zeros(shape)
    centre = tuple(n // 2 for n in shape)
    s[centre] = 1.0 / h ** len(shape)  # Q = 1 per second in one cell
    return s, centre


@pytest.mark.parametrize("boundary", ["neumann", "dirichlet"])
def test_point_source_2d_is_bessel_k0(boundary):
    # Steady field of a point source with decay in 2D: c(r) = Q K0(r/lambda) / (2 pi D),
    # lambda = sqrt(D/k); within 1% for r >= 2 grid spacings (issue 5 reference).
    D, k, h = 2.0, 0.02, 1.0  # lambda = 10 h
    rd = ReactionDiffusion((160, 160), h, D, k, boundary)
    s, (i, j) = _point_source(rd.shape, h)
    c = rd.steady(s)
    for r in (2, 3, 5, 8, 13, 20):
        exact = k0(r * h / rd.decay_length) / (2 * np.pi * D)
        assert c[i, j + r] == pytest.approx(exact, rel=0.01)
        d = round(r / np.sqrt(2))  # along the diagonal too: the stencil is isotropic
        exact_d = k0(d * np.sqrt(2) * h / rd.decay_length) / (2 * np.pi * D)
        assert c[i + d, j + d] == pytest.approx(exact_d, rel=0.01)


def test_point_source_3d_is_yukawa():
    # 3D: c(r) = Q exp(-r/lambda) / (4 pi D r), within 1% for r >= 2 grid spacings.
    D, k, h = 1.0, 1 / 36.0, 1.0  # lambda = 6 h
    rd = ReactionDiffusion((48, 48, 48), h, D, k, "neumann")
    s, (i, j, m) = _point_source(rd.shape, h)
    c = rd.steady(s)
    for r in (2, 3, 5, 8):
        exact = np.exp(-r / rd.decay_length) / (4 * np.pi * D * r)
        assert c[i, j, m + r] == pytest.approx(exact, rel=0.01)


def test_spectral_step_is_exact_for_a_gaussian():
    # Periodic: a Gaussian of variance s2 spreads to s2 + 2 D t and decays as exp(-k t).
    D, k, h, n = 0.5, 0.1, 0.1, 256
    rd = ReactionDiffusion((n,), h, D, k, "periodic")
    x = rd.coordinates()[0] - n * h / 2
    s2 = 0.5
    c0 = np.exp(-x**2 / (2 * s2)) / np.sqrt(2 * np.pi * s2)
    t = 2.0
    c = rd.step(c0, t)  # one step of 2 s, far above h^2 / (2 D) = 0.01 s
    var = s2 + 2 * D * t
    exact = np.exp(-k * t) * np.exp(-x**2 / (2 * var)) / np.sqrt(2 * np.pi * var)
    assert np.max(np.abs(c - exact)) < 1e-10


def test_implicit_steps_reach_the_steady_state_with_large_steps():
    D, k, h = 1.0, 0.05, 1.0
    rd = ReactionDiffusion((64, 64), h, D, k, "neumann")
    s, _ = _point_source(rd.shape, h)
    c = np.zeros(rd.shape)
    for _ in range(60):
        c = rd.step(c, 10.0, s)  # dt = 10 s >> h^2 / (4 D): stable, no oscillation
        assert c.min() >= -1e-12
    assert np.max(np.abs(c - rd.steady(s))) < 1e-3 * rd.steady(s).max()


def test_mass_balance_without_decay():
    # Zero flux and no decay: the amount grows exactly by the source's amount.
    rd = ReactionDiffusion((40, 30), 0.5, 1.0, 0.0, "neumann")
    s = np.zeros(rd.shape)
    s[5, 7] = 4.0
    c = rd.step(np.zeros(rd.shape), 3.0, s)
    assert c.sum() * 0.5**2 == pytest.approx(4.0 * 0.5**2 * 3.0, rel=1e-10)


@pytest.mark.parametrize("kwargs,match", [
    ({"diffusivity": -1.0}, "diffusivity must be positive"),
    ({"decay": -0.1}, "decay rate must be >= 0"),
    ({"boundary": "open"}, "unknown boundary"),
    ({"spacing": 0.0}, "spacing must be positive"),
])
def test_bad_input(kwargs, match):
    args = {"shape": (8, 8), "spacing": 1.0, "diffusivity": 1.0, "decay": 0.1, **kwargs}
    with pytest.raises(ConfigError, match=match):
        ReactionDiffusion(**args)


def test_no_steady_state_without_decay():
    with pytest.raises(ConfigError, match="no steady state"):
        ReactionDiffusion((8, 8), 1.0, 1.0, 0.0, "periodic").steady(np.ones((8, 8)))


def test_submodel_relaxes_to_the_steady_field_per_replica():
    from scaleweave.core.coupler import Coupler, Exchange, Submodel
    from scaleweave.core.model import Port
    from scaleweave.engines.continuum.reaction_diffusion import ReactionDiffusionSubmodel

    rd = ReactionDiffusion((12, 12), 1.0, 1.0, 0.5, "neumann")
    src = np.zeros((2, 12, 12))
    src[0, 6, 6], src[1, 2, 9] = 1.0, 3.0

    class Source(Submodel):
        exports = (Port("source", "1/(m^2*s)", None),)

        def export(self):
            return {"source": src}

        def advance(self, t0, t1, boundary):
            pass

    field = ReactionDiffusionSubmodel(rd, 2, 0.5, field="ifn", unit="1/m^2")
    assert field.export()["ifn"].shape == (2, 12, 12)
    coupler = Coupler([Source("s", 1.0), field], [Exchange("s.source", "field.source")], 1.0)
    assert coupler.validate() == []
    coupler.run(80.0)
    for k in range(2):
        np.testing.assert_allclose(field.c[k], rd.steady(src[k]), rtol=1e-6, atol=1e-12)
    assert field.work == 2 * 160
    saved = field.state()
    field.c[...] = 0.0
    held = field.c
    field.restore(saved)
    assert field.c is held and field.t == 80.0
    np.testing.assert_allclose(field.c[1], rd.steady(src[1]), rtol=1e-6)
