"""Exact SSA (Gillespie direct method) against a pure-Python reference and analytic results.

Statistical checks use fixed seeds and tolerances of a few standard errors computed
from the sample itself (binomial for probabilities, sample moments for means,
variances and Fano factors), so a correct kernel fails with probability well below
1e-3 per check for a new seed, and the fixed seeds make the suite deterministic.
"""

import math

import numpy as np
import pytest

from scaleweave.engines.kinetics.reaction_network import (
    Reaction,
    ReactionNetwork,
    solve_rate_equations,
)
from scaleweave.engines.kinetics.ssa import (
    ABSORBED,
    LOWER,
    TIMEOUT,
    UPPER,
    first_passage,
    mt_uniforms,
    propensities_kernel,
    reaction_tables,
    ssa_ensemble,
    ssa_trajectory,
    trajectory_seeds,
)
from scaleweave.errors import ConfigError, ModelError


def birth_death(n0, b, d):
    return ReactionNetwork({"N": n0}, [Reaction({"N": 1}, {"N": 2}, b, "birth"),
                                       Reaction({"N": 1}, {}, d, "death")])


def mixed():
    return ReactionNetwork(
        {"A": 30, "B": 5, "C": 0},
        [Reaction({}, {"A": 1}, 3.0),
         Reaction({"A": 1, "B": 1}, {"C": 1}, 0.05),
         Reaction({"A": 2}, {"B": 1}, 0.01),
         Reaction({"A": 3}, {"C": 2}, 0.001),
         Reaction({"C": 1}, {"A": 1}, 0.5)])


def reference_ssa(net, t_out, seed):
    """Direct method in plain Python with NumPy's legacy Mersenne Twister.

    Recomputes every propensity each step. The kernel's own MT19937 gives the stream of
    ``np.random.RandomState(s).random_sample()`` (tested below), and the draws are made
    in the same order (waiting time, then reaction), so trajectories agree exactly.
    """
    rng = np.random.RandomState(seed)
    x = net.x0.copy()
    t, k, events = 0.0, 0, 0
    out = np.zeros((len(t_out), net.n_species), dtype=np.int64)
    while k < len(t_out):
        h = net.propensities(x)
        a0 = h.sum()
        if a0 <= 0:
            out[k:] = x
            break
        t += -math.log(1.0 - rng.random_sample()) / a0
        while k < len(t_out) and t_out[k] <= t:
            out[k] = x
            k += 1
        if k == len(t_out):
            break
        j = int(np.searchsorted(np.cumsum(h), a0 * rng.random_sample(), side="right"))
        x += net.stoichiometry[j]
        events += 1
    return out, events


def test_kernel_propensities_match_reference():
    net = mixed()
    rng = np.random.default_rng(3)
    h = np.empty(net.n_reactions)
    rates, r_idx, r_nu, _, _ = net.kernel_arrays()
    for _ in range(50):
        x = rng.integers(0, 40, net.n_species)
        a0 = propensities_kernel(x, rates, r_idx, r_nu, h)
        assert np.allclose(h, net.propensities(x), rtol=1e-13, atol=0)
        assert a0 == pytest.approx(h.sum(), rel=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 7, 123456789, 2**32 - 1])
def test_kernel_generator_is_numpy_random_sample(seed):
    # several refills of the 624-word state
    n = 2000
    assert np.array_equal(mt_uniforms(seed, n), np.random.RandomState(seed).random_sample(n))


def test_reaction_tables_forms_and_dependencies():
    _, kind, s1, s2, _, _, _, _, dep_ptr, dep_idx = reaction_tables(mixed())
    # 0 -> A, A + B -> C, 2 A -> B, 3 A -> 2 C, C -> A
    assert kind.tolist() == [0, 3, 2, 4, 1]
    assert (s1[1], s2[1], s1[2], s1[4]) == (0, 1, 0, 2)
    deps = [sorted(dep_idx[dep_ptr[j]:dep_ptr[j + 1]].tolist()) for j in range(5)]
    # reactions with a reactant among the species each one changes
    assert deps == [[1, 2, 3], [1, 2, 3, 4], [1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4]]


@pytest.mark.parametrize(("seed", "t_end"), [(0, 4.0), (7, 4.0), (2**32 - 1, 4.0), (3, 60.0)])
def test_kernel_matches_pure_python_reference(seed, t_end):
    net = mixed()
    t_out = np.linspace(0.0, t_end, 9)
    ours, ours_events = ssa_trajectory(net, t_out, seed)
    ref, ref_events = reference_ssa(net, t_out, seed)
    assert ours_events == ref_events > 20
    assert np.array_equal(ours, ref)
    if t_end > 10:
        assert ours_events > 400  # > 800 uniforms: the 312-uniform buffer refilled twice+


