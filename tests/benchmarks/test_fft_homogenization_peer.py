"""The FFT-homogenization benchmark's FE peer solves the same cell problem as the FFT solver.

The square array's mirror symmetry makes the periodic cell problem with a unit gradient
along x a Dirichlet (T = 0, 1 on x = 0, 1) / no-flux (y = 0, 1) problem, exactly; both
solvers then converge to Rayleigh's value (Perrins, McKenzie & McPhedran 1979, Proc. R.
Soc. A 369, 207) with resolution.
"""

import numpy as np
import pytest

from scaleweave.engines.continuum.fft_homogenization import effective_conductivity
from scaleweave.engines.geometry import microstructure as ms


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("fft_homogenization")


def test_fe_peer_agrees_with_fft_and_rayleigh(bench):
    ref = bench.rayleigh(0.3, 10.0)
    errs = []
    for n in (32, 64):
        micro = ms.inclusion_array((n, n), 0.3)
        fe = bench.fe_conductivity(micro, [1.0, 10.0])
        fft = effective_conductivity(micro, [1.0, 10.0]).effective[0, 0]
        errs.append(abs(fe / ref - 1))
        assert fe == pytest.approx(fft, rel=2e-2)  # same pixels, different discretisations
    assert errs[1] < errs[0] < 2e-2
    # a homogeneous cell gives its own conductivity exactly
    assert bench.fe_conductivity(np.zeros((8, 8), int), [2.5, 1.0]) == pytest.approx(2.5)
