"""Explicit tau-leaping (Cao, Gillespie & Petzold 2006) against references and exact moments."""

import math

import numpy as np
import pytest

from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork
from scaleweave.engines.kinetics.ssa import trajectory_seeds
from scaleweave.engines.kinetics.tau_leap import (
    cao_tau,
    highest_order,
    tau_leap_ensemble,
    tau_leap_trajectory,
)
from scaleweave.errors import ConfigError


def birth_death(n0, b, d):
    return ReactionNetwork({"N": n0}, [Reaction({"N": 1}, {"N": 2}, b, "birth"),
                                       Reaction({"N": 1}, {}, d, "death")])


def mixed():
    return ReactionNetwork(
        {"A": 300, "B": 50, "C": 0},
        [Reaction({}, {"A": 1}, 30.0),
         Reaction({"A": 1, "B": 1}, {"C": 1}, 0.005),
         Reaction({"A": 2}, {"B": 1}, 0.001),
         Reaction({"A": 3}, {"C": 2}, 1e-6),
         Reaction({"C": 1}, {"A": 1}, 0.5)])


def reference_cao_tau(net, x, critical, eps):
    """Cao, Gillespie & Petzold (2006) eqs. 27 and 33, written out with dense arrays."""
    h = net.propensities(x)
    v = net.stoichiometry.astype(float)
    keep = (~critical) & (h > 0)
    mu = v[keep].T @ h[keep]
    sig2 = (v[keep] ** 2).T @ h[keep]
    tau = math.inf
    for i in range(net.n_species):
        orders = [(int(net.reactant_orders[j]), int(net.reactant_matrix[j, i]))
                  for j in range(net.n_reactions) if net.reactant_matrix[j, i] > 0]
        if not orders:
            continue
        hor, nu = max(orders)
        xi = float(x[i])
        g = {(1, 1): 1.0, (2, 1): 2.0, (2, 2): 2 + 1 / (xi - 1), (3, 1): 3.0,
             (3, 2): 1.5 * (2 + 1 / (xi - 1)), (3, 3): 3 + 1 / (xi - 1) + 2 / (xi - 2)}[hor, nu]
        bound = max(eps * xi / g, 1.0)
        if mu[i] != 0:
            tau = min(tau, bound / abs(mu[i]))
        if sig2[i] > 0:
            tau = min(tau, bound**2 / sig2[i])
    return tau


def test_highest_order():
    hor, hor_nu = highest_order(mixed())
    assert hor.tolist() == [3, 2, 1] and hor_nu.tolist() == [3, 1, 1]


@pytest.mark.parametrize("eps", [0.03, 0.1])
def test_step_selection_matches_reference(eps):
    net = mixed()
    _, _, _, c_idx, c_amt = net.kernel_arrays()
    hor, hor_nu = highest_order(net)
    rng = np.random.default_rng(9)
    for _ in range(30):
        x = rng.integers(3, 500, net.n_species)
        critical = rng.random(net.n_reactions) < 0.3
        h = net.propensities(x)
        ours = cao_tau(x, h, critical, c_idx, c_amt, hor, hor_nu, eps)
        assert ours == pytest.approx(reference_cao_tau(net, x, critical, eps), rel=1e-12)