def test_reproducible_and_independent_of_threads():
    net = mixed()
    t_out = np.linspace(0.0, 3.0, 4)
    serial, ev_s = ssa_ensemble(net, t_out, 64, root_seed=11)
    parallel, ev_p = ssa_ensemble(net, t_out, 64, root_seed=11, parallel=True)
    assert np.array_equal(serial, parallel) and np.array_equal(ev_s, ev_p)
    again, _ = ssa_ensemble(net, t_out, 64, root_seed=11)
    assert np.array_equal(serial, again)
    # trajectory i is the single trajectory of seed i, whatever the ensemble size
    seeds = trajectory_seeds(11, 64)
    assert np.array_equal(trajectory_seeds(11, 5), seeds[:5])
    assert np.array_equal(ssa_trajectory(net, t_out, int(seeds[37]))[0], serial[37])
    assert not np.array_equal(serial[0], serial[1])


def test_absorbing_state_is_held():
    # pure death from 3 at rate 100/s: extinct long before t = 10 s
    net = ReactionNetwork({"A": 3}, [Reaction({"A": 1}, {}, 100.0)])
    counts, events = ssa_trajectory(net, np.array([0.0, 10.0, 20.0]), 5)
    assert counts[:, 0].tolist() == [3, 0, 0] and events == 3


def test_max_events_and_bad_input():
    net = birth_death(10, 2.0, 1.0)
    with pytest.raises(ModelError, match="max_events=100"):
        ssa_trajectory(net, np.array([0.0, 100.0]), 1, max_events=100)
    with pytest.raises(ConfigError, match="seed"):
        ssa_trajectory(net, np.array([0.0, 1.0]), -1)
    with pytest.raises(ConfigError, match="non-decreasing"):
        ssa_trajectory(net, np.array([1.0, 0.5]), 1)
    with pytest.raises(ConfigError, match="upper=0 must exceed lower=0"):
        first_passage(net, "N", 10, 1, upper=0)
    with pytest.raises(ConfigError, match="did you mean 'N'"):
        first_passage(net, "n", 10, 1, upper=5)
    with pytest.raises(ConfigError, match="positive integer"):
        ssa_ensemble(net, np.array([0.0, 1.0]), 0, 1)


@pytest.mark.parametrize(("n0", "expected"), [(1, 0.5), (2, 0.75), (3, 0.875)])
def test_birth_death_establishment_kendall(n0, expected):
    # Kendall (1948), Ann. Math. Stat. 19, 1: a linear birth-death process (birth b,
    # death d per individual) from n0 escapes extinction with P = 1 - (d/b)^n0.
    # Establishment = reaching 200 before 0; by the gambler's-ruin formula the exact
    # probability is (1 - (d/b)^n0) / (1 - (d/b)^200), which differs from Kendall's by
    # less than (1/2)^200 (the chance of extinction from 200), so the threshold adds no
    # bias at this precision. 3 binomial standard errors at 10^4 runs.
    n = 10_000
    fp = first_passage(birth_death(n0, 2.0, 1.0), "N", n, root_seed=100 + n0, lower=0,
                       upper=200)
    p, _ = fp.probability(UPPER)
    se = math.sqrt(expected * (1 - expected) / n)
    assert abs(p - expected) < 3 * se, (p, expected, se)
    assert fp.counts()["lower"] + fp.counts()["upper"] == n


def test_first_passage_other_outcomes():
    net = ReactionNetwork({"A": 5, "B": 0}, [Reaction({"A": 1}, {"B": 1}, 1.0)])
    fp = first_passage(net, "B", 20, 3, lower=-1, upper=100)
    assert (fp.outcome == ABSORBED).all() and (fp.events == 5).all()
    fp = first_passage(net, "A", 20, 3, lower=0, t_max=1e-9)
    assert (fp.outcome == TIMEOUT).all() and (fp.time == 1e-9).all()
    fp = first_passage(net, "A", 20, 3, lower=0)
    assert (fp.outcome == LOWER).all() and (fp.time > 0).all()
    par = first_passage(net, "A", 20, 3, lower=0, parallel=True)
    assert np.array_equal(par.time, fp.time)


def _fano_with_se(x):
    """Fano factor of a sample and its delta-method standard error (from sample moments)."""
    n = x.size
    m = x.mean()
    c = x - m
    v, mu3, mu4 = (c**2).mean(), (c**3).mean(), (c**4).mean()
    fano = v / m
    var_v, var_m, cov = (mu4 - v * v) / n, v / n, mu3 / n
    se = fano * math.sqrt(var_v / v**2 + var_m / m**2 - 2 * cov / (v * m))
    return fano, se


