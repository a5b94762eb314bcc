"""Lattice kMC: correlation factors, single-carrier limits, Einstein drift, reference kernel.

Sources
-------
- Tracer correlation factors of the vacancy mechanism: Compaan & Haven (1956),
  Trans. Faraday Soc. 52, 786 and (1958) 54, 1498; exact values as tabulated by
  Mehrer, *Diffusion in Solids* (Springer 2007), table 7.2 and Montet (1973),
  Phys. Rev. B 7, 650: square 1/(pi - 1) = 0.46694, triangular 0.56006,
  honeycomb 1/3, simple cubic 0.65311, bcc 0.72722, fcc 0.78146.
- Uncorrelated random walk ``D = Gamma a^2 / (2 d)`` and the Einstein relation
  ``mu = q D / (kB T)`` (Einstein 1905); Haven ratio 1 without correlations
  (Murch 1982, Solid State Ionics 7, 177).
- Lattice gas with site exclusion: centre-of-mass ("jump") diffusivity
  ``D_sigma = D0 (1 - c)`` exactly (Kutner 1981, Phys. Lett. A 81, 239), and the
  Langmuir coverage ``k_ads / (k_ads + k_des)`` of adsorption-desorption.

Statistical tolerances are 4 standard errors estimated from the run itself
(independent replicas or blocks), plus the size of the error bar is checked so a
noisy run cannot pass by accident.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaleweave.core.constants import BOLTZMANN, ELEMENTARY_CHARGE
from scaleweave.core.units import Quantity
from scaleweave.engines.lattice.kmc import (
    KMCModel,
    hop_rate_classes,
    run_kmc,
    run_lattice_gas,
)
from scaleweave.engines.lattice.sites import lattice_from_atoms, standard_lattice
from scaleweave.errors import ConfigError

A = 3e-10  # m
W = 1e9  # 1/s per hop path
T = 300.0  # K
KT_OVER_Q = BOLTZMANN * T / ELEMENTARY_CHARGE  # V

EXACT_F = {
    "square": 1.0 / (math.pi - 1.0),  # 0.46694
    "triangular": 0.56006,
    "honeycomb": 1.0 / 3.0,
    "simple_cubic": 0.65311,
    "bcc": 0.72722,
    "fcc": 0.78146,
}
# Supercells of ~1000 sites: the finite-size shift of f with one vacancy is O(1/N),
# below the statistical error at these run lengths.
SIZE = {"square": 32, "triangular": 32, "honeycomb": 24, "simple_cubic": 10, "bcc": 8,
        "fcc": 6}


def _check_f(kind: str, n_events: int, n_blocks: int, n_replicas: int, max_err: float,
             seed: int) -> None:
    lat = standard_lattice(kind, SIZE[kind], A)
    res = run_kmc(lat, hop_rate=W, temperature=T, mechanism="vacancy", n_carriers=1,
                  n_events=n_events, n_blocks=n_blocks, n_replicas=n_replicas, rng=seed)
    # Blocks of >= ~100 hops per atom: shorter ones bias f upwards (square, 25 hops per
    # atom per block: +0.4 %), since jump correlations are cut at block edges.
    assert res.block_hops_per_carrier > 100
    f, err = res.correlation_factor, res.correlation_factor_err
    print(f"{kind}: f = {f:.5f} +- {err:.5f} (exact {EXACT_F[kind]:.5f}, "
          f"{res.n_events} events)")
    assert err < max_err
    assert abs(f - EXACT_F[kind]) < 4 * err


@pytest.mark.parametrize("kind", sorted(EXACT_F))
def test_vacancy_correlation_factor(kind):
    # ~1% precision, 1-3 s per lattice: 8 replicas x 2 blocks of 125k vacancy jumps.
    _check_f(kind, 250_000, 2, 8, 0.012, seed=11)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(EXACT_F))
def test_vacancy_correlation_factor_precise(kind):
    # ~0.15% precision: 16 replicas x 20 blocks of 125k vacancy jumps per lattice.
    _check_f(kind, 2_500_000, 20, 16, 0.0015, seed=12)


def test_correlation_factor_on_a_crystal_sublattice():
    # The Cu sites of fcc copper read through ASE: same f as the built fcc lattice.
    ase_build = pytest.importorskip("ase.build")
    lat = lattice_from_atoms(ase_build.bulk("Cu", "fcc", a=3.6, cubic=True), "Cu", repeat=5)
    res = run_kmc(lat, hop_rate=W, temperature=T, mechanism="vacancy", n_carriers=1,
                  n_events=100_000, n_blocks=1, n_replicas=8, rng=5)
    assert abs(res.correlation_factor - EXACT_F["fcc"]) < 4 * res.correlation_factor_err


def test_single_carrier_is_an_uncorrelated_random_walk():
    lat = standard_lattice("simple_cubic", 8, A)
    res = run_kmc(lat, hop_rate=W, temperature=T, n_carriers=1, n_events=4000,
                  n_replicas=300, rng=3)
    d0 = 6 * W * A**2 / 6  # Gamma a^2 / (2 d) with Gamma = z w
    assert res.uncorrelated_diffusivity == pytest.approx(d0)
    assert res.correlation_factor == pytest.approx(1.0, abs=4 * res.correlation_factor_err)
    for d, err in ((res.tracer_diffusivity, res.tracer_diffusivity_err),
                   (res.collective_diffusivity, res.collective_diffusivity_err)):
        assert err < 0.08 * d0
        assert abs(d - d0) < 4 * err
    assert abs(res.haven_ratio - 1.0) < 4 * res.haven_ratio_err
    # The MSD curve is linear: 2 d D0 t.
    np.testing.assert_allclose(res.msd[-1], 6 * d0 * res.times[-1],
                               atol=4 * res.msd_err[-1])


def test_dilute_carriers_have_haven_ratio_one():
    lat = standard_lattice("square", 64, A)  # 4096 sites, 20 carriers (c = 0.005)
    res = run_kmc(lat, hop_rate=W, temperature=T, n_carriers=20, n_events=100_000,
                  n_replicas=8, n_blocks=50, rng=4)
    assert res.haven_ratio_err < 0.1
    assert abs(res.haven_ratio - 1.0) < 4 * res.haven_ratio_err + 0.01  # O(c) correction


def test_concentrated_lattice_gas_jump_diffusivity_and_haven_ratio():
    lat = standard_lattice("square", 16, A)
    c = 0.5
    res = run_kmc(lat, hop_rate=W, temperature=T, concentration=c, n_events=140_000,
                  n_replicas=10, rng=6)
    assert res.block_hops_per_carrier > 100
    d0 = W * A**2
    assert res.collective_diffusivity_err < 0.15 * d0 * (1 - c)
    assert abs(res.collective_diffusivity - d0 * (1 - c)) < 4 * res.collective_diffusivity_err
    # Tracer correlation at finite concentration: f(c) < 1 (about 1 - (1 - f0) c, f0 the
    # vacancy value), and since D_sigma = D0 (1 - c) exactly, H = f(c).
    f, f_err = res.correlation_factor, res.correlation_factor_err
    assert f + 4 * f_err < 1.0 and f - 4 * f_err > EXACT_F["square"]
    assert abs(res.haven_ratio - f) < 4 * res.haven_ratio_err


def test_small_field_drift_obeys_einstein():
    lat = standard_lattice("square", 16, A)
    x = 0.05  # q E a / (2 kT): linear response, nonlinearity x^2/6 ~ 4e-4
    e_field = 2 * x * KT_OVER_Q / A  # V/m
    res = run_kmc(lat, hop_rate=W, temperature=T, n_carriers=1, field=e_field,
                  n_events=5000, n_replicas=300, rng=7)
    d0 = W * A**2
    mu_einstein = d0 / KT_OVER_Q  # q D / kT, m^2/(V s)
    v, v_err = res.drift_velocity[0], res.drift_velocity_err[0]
    assert v_err < 0.05 * mu_einstein * e_field
    assert abs(v - mu_einstein * e_field) < 4 * v_err
    mu, mu_err = res.mobility()
    assert abs(mu - mu_einstein) < 4 * mu_err
    # Against the measured diffusivity as well (both noisy).
    mu_measured_d = res.collective_diffusivity / KT_OVER_Q
    assert abs(mu - mu_measured_d) < 4 * math.hypot(mu_err, res.collective_diffusivity_err
                                                    / KT_OVER_Q)
    assert abs(res.drift_velocity[1]) < 4 * res.drift_velocity_err[1]  # none across the field


def test_negative_charge_drifts_against_the_field():
    lat = standard_lattice("square", 8, A)
    res = run_kmc(lat, hop_rate=W, temperature=T, n_carriers=2, field=5e7, charge=-1.0,
                  n_events=4000, n_replicas=20, rng=8)
    assert res.drift_velocity[0] < -4 * res.drift_velocity_err[0]
    assert res.mobility()[0] < 0


def test_field_splits_rates_into_classes():
    lat = standard_lattice("square", 4, A)
    rates, pclass, crate = hop_rate_classes(lat, W, T, field=1e7)
    assert crate.size == 3  # +x, -x, and the two perpendicular directions
    x = ELEMENTARY_CHARGE * 1e7 * A / (2 * BOLTZMANN * T)
    np.testing.assert_allclose(np.sort(crate), W * np.exp([-x, 0.0, x]))
    np.testing.assert_allclose(crate[pclass], rates.ravel())


# ---------------------------------------------------------------- NumPy reference
def _reference_replica(lat, rates, sites, t_end, rng):
    """Naive BKL: every enabled path's rate, cumulative sum, one event at a time."""
    nbr, disp = lat.neighbors, lat.displacements
    z = nbr.shape[1]
    occ = np.zeros(lat.n_sites, bool)
    occ[sites] = True
    who = np.full(lat.n_sites, -1)
    who[sites] = np.arange(len(sites))
    r = np.zeros((len(sites), 3))
    t = 0.0
    while True:
        w = np.where(occ[:, None] & ~occ[nbr], rates, 0.0).ravel()
        total = w.sum()
        t += rng.exponential(1.0 / total)
        if t > t_end:
            return r
        p = min(int(np.searchsorted(np.cumsum(w), rng.random() * total, side="right")),
                w.size - 1)
        i, k = divmod(p, z)
        j = nbr[i, k]
        m = who[i]
        r[m] += disp[i, k]
        who[j], who[i] = m, -1
        occ[i], occ[j] = False, True


