"""The Michaelis-Menten reduction against its closed forms and the full network."""

import math

import numpy as np
import pytest

from scaleweave.analytic.michaelis_menten import substrate_closed_form
from scaleweave.bridges.reduction.michaelis_menten import MichaelisMentenQSSA
from scaleweave.core.study import Study

UM = 1e-3  # mol/m^3 per umol/L


def _run(e0, s0, k1, km1, k2, t_end, n=101):
    return MichaelisMentenQSSA(n_times=n).evaluate(
        {"e0": e0 * UM, "s0": s0 * UM, "k1": k1 / UM, "k_minus1": km1, "k2": k2,
         "t_end": t_end})


@pytest.mark.parametrize("e0,s0,k1,km1,k2", [(0.1, 10.0, 1.0, 1.0, 1.0),
                                             (0.05, 2.0, 5.0, 0.5, 3.0)])
def test_small_epsilon_reduction_matches_the_closed_forms(e0, s0, k1, km1, k2):
    km, vmax = (km1 + k2) / k1, k2 * e0
    out = _run(e0, s0, k1, km1, k2, t_end=3 * (s0 + km) / vmax)
    # Segel & Slemrod (1989): epsilon = E0 / (S0 + Km), exactly, for this network.
    assert out["epsilon"] == pytest.approx(e0 / (s0 + km), rel=1e-12)
    assert out["initial_rate"] == pytest.approx(vmax * UM * s0 / (km + s0), rel=1e-10)
    # The reduced substrate follows Schnell & Mendoza's Lambert-W solution.
    exact = [substrate_closed_form(t, s0 * UM, km * UM, vmax * UM) for t in out["time"]]
    np.testing.assert_allclose(out["substrate_reduced"], exact, rtol=0, atol=1e-7 * s0 * UM)
    # The measured error is of the order of epsilon, and below it here.
    assert 0 < out["max_error"] < out["epsilon"]
    # Mass balance of the full network: S + C + P = S0 at every time.
    total = out["substrate_full"] + out["complex_full"] + out["product_full"]
    np.testing.assert_allclose(total, s0 * UM, rtol=1e-6)


def test_large_epsilon_is_reported_by_the_declared_diagnostic():
    study = Study([MichaelisMentenQSSA(n_times=51)])
    for port, value in {"e0": "20 mmol/m^3", "s0": "10 mmol/m^3", "k1": "1000 m^3/(mol*s)",
                        "k_minus1": "1 1/s", "k2": "1 1/s", "t_end": "30 s"}.items():
        study.set_input(f"michaelis_menten.{port}", value)
    checks = {v.diagnostic.split(":")[0]: v for v in study.run().validity}
    eps = checks["epsilon E0/(S0 + Km)"]
    assert eps.value == pytest.approx(20 / 12) and not eps.ok
    assert math.isfinite(checks["measured error max|P_full - P_reduced|/S0 (what epsilon "
                                "predicts)"].value)
