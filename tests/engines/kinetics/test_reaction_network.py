"""Reaction network definition, its checks, and the deterministic rate equations."""

import math

import numpy as np
import pytest

from scaleweave.engines.kinetics.reaction_network import (
    Reaction,
    ReactionNetwork,
    rate_equations,
    rate_jacobian,
    solve_rate_equations,
)
from scaleweave.errors import ConfigError, UnitError


def birth_death(n0=20, b=1.0, d=0.8):
    return ReactionNetwork({"N": n0}, [Reaction({"N": 1}, {"N": 2}, b, "birth"),
                                       Reaction({"N": 1}, {}, d, "death")])


def mixed():
    """Orders 0 to 3, with a homodimer and a trimer, to exercise every propensity form."""
    return ReactionNetwork(
        {"A": 7, "B": 4, "C": 0},
        [Reaction({}, {"A": 1}, 3.0),
         Reaction({"A": 1, "B": 1}, {"C": 1}, 0.5),
         Reaction({"A": 2}, {"B": 1}, 0.25),
         Reaction({"A": 3}, {"C": 2}, 0.125),
         Reaction({"C": 1}, {}, 1.5)])


def test_derived_arrays():
    net = mixed()
    assert net.names == ("A", "B", "C")
    assert net.x0.tolist() == [7, 4, 0]
    assert net.stoichiometry.tolist() == [[1, 0, 0], [-1, -1, 1], [-2, 1, 0], [-3, 0, 2],
                                          [0, 0, -1]]
    assert net.reactant_orders.tolist() == [0, 2, 2, 3, 1]
    rates, r_idx, r_nu, c_idx, c_amt = net.kernel_arrays()
    assert rates.tolist() == [3.0, 0.5, 0.25, 0.125, 1.5]
    # padded sparse form rebuilds the dense matrices
    for j in range(net.n_reactions):
        dense_r = np.zeros(3, int)
        dense_c = np.zeros(3, int)
        for i, v in zip(r_idx[j], r_nu[j], strict=True):
            if i >= 0:
                dense_r[i] = v
        for i, v in zip(c_idx[j], c_amt[j], strict=True):
            if i >= 0:
                dense_c[i] = v
        assert dense_r.tolist() == net.reactant_matrix[j].tolist()
        assert dense_c.tolist() == net.stoichiometry[j].tolist()


def test_propensity_convention_is_combinatorial():
    # h = c * prod binom(x_i, nu_i) (Gillespie 1977): A+B -> C: c x_A x_B; 2A: c x(x-1)/2;
    # 3A: c x(x-1)(x-2)/6.
    h = mixed().propensities(np.array([7, 4, 0]))
    assert h.tolist() == [3.0, 0.5 * 28, 0.25 * 21, 0.125 * 35, 0.0]


def test_labels():
    assert mixed().reactions[2].label() == "2 A -> B"
    assert mixed().reactions[0].label() == "0 -> A"


@pytest.mark.parametrize(("species", "reactions", "match"), [
    ({"A": 1}, [Reaction({"A": 1}, {}, -0.1)], r"rate constant must be .*>= 0.*-0\.1"),
    ({"A": 1}, [Reaction({"A": 1}, {}, float("nan"))], "rate constant"),
    ({"A": -3}, [Reaction({"A": 1}, {}, 1.0)], r"initial copy number of species 'A'.*-3"),
    ({"A": 1.5}, [Reaction({"A": 1}, {}, 1.0)], "non-negative integer"),
    ({"mRNA": 1}, [Reaction({"mRMA": 1}, {}, 1.0)],
     r"unknown species 'mRMA'; did you mean 'mRNA'"),
    ({"A": 1}, [Reaction({"A": 1}, {"Zebra": 1}, 1.0)],
     r"unknown species 'Zebra'; known species: A"),
    ([("A", 1), ("B", 2), ("A", 3)], [Reaction({"A": 1}, {}, 1.0)], r"'A' is given twice"),
    ({"A": 1}, [Reaction({"A": -1}, {}, 1.0)], "stoichiometry of 'A'"),
    ({}, [Reaction({}, {}, 1.0)], "no species"),
    ({"A": 1}, [], "no reactions"),
])
def test_bad_input_is_one_line_config_error(species, reactions, match):
    with pytest.raises(ConfigError, match=match) as info:
        ReactionNetwork(species, reactions)
    assert "\n" not in str(info.value)


def test_initial_state_override_and_checks():
    net = mixed()
    assert net.initial_state({"B": 9}).tolist() == [7, 9, 0]
    with pytest.raises(ConfigError, match="did you mean 'B'"):
        net.initial_state({"b": 1})
    with pytest.raises(ConfigError, match="non-negative"):
        net.initial_state(np.array([1, -1, 0]))
    with pytest.raises(ConfigError, match="shape"):
        net.initial_state(np.array([1, 1]))


