"""QSSA bridge: Michaelis-Menten error scaling, epsilon, effective network, validity."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaleweave.bridges.reduction.qssa import QSSAReduction, michaelis_menten_epsilon, qssa_reduce
from scaleweave.engines.kinetics.reaction_network import (
    Reaction,
    ReactionNetwork,
    solve_rate_equations,
)
from scaleweave.errors import ConfigError, ValidityError, ValidityWarning

S0, K1, KM1, K2 = 100, 1.0, 1.0, 1.0
KM = (KM1 + K2) / K1


def mm(e0: int, k1: float = K1, km1: float = KM1, k2: float = K2) -> ReactionNetwork:
    return ReactionNetwork({"S": S0, "E": e0, "C": 0, "P": 0}, [
        Reaction({"E": 1, "S": 1}, {"C": 1}, k1), Reaction({"C": 1}, {"E": 1, "S": 1}, km1),
        Reaction({"C": 1}, {"E": 1, "P": 1}, k2)])


def test_michaelis_menten_error_scales_linearly_with_epsilon():
    # Segel & Slemrod (1989), SIAM Rev. 31, 446: the standard QSSA is accurate to
    # O(epsilon) with epsilon = E0/(S0 + Km); the maximum error of the product curve
    # divided by epsilon is therefore roughly constant over a decade of E0.
    ratios = []
    for e0 in (1, 3, 10):
        net = mm(e0)
        red = qssa_reduce(net, ["E", "C"])
        eps = michaelis_menten_epsilon(e0, S0, KM)
        assert red.epsilon == pytest.approx(eps, rel=1e-12)
        assert red.linear_in_fast
        t = np.linspace(0.0, 5 * (S0 + KM) / (K2 * e0), 1001)
        full = solve_rate_equations(net, t, rtol=1e-10, atol=1e-10)
        reduced = red.solve(t, rtol=1e-10, atol=1e-10)
        err = np.max(np.abs(reduced[:, 3] - full[:, 3])) / S0
        ratios.append(err / eps)
    # measured: 0.311, 0.318, 0.335
    assert max(ratios) / min(ratios) < 1.2
    assert 0.1 < ratios[0] < 1.0


def test_reduced_mm_is_the_michaelis_menten_law():
    red = QSSAReduction(mm(2), ["E", "C"])
    for s in (1.0, 10.0, 100.0):
        ys = np.zeros(2)
        ys[list(red.net.names[i] for i in red.slow_idx).index("S")] = s
        # dP/dt = k2 E0 S / (Km + S), dS/dt = -dP/dt
        rate = K2 * 2 * s / (KM + s)
        np.testing.assert_allclose(red.rhs(ys), [-rate, rate], rtol=1e-12)


def test_effective_network_of_binding_intermediate():
    # V + T <-> B -> I: B* = kon V T / (koff + ke): effective V + T -> I at kon ke/(koff + ke).
    kon, koff, ke = 1e-2, 100.0, 1.0
    net = ReactionNetwork({"V": 50, "T": 1000, "B": 0, "I": 0}, [
        Reaction({"V": 1, "T": 1}, {"B": 1}, kon), Reaction({"B": 1}, {"V": 1, "T": 1}, koff),
        Reaction({"B": 1}, {"I": 1}, ke), Reaction({"V": 1}, {}, 0.1)])
    red = qssa_reduce(net, ["B"])
    # epsilon = (kon T + c) / (koff + ke): relative change of V during binding
    assert red.epsilon == pytest.approx((kon * 1000 + 0.1) / (koff + ke))
    eff = red.effective_network()
    assert eff.names == ("V", "T", "I")
    rates = {r.label(): r.rate for r in eff.reactions}
    assert rates["V + T -> B ; B -> I (QSSA)"] == pytest.approx(kon * ke / (koff + ke))
    t = np.linspace(0.0, 40.0, 9)
    np.testing.assert_allclose(solve_rate_equations(eff, t)[:, 2], red.solve(t)[:, 3],
                               rtol=1e-5)
    with pytest.raises(ConfigError, match="conservation"):
        QSSAReduction(mm(1), ["E", "C"]).effective_network()


def test_diagnostic_fails_when_species_are_not_fast_and_the_policy_decides():
    # E0 = S0: epsilon = 100/102 ~ 1: the complex is not fast. Recorded, not warned:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        red = qssa_reduce(mm(100), ["E", "C"])
    (v,) = red.validity()
    assert (v.bridge, v.value, v.limit, v.sense, v.ok) == (
        "qssa", pytest.approx(100 / 102), 0.1, "le", False)
    assert v.diagnostic == ("epsilon (fast E, C: fast/slow time scale ratio, about the reduced "
                            "model's relative error; >= 1: not fast at all)")
    with pytest.warns(ValidityWarning, match=r"model 'qssa': epsilon \(fast E, C.* = 0\.9804 is "
                      r"above its limit 0\.1"):
        qssa_reduce(mm(100), ["E", "C"], validity="warn")
    # S as "fast" species in a slow enzyme: not fast at all
    with pytest.raises(ValidityError, match="not fast at all"):
        qssa_reduce(mm(1), ["S"], validity="raise")
    assert qssa_reduce(mm(1), ["S"]).epsilon >= 1
    with pytest.raises(ConfigError, match="validity policy"):
        qssa_reduce(mm(1), ["E", "C"], validity="quiet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert qssa_reduce(mm(1), ["E", "C"], validity="raise").validity()[0].ok


def test_bad_input():
    with pytest.raises(ConfigError, match="unknown species"):
        QSSAReduction(mm(1), ["Cx"])
    with pytest.raises(ConfigError, match="every species"):
        QSSAReduction(mm(1), ["S", "E", "C", "P"])
    with pytest.raises(ConfigError, match="at least one"):
        QSSAReduction(mm(1), [])


@settings(max_examples=30, deadline=None)
@given(k1=st.floats(0.01, 10), km1=st.floats(0.01, 10), k2=st.floats(0.01, 10),
       e0=st.integers(1, 50), s=st.floats(0.0, 500.0))
def test_fast_state_conserves_enzyme_and_is_steady(k1, km1, k2, e0, s):
    red = QSSAReduction(mm(e0, k1, km1, k2), ["E", "C"])
    e, c = red.fast_state(np.array([s, 0.0]))
    assert e + c == pytest.approx(e0, rel=1e-9)  # conservation of total enzyme
    assert c == pytest.approx(e0 * s / ((km1 + k2) / k1 + s), rel=1e-9, abs=1e-12)
    assert e >= -1e-12 and c >= -1e-12