def test_birth_death_moments_within_leaping_bias():
    # Linear birth-death, n0 = 100, b = 1, d = 0.8, t = 5 s, lam = b - d:
    #   E N = n0 e^{lam t},  Var N = n0 (b + d)/lam e^{lam t}(e^{lam t} - 1)  (Kendall 1948).
    # Bias of explicit tau-leaping for this linear process: each leap multiplies the mean
    # by 1 + lam tau instead of e^{lam tau}, a relative error <= (lam tau)^2 / 2 (to first
    # order), and Cao's mean bound gives lam tau <= eps; summed over leaps the relative
    # mean bias is <= lam t eps / 2 (1.5 %). The variance recursion has the factor
    # (1 + lam tau)^2 for e^{2 lam tau} (relative <= 2 lam tau eps summed: 2 lam t eps) and
    # a noise term (b + d) m tau exact to relative lam tau <= eps: bias <= (2 lam t + 1) eps.
    # Tolerance: that bias plus 4 standard errors from the sample's moments.
    b, d, n0, t_end, eps = 1.0, 0.8, 100, 5.0, 0.03
    lam = b - d
    n = 10_000
    counts, stats = tau_leap_ensemble(birth_death(n0, b, d), np.array([t_end]), n,
                                      root_seed=8, eps=eps)
    x = counts[:, 0, 0].astype(float)
    assert stats[:, 1].sum() > 10 * n  # it really leapt
    mean_exact = n0 * math.exp(lam * t_end)
    var_exact = n0 * (b + d) / lam * math.exp(lam * t_end) * (math.exp(lam * t_end) - 1)
    mean, var = x.mean(), x.var(ddof=1)
    mu4 = ((x - mean) ** 4).mean()
    mean_tol = lam * t_end * eps / 2 * mean_exact + 4 * math.sqrt(var / n)
    var_tol = (2 * lam * t_end + 1) * eps * var_exact + 4 * math.sqrt((mu4 - var**2) / n)
    assert abs(mean - mean_exact) < mean_tol, (mean, mean_exact, mean_tol)
    assert abs(var - var_exact) < var_tol, (var, var_exact, var_tol)


@pytest.mark.parametrize(("n_critical", "ssa_factor"), [(10, 10.0), (0, 0.0)])
def test_never_negative(n_critical, ssa_factor):
    # A large first-order decay chain (leap-friendly), a dimerisation and a fast decay
    # driven to extinction; with n_critical = 0 and no SSA fallback every step is a
    # Poisson leap, so only the rejection of negative leaps (tau' halved) keeps
    # populations >= 0.
    net = ReactionNetwork({"A": 100_000, "B": 0, "C": 50}, [
        Reaction({"A": 1}, {"B": 1}, 1.0),
        Reaction({"A": 2}, {"B": 1}, 1e-6),
        Reaction({"B": 1}, {}, 3.0),
        Reaction({"C": 1}, {}, 20.0)])
    t_out = np.linspace(0.0, 3.0, 31)
    counts, stats = tau_leap_ensemble(net, t_out, 200, root_seed=4, eps=0.03,
                                      n_critical=n_critical, ssa_factor=ssa_factor)
    assert counts.min() >= 0
    assert (counts[:, -1, 2] == 0).all()  # C gone (mean 50 e^{-60})
    assert (np.diff(counts[:, :, 0], axis=1) <= 0).all()  # A only decreases
    assert stats[:, 1].sum() > 0
    if n_critical == 0:
        assert stats[:, 2].sum() == 0 and stats[:, 3].sum() > 0  # leaps only; some rejected


def test_reproducible_serial_parallel_and_single():
    net = mixed()
    t_out = np.linspace(0.0, 2.0, 5)
    serial, st_s = tau_leap_ensemble(net, t_out, 32, root_seed=3)
    parallel, st_p = tau_leap_ensemble(net, t_out, 32, root_seed=3, parallel=True)
    assert np.array_equal(serial, parallel) and np.array_equal(st_s, st_p)
    one, _ = tau_leap_trajectory(net, t_out, int(trajectory_seeds(3, 32)[17]))
    assert np.array_equal(one, serial[17])
    assert (serial[:, 0] == net.x0).all()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"eps": 0.0}, "eps must be in"), ({"eps": 1.5}, "eps must be in"),
    ({"n_critical": -1}, "n_critical"), ({"ssa_steps": 0}, "ssa_steps")])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        tau_leap_ensemble(birth_death(5, 1.0, 1.0), np.array([0.0, 1.0]), 2, 1, **kwargs)