def test_rate_equations_are_large_number_limit():
    # a_j = c prod y^nu / nu!: A+B: c y_A y_B; 2A: c y^2/2; 3A: c y^3/6.
    net = mixed()
    y = np.array([7.0, 4.0, 2.0])
    a = np.array([3.0, 0.5 * 28, 0.25 * 49 / 2, 0.125 * 343 / 6, 1.5 * 2])
    assert np.allclose(rate_equations(net, y), net.stoichiometry.T @ a, rtol=1e-14)


def test_jacobian_matches_finite_differences():
    net = mixed()
    y = np.array([7.3, 4.1, 2.2])
    jac = rate_jacobian(net, y)
    step = 1e-6
    fd = np.column_stack([(rate_equations(net, y + step * e) - rate_equations(net, y - step * e))
                          / (2 * step) for e in np.eye(3)])
    assert np.allclose(jac, fd, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("method", ["LSODA", "BDF", "RK45"])
def test_linear_birth_death_ode(method):
    # Mean of the linear birth-death process: n0 exp((b - d) t) (Kendall 1948).
    net = birth_death()
    t = np.linspace(0, 5, 11)
    y = solve_rate_equations(net, t, method=method)
    assert np.allclose(y[:, 0], 20 * np.exp(0.2 * t), rtol=1e-6)


def test_dimerisation_ode_analytic():
    # 2A -> B with c: dy/dt = -2 c y^2 / 2 = -c y^2, so y = y0 / (1 + c y0 t); B = (y0 - y)/2.
    net = ReactionNetwork({"A": 1000, "B": 0}, [Reaction({"A": 2}, {"B": 1}, 0.01)])
    t = np.linspace(0, 3, 7)
    y = solve_rate_equations(net, t, method="BDF", rtol=1e-10, atol=1e-10)
    exact = 1000 / (1 + 0.01 * 1000 * t)
    assert np.allclose(y[:, 0], exact, rtol=1e-6)
    assert np.allclose(y[:, 1], (1000 - exact) / 2, rtol=1e-6)


def test_ode_rejects_bad_times():
    with pytest.raises(ConfigError, match="non-decreasing"):
        solve_rate_equations(birth_death(), np.array([0.0, 2.0, 1.0]))


def test_comb_reference_consistency():
    # the pure-Python reference uses math.comb; check the zero case below the order
    net = ReactionNetwork({"A": 1}, [Reaction({"A": 2}, {}, 1.0)])
    assert net.propensities(np.array([1]))[0] == 0.0
    assert net.propensities(np.array([5]))[0] == math.comb(5, 2)


def test_stochastic_rate_from_units():
    from scaleweave.engines.kinetics.reaction_network import AVOGADRO, stochastic_rate

    # first order: c = k; second order: c = k / (N_A V); 2 A: c = 2 k / (N_A V)
    assert stochastic_rate("3 1/min", {"A": 1}) == pytest.approx(0.05)
    v = 1e-15  # m^3 (1 pL)
    assert stochastic_rate("1e6 L/(mol*s)", {"A": 1, "B": 1}, volume="1 pL") == pytest.approx(
        1e3 / (AVOGADRO * v))
    assert stochastic_rate("1e6 L/(mol*s)", {"A": 2}, volume=v) == pytest.approx(
        2e3 / (AVOGADRO * v))
    assert stochastic_rate("1 nM/s", {}, volume="1 pL") == pytest.approx(1e-6 * AVOGADRO * v)


@pytest.mark.parametrize("k, reactants, volume, error, match", [
    # a second-order rate constant given in 1/s (the unit mismatch)
    ("0.1 1/s", {"A": 1, "B": 1}, "1 pL", UnitError, r"order 2.*1/\(M\*s\)"),
    ("0.1 1/(M*s)", {"A": 1}, None, UnitError, "order 1; expected 1/time"),
    ("-1 1/s", {"A": 1}, None, ConfigError, ">= 0"),
    ("1 1/(M*s)", {"A": 1, "B": 1}, None, ConfigError, "needs the reaction volume"),
    ("1 1/(M*s)", {"A": 1, "B": 1}, "-1 pL", ConfigError, "volume must be positive"),
])
def test_stochastic_rate_bad_units(k, reactants, volume, error, match):
    from scaleweave.engines.kinetics.reaction_network import stochastic_rate

    with pytest.raises(error, match=match):
        stochastic_rate(k, reactants, volume=volume, where="reaction 'bind'")