def test_kernel_matches_numpy_reference_statistically():
    lat = standard_lattice("square", 4, A)  # 16 sites, 5 carriers, strong field
    field = 0.6 * 2 * KT_OVER_Q / A  # x = 0.6
    rates, _, _ = hop_rate_classes(lat, W, T, field=field)
    t_end = 5.0 / W
    n_rep = 600
    rng = np.random.default_rng(9)
    ref = np.array([_reference_replica(lat, rates, rng.permutation(16)[:5], t_end, rng)
                    for _ in range(n_rep)])  # (rep, carrier, 3)
    ref_vx = ref[:, :, 0].mean(axis=1) / t_end
    ref_msd = np.sum(ref**2, axis=2).mean(axis=1)
    res = run_kmc(lat, hop_rate=W, temperature=T, n_carriers=5, field=field, t_end=t_end,
                  n_samples=1, n_blocks=1, n_replicas=n_rep, rng=10)
    for ours, ours_err, theirs in ((res.drift_velocity[0], res.drift_velocity_err[0], ref_vx),
                                   (res.msd[-1], res.msd_err[-1], ref_msd)):
        err = math.hypot(ours_err, theirs.std(ddof=1) / math.sqrt(n_rep))
        assert abs(ours - theirs.mean()) < 4.5 * err, (ours, theirs.mean(), err)


