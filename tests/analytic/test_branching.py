"""Establishment of a low-dose infection: the branching-process closed form."""

import numpy as np
import pytest

from scaleweave.analytic.branching import (
    branching_establishment,
    infection_r0,
    threshold_probability,
)


def test_r0_and_the_infection_probability_of_one_virion():
    f, r0 = infection_r0(3.0, 1.0, 8.0, 2.0)
    assert f == pytest.approx(0.75)
    assert r0 == pytest.approx(8.0 * 0.75 / 2.0)


def test_closed_form_cases():
    assert branching_establishment(1, 1.0, 1.0, 6.0, 1.0) == pytest.approx(1 / 3)
    assert branching_establishment(3, 1.0, 1.0, 6.0, 1.0) == pytest.approx(1 - (2 / 3) ** 3)
    assert branching_establishment(5, 1.0, 1.0, 1.0, 1.0) == 0.0  # R0 = 1/2: subcritical
    assert branching_establishment(1, 1.0, 1.0, 2.0, 1.0) == 0.0  # R0 = 2 * 1/2 = 1: critical


def test_against_a_simulated_branching_process():
    # One virion; each producing cell makes Geometric(delta/(p+delta)) - 1 virions, each
    # infecting with probability f. Generations until extinction or 200 infected cells.
    beta_n, c, p, delta = 2.0, 1.0, 3.0, 1.0  # f = 2/3, R0 = 2
    rng = np.random.default_rng(1)
    n_runs, established = 4000, 0
    f = beta_n / (beta_n + c)
    for _ in range(n_runs):
        cells = int(rng.random() < f)
        total = cells
        while 0 < cells and total < 200:
            virions = rng.geometric(delta / (p + delta), size=cells).sum() - cells
            cells = rng.binomial(virions, f)
            total += cells
        established += cells > 0
    expected = branching_establishment(1, beta_n, c, p, delta)
    assert expected == pytest.approx(2 / 3 * (1 - 1 / 2))
    se = np.sqrt(expected * (1 - expected) / n_runs)
    assert established / n_runs == pytest.approx(expected, abs=4 * se)


def _first_passage_full_chain(v0, threshold, beta, n_cells, clearance, eclipse, death,
                              production, v_cap, tail):
    """P(threshold cells ever infected) on the full jump chain of the cell sheet's SSA.

    States (k infected, v virions, e eclipsed, i producing) with the SSA's rates;
    susceptibles N - k. Solved as one sparse linear system; a production beyond
    ``v_cap`` virions jumps to a state of value ``tail`` (0 or 1: the two bracket the
    answer). Independent of the (k, w) recursion: eclipse, timing and all.
    """
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    states = [(k, v, e, i) for k in range(threshold) for e in range(k + 1)
              for i in range(k + 1 - e) for v in range(v_cap + 1)]
    index = {s: j for j, s in enumerate(states)}
    rows, cols, vals = [], [], []
    rhs = np.zeros(len(states))
    for j, (k, v, e, i) in enumerate(states):
        rows.append(j)
        cols.append(j)
        vals.append(1.0)
        moves = [(beta * v * (n_cells - k), (k + 1, v - 1, e + 1, i)),
                 (clearance * v, (k, v - 1, e, i)), (eclipse * e, (k, v, e - 1, i + 1)),
                 (death * i, (k, v, e, i - 1)), (production * i, (k, v + 1, e, i))]
        total = sum(rate for rate, _ in moves)
        if total == 0:  # extinct: value 0
            continue
        for rate, target in moves:
            if rate == 0:
                continue
            if target[0] == threshold:
                rhs[j] += rate / total
            elif target[1] > v_cap:
                rhs[j] += tail * rate / total
            else:
                rows.append(j)
                cols.append(index[target])
                vals.append(-rate / total)
    a = sp.csr_matrix((vals, (rows, cols)), shape=(len(states), len(states)))
    return float(spla.spsolve(a.tocsc(), rhs)[index[(0, v0, 0, 0)]])


def test_threshold_probability_matches_the_full_jump_chain():
    # A small sheet (depletion matters: f falls from 0.8 to 0.57 over 8 infections),
    # with an eclipse phase the recursion never sees.
    beta, n_cells, c, ecl, delta, p = 0.2, 20, 1.0, 0.7, 1.0, 2.5
    args = (2, 8, beta, n_cells, c, ecl, delta, p, 60)
    lower = _first_passage_full_chain(*args, tail=0.0)
    upper = _first_passage_full_chain(*args, tail=1.0)
    assert upper - lower < 1e-9
    ours = threshold_probability(2, 8, beta * n_cells, c, p, delta, n_cells)
    assert ours == pytest.approx(0.5 * (lower + upper), abs=1e-9)
    # without depletion it is a different number (the branching process)
    assert threshold_probability(2, 8, beta * n_cells, c, p, delta) > ours + 0.01


def test_threshold_probability_limits():
    f = 2.0 / 3.0  # beta_n = 2, c = 1
    # one infection needed: one of the virions infects
    assert threshold_probability(3, 1, 2.0, 1.0, 3.0, 1.0) == pytest.approx(1 - (1 - f) ** 3)
    assert threshold_probability(3, 1, 2.0, 1.0, 3.0, 1.0, 5) == pytest.approx(1 - (1 - f) ** 3)
    # two: it fails when no virion infects, or when one does (v0 f (1-f)^(v0-1)) and then
    # neither the other virions nor that cell's Geometric burst G infects,
    # E (1 - f)^G = (1 - q) / (1 - q (1 - f)) with q = p / (p + delta) = 3/4
    v0, q = 2, 3.0 / 4.0
    burst_fails = (1 - q) / (1 - q * (1 - f))
    expected = 1 - (1 - f) ** v0 - v0 * f * (1 - f) ** (v0 - 1) * burst_fails
    assert threshold_probability(v0, 2, 2.0, 1.0, 3.0, 1.0) == pytest.approx(expected)
    # far thresholds: the long-run survival of the branching process
    for v0, p in ((3, 6.0), (1, 3.0)):
        assert threshold_probability(v0, 400, 2.0, 1.0, p, 1.0) == pytest.approx(
            branching_establishment(v0, 2.0, 1.0, p, 1.0), abs=1e-9)
    # subcritical (R0 = 3/4): reaching 30 cells happens, surviving never does
    sub = threshold_probability(4, 30, 1.0, 1.0, 1.5, 1.0)
    assert branching_establishment(4, 1.0, 1.0, 1.5, 1.0) == 0.0
    assert 0.04 < sub < 0.07
    assert threshold_probability(4, 300, 1.0, 1.0, 1.5, 1.0) < 1e-3 * sub
    # more cells than the sheet has can never be infected
    assert threshold_probability(4, 21, 1.0, 1.0, 6.0, 1.0, 20) == pytest.approx(0.0, abs=1e-15)
