"""Tracer correlation factors of the vacancy mechanism and the lone-carrier random walk.

Published values (vanishing vacancy concentration): Compaan & Haven 1956, Trans.
Faraday Soc. 52, 786 and 1958, 54, 1498; Montet 1973, Phys. Rev. B 7, 650; Mehrer,
*Diffusion in Solids* (2007), table 7.2. The square lattice's is exactly 1/(pi - 1),
the honeycomb's 1/3.
"""

from __future__ import annotations

import pytest

from scaleweave.analytic.correlation import (
    VACANCY_CORRELATION_FACTORS,
    lone_carrier_diffusivity,
    vacancy_correlation_factor,
)
from scaleweave.bridges.rates.transport import random_walk_diffusivity
from scaleweave.engines.lattice.sites import STANDARD_LATTICES
from scaleweave.errors import ConfigError

PUBLISHED = {"honeycomb": 0.33333, "square": 0.46694, "triangular": 0.56006,
             "simple_cubic": 0.65311, "bcc": 0.72722, "fcc": 0.78146}


@pytest.mark.parametrize("kind", sorted(PUBLISHED))
def test_tabulated_values_are_the_published_ones(kind):
    f = vacancy_correlation_factor(kind)
    assert f == pytest.approx(PUBLISHED[kind], abs=5e-6)
    assert 0 < f < 1  # correlated: the tracer tends to jump back into the vacancy


def test_every_standard_lattice_has_a_value_and_the_rest_are_refused():
    assert set(VACANCY_CORRELATION_FACTORS) == set(STANDARD_LATTICES)
    with pytest.raises(ConfigError, match="diamond"):
        vacancy_correlation_factor("diamond")


@pytest.mark.parametrize("kind", sorted(STANDARD_LATTICES))
def test_lone_carrier_diffusivity_is_the_random_walk_of_all_paths(kind):
    # z paths of rate w: a walker of total jump rate z w, D = z w a^2 / (2 d)
    z, dim = STANDARD_LATTICES[kind], 2 if kind in ("square", "triangular", "honeycomb") else 3
    ours = lone_carrier_diffusivity(2.5e8, z, 2.9e-10, dim)
    assert ours == pytest.approx(random_walk_diffusivity(z * 2.5e8, 2.9e-10, dim), rel=1e-14)


@pytest.mark.parametrize("args", [(0.0, 4, 3e-10, 2), (1e9, 4, -1.0, 2), (1e9, 0, 3e-10, 2),
                                  (1e9, 4, 3e-10, 4)])
def test_bad_input_is_refused(args):
    with pytest.raises(ConfigError, match="random walk"):
        lone_carrier_diffusivity(*args)