def test_same_seed_same_result():
    lat = standard_lattice("triangular", 8, A)
    a = run_kmc(lat, hop_rate=W, temperature=T, concentration=0.3, n_events=5000, rng=1)
    b = run_kmc(lat, hop_rate=W, temperature=T, concentration=0.3, n_events=5000, rng=1)
    assert a.n_events == b.n_events
    np.testing.assert_array_equal(a.msd, b.msd)


# ------------------------------------------------------------------ lattice gas
def test_lattice_gas_reaches_langmuir_coverage_and_event_balance():
    lat = standard_lattice("square", 50, 1e-10)
    res = run_lattice_gas(lat, adsorption_rate=1.0, desorption_rate=3.0, hop_rate=1.0,
                          n_events=2_000_000, coverage0=0.25, rng=2)
    theta = 0.25
    # Bernoulli(theta) is stationary: rates per site hop z theta (1-theta) k_hop,
    # adsorption (1-theta) k_ads, desorption theta k_des -> 0.75 each: equal thirds.
    n = res.n_events
    for kind in ("hop", "adsorption", "desorption"):
        assert abs(res.events[kind] / n - 1 / 3) < 0.01
    assert abs(res.coverage - theta) < 4 * math.sqrt(theta * (1 - theta) / lat.n_sites) + 0.01
    assert res.time > 0