def test_telegraph_gene_mean_and_fano():
    # Peccoud & Ycart (1995), Theor. Popul. Biol. 48, 222: gene off <-> on (kon, koff),
    # mRNA made at nu while on, degraded at delta. Stationary
    #   mean = nu kon / ((kon + koff) delta),
    #   Fano = 1 + nu koff / ((kon + koff) (kon + koff + delta)).
    # Ensemble of independent trajectories read at t = 15 s; relaxation rates are
    # delta = 1/s and kon + koff = 2/s, so the start (gene off, no mRNA) is forgotten to
    # ~10 exp(-15) ~ 3e-6 copies. 4 standard errors (mean: sqrt(var/n); Fano: delta
    # method with the sample's third and fourth moments).
    kon, koff, nu, delta = 1.0, 1.0, 20.0, 1.0
    net = ReactionNetwork({"G_off": 1, "G_on": 0, "M": 0}, [
        Reaction({"G_off": 1}, {"G_on": 1}, kon),
        Reaction({"G_on": 1}, {"G_off": 1}, koff),
        Reaction({"G_on": 1}, {"G_on": 1, "M": 1}, nu),
        Reaction({"M": 1}, {}, delta)])
    n = 20_000
    counts, _ = ssa_ensemble(net, np.array([15.0]), n, root_seed=2024, parallel=True)
    m = counts[:, 0, 2].astype(float)
    mean_exp = nu * kon / ((kon + koff) * delta)
    fano_exp = 1 + nu * koff / ((kon + koff) * (kon + koff + delta))
    assert abs(m.mean() - mean_exp) < 4 * math.sqrt(m.var() / n), (m.mean(), mean_exp)
    fano, se = _fano_with_se(m)
    assert abs(fano - fano_exp) < 4 * se, (fano, fano_exp, se)
    # gene states conserved
    assert (counts[:, 0, 0] + counts[:, 0, 1] == 1).all()


def test_linear_birth_death_mean_matches_ode_and_exact_variance():
    # Linear birth-death (Kendall 1948; Bailey 1964, ch. 8): with lam = b - d,
    #   E N(t) = n0 e^{lam t}  (= the rate equation, solved here by LSODA),
    #   Var N(t) = n0 (b + d)/lam e^{lam t} (e^{lam t} - 1).
    # 4 standard errors per time: sqrt(s^2/n) for the mean and sqrt((m4 - s^4)/n) for the
    # variance, from the sample's own moments.
    b, d, n0 = 1.0, 0.8, 20
    net = birth_death(n0, b, d)
    t = np.array([1.0, 3.0, 5.0])
    n = 10_000
    counts, _ = ssa_ensemble(net, t, n, root_seed=5)
    x = counts[:, :, 0].astype(float)
    ode = solve_rate_equations(net, np.concatenate(([0.0], t)))[1:, 0]
    lam = b - d
    var_exact = n0 * (b + d) / lam * np.exp(lam * t) * (np.exp(lam * t) - 1)
    mean, var = x.mean(axis=0), x.var(axis=0, ddof=1)
    mu4 = ((x - mean) ** 4).mean(axis=0)
    assert np.all(np.abs(mean - ode) < 4 * np.sqrt(var / n)), (mean, ode)
    assert np.all(np.abs(var - var_exact) < 4 * np.sqrt((mu4 - var**2) / n)), (var, var_exact)


def test_an_interrupted_ensemble_resumes_from_its_checkpoint_and_matches(tmp_path,
                                                                          monkeypatch):
    import scaleweave.engines.kinetics.ssa as ssa_module
    from scaleweave.core.checkpoint import Checkpoint

    net = birth_death(4, 0.3, 0.2)
    t = np.linspace(0.0, 20.0, 11)
    unbroken = ssa_module.ssa_ensemble(net, t, 50, 11)
    kernel, calls = ssa_module._ensemble_serial, []

    def dies_after_two_chunks(*args):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(len(args[-2]))
        return kernel(*args)

    monkeypatch.setattr(ssa_module, "_ensemble_serial", dies_after_two_chunks)
    with pytest.raises(KeyboardInterrupt):
        ssa_module.ssa_ensemble(net, t, 50, 11, checkpoint=Checkpoint(tmp_path, "ssa", every=8))
    calls.clear()
    monkeypatch.setattr(ssa_module, "_ensemble_serial",
                        lambda *a: (calls.append(len(a[-2])), kernel(*a))[1])
    ckpt = Checkpoint(tmp_path, "ssa", every=8)
    counts, events = ssa_module.ssa_ensemble(net, t, 50, 11, checkpoint=ckpt)
    assert ckpt.resumed_at == 2 and sum(calls) == 50 - 16  # only the unfinished trajectories
    np.testing.assert_array_equal(counts, unbroken[0])
    np.testing.assert_array_equal(events, unbroken[1])
    assert not ckpt.path.exists()