# -------------------------------------------------------------------- the model
def test_kmc_model_ports_and_reproducibility():
    lat = standard_lattice("square", 16, A)
    model = KMCModel(lattice=lat, concentration=0.25, n_events=20_000, seed=3)
    port = model.input_port("electric_field")
    assert port.driving_force == "electric_field" and port.default == 0.0
    inputs = {"hop_rate": Quantity(1.0, "GHz"), "temperature": Quantity(300.0, "K")}
    out = model.evaluate(inputs)
    again = KMCModel(lattice=lat, concentration=0.25, n_events=20_000, seed=3).evaluate(inputs)
    assert out.keys() == again.keys()
    for key, value in out.items():
        np.testing.assert_array_equal(value, again[key], err_msg=key)
    assert np.shape(out["msd"]) == (101,) and out["msd_time"][0] == 0.0
    assert out["field_work_over_kT"] == 0.0 and model.diagnose(out)[0].ok
    assert out["carrier_density"] == pytest.approx(64 / lat.volume)
    assert out["mobility"] > 0 and out["haven_ratio"] < 1.2
    assert model.cache_parameters()["seed"] == 3
    # the carriers' tracer correlation factor is a port too: the engine's, unscaled
    direct = run_kmc(lat, hop_rate=1.0, temperature=300.0, concentration=0.25, n_events=20_000,
                     n_replicas=4, n_samples=100, n_blocks=10, rng=3)
    assert out["correlation_factor"] == direct.correlation_factor
    assert out["correlation_factor_err"] == direct.correlation_factor_err > 0


def test_cache_key_is_the_exact_lattice_content():
    # Regression: the key hashed sums of positions and neighbours and left out the hop
    # displacements and the cell, so two different lattices could share a key.
    from dataclasses import replace

    from scaleweave.core.hashing import content_hash

    lat = standard_lattice("square", 8, A)
    base = content_hash(KMCModel(lattice=lat, concentration=0.25))
    swapped = lat.positions.copy()
    swapped[[0, 1]] = swapped[[1, 0]]  # same sum of positions
    rolled = np.roll(lat.neighbors, 1, axis=1)  # same sum of neighbours
    others = [replace(lat, positions=swapped), replace(lat, neighbors=rolled),
              replace(lat, displacements=-lat.displacements), replace(lat, cell=2 * lat.cell)]
    keys = {content_hash(KMCModel(lattice=o, concentration=0.25)) for o in others}
    assert base not in keys and len(keys) == len(others)
    assert content_hash(KMCModel(lattice=lat, concentration=0.25)) == base
    assert content_hash(KMCModel(lattice=lat, concentration=0.25, seed=1)) != base


def test_time_rescaling_is_exact_and_makes_the_model_vectorized():
    # One rate scale: the trajectory at rate k * Gamma is the one at Gamma in time / k.
    lat = standard_lattice("square", 12, A)
    kw = {"temperature": T, "concentration": 0.3, "field": 1e7, "n_events": 20_000, "rng": 1}
    unit = run_kmc(lat, hop_rate=1.0, **kw)
    fast = run_kmc(lat, hop_rate=6.3e8, **kw)
    scaled = unit.rescaled(6.3e8)
    assert fast.n_events == unit.n_events
    for name in ("tracer_diffusivity", "collective_diffusivity", "haven_ratio",
                 "correlation_factor"):
        assert getattr(scaled, name) == pytest.approx(getattr(fast, name), rel=1e-9)
    np.testing.assert_allclose(scaled.drift_velocity, fast.drift_velocity, rtol=1e-9)
    np.testing.assert_allclose(scaled.times, fast.times, rtol=1e-12)
    model = KMCModel(lattice=lat, concentration=0.3, n_events=20_000, seed=1)
    out = model.evaluate({"hop_rate": np.array([1e8, 2e8, 4e8]), "temperature": np.full(3, T),
                          "electric_field": np.zeros(3)}, batch=3)
    np.testing.assert_allclose(out["collective_diffusivity"],
                               out["collective_diffusivity"][0] * np.array([1, 2, 4]))
    assert len(model._unit_runs) == 1  # one kMC run served the three samples


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("c", [0.0, 1.0, -0.1, 1.5])
def test_concentration_outside_unit_interval_is_refused(c):
    lat = standard_lattice("square", 4, A)
    with pytest.raises(ConfigError, match=r"concentration must lie in \(0, 1\)"):
        run_kmc(lat, hop_rate=W, temperature=T, concentration=c)
    with pytest.raises(ConfigError):
        KMCModel(lattice=lat, concentration=c)


@pytest.mark.parametrize("temp", [-300.0, 0.0])
def test_non_positive_temperature_is_refused(temp):
    lat = standard_lattice("square", 4, A)
    with pytest.raises(ConfigError, match="temperature must be positive"):
        run_kmc(lat, hop_rate=W, temperature=temp, concentration=0.5)


def test_other_bad_input():
    lat = standard_lattice("square", 4, A)
    with pytest.raises(ConfigError, match="exactly one"):
        run_kmc(lat, hop_rate=W, temperature=T, concentration=0.5, n_carriers=3)
    with pytest.raises(ConfigError, match="mechanism"):
        run_kmc(lat, hop_rate=W, temperature=T, n_carriers=3, mechanism="ring")
    with pytest.raises(ConfigError, match="hop rates must be positive"):
        run_kmc(lat, hop_rate=-1.0, temperature=T, n_carriers=3)
    with pytest.raises(ConfigError, match="between 1 and 15"):
        run_kmc(lat, hop_rate=W, temperature=T, n_carriers=16)


def test_an_interrupted_run_resumes_from_its_checkpoint_and_matches(tmp_path, monkeypatch):
    import scaleweave.engines.lattice.kmc as kmc_module
    from scaleweave.core.checkpoint import Checkpoint
    from scaleweave.engines.lattice.sites import standard_lattice

    lattice = standard_lattice("square", 8, 3e-10)
    settings = dict(hop_rate=1e9, temperature=300.0, n_carriers=6, n_events=4000,
                    n_replicas=6, rng=7)
    unbroken = run_kmc(lattice, **settings)
    kernel, calls = kmc_module._kmc_diffusion, []

    def dies_at_the_fourth_replica(*args):
        if len(calls) == 3:
            raise KeyboardInterrupt  # as a kill would, after three finished replicas
        calls.append(1)
        return kernel(*args)

    monkeypatch.setattr(kmc_module, "_kmc_diffusion", dies_at_the_fourth_replica)
    ckpt = Checkpoint(tmp_path / "ck", "kmc-test", every=1)
    with pytest.raises(KeyboardInterrupt):
        run_kmc(lattice, **settings, checkpoint=ckpt)
    assert ckpt.path.is_file()
    calls.clear()
    monkeypatch.setattr(kmc_module, "_kmc_diffusion",
                        lambda *a: (calls.append(1), kernel(*a))[1])
    again = Checkpoint(tmp_path / "ck", "kmc-test", every=1)
    resumed = run_kmc(lattice, **settings, checkpoint=again)
    assert again.resumed_at == 3 and len(calls) == 3  # only the three unfinished replicas
    np.testing.assert_array_equal(resumed.msd, unbroken.msd)
    assert resumed.tracer_diffusivity == unbroken.tracer_diffusivity
    assert not (tmp_path / "ck").exists()  # completed: no debris
    # Another run (other seeds) under the same key never resumes the stale replicas.
    stale = Checkpoint(tmp_path / "ck", "kmc-test", every=1)
    stale.save(3, {"fingerprint": "another run", "replicas": {0: None}})
    calls.clear()
    other = run_kmc(lattice, **{**settings, "rng": 8}, checkpoint=stale)
    assert len(calls) == 6 and other.n_replicas == 6
