"""NUTS effective samples per second: our hierarchical bridge (NumPyro) against PyMC's default.

Two models, the same priors, parameterisation and data on both sides:

* **Eight schools** (Rubin 1981), ``mu ~ N(0, 5)``, ``tau ~ HalfCauchy(5)``,
  non-centred (the form our bridge chooses for these data).
* **Radon-like regression, 85 groups**: simulated (seeded) like the Minnesota radon
  data of Gelman & Hill (2007, ch. 12): 919 houses in 85 counties with very unequal
  sizes, ``y = a_county + b floor + e``; ``a ~ N(mu, tau)``, ``mu ~ N(0, 5)``,
  ``tau ~ HalfNormal(1)``, ``b ~ N(0, 5)``, ``sigma ~ HalfNormal(1)``; the
  parameterisation our bridge chooses is used on both sides.

Figures: the smallest bulk ESS over all parameters (mu, tau, sigma, b and every
group's effect; ArviZ rank-normalised, Vehtari et al. 2021) per second of wall time of
one full run (4 chains, 1000 warm-up + 1000 draws each), best of ``REPEATS``
interleaved rounds, compiled code warm on both sides (our sampler is compiled once per
model structure; PyMC caches its compiled C). The first (cold) run is reported on its
own line. PyMC runs its default sampler (``pm.sample``: NUTS, ``jitter+adapt_diag``,
target acceptance 0.8, chains on ``min(4, cpus)`` processes); ours runs the chains one
after another in one process with target acceptance 0.95.

PyMC 5 needs PyTensor, which pins ``numba<=0.65.1``; installing it into an environment
with a newer numba would downgrade numba for every engine, so install it beside
(``pip install 'scaleweave[bench]'`` in a separate environment). Without PyMC the peer
columns read ``n/a``.

Run: ``scaleweave bench nuts`` or ``python -m benchmarks.nuts`` (from the checkout).
Writes ``results/bench/nuts.json``.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from benchmarks._common import figure_line, machine_info, time_interleaved, write_json

__all__ = ["main", "radon_data", "run_ours", "run_peer"]

NAME = "nuts"
CHAINS, WARMUP, DRAWS = 4, 1000, 1000
REPEATS = 2
SEED = 20260501
Y8 = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
S8 = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])


def radon_data(seed: int = SEED) -> dict[str, Any]:
    """Seeded radon-like data: 85 counties, 919 houses, log-normal county sizes.

    Returns
    -------
    dict
        ``y`` (log radon), ``floor`` (0 basement, 1 first floor), ``county`` (index),
        ``n_counties``, and the true ``mu``, ``tau``, ``b``, ``sigma``.
    """
    rng = np.random.default_rng(seed)
    n_counties, n_houses = 85, 919
    weights = rng.lognormal(0.0, 1.2, n_counties)
    sizes = 1 + rng.multinomial(n_houses - n_counties, weights / weights.sum())
    county = np.repeat(np.arange(n_counties), sizes)
    truth = {"mu": 1.5, "tau": 0.3, "b": -0.7, "sigma": 0.75}
    a = truth["mu"] + truth["tau"] * rng.standard_normal(n_counties)
    floor = (rng.random(n_houses) < 0.17).astype(float)
    y = a[county] + truth["b"] * floor + truth["sigma"] * rng.standard_normal(n_houses)
    return {"y": y, "floor": floor, "county": county, "n_counties": n_counties, **truth}


def _min_ess(posterior: dict[str, np.ndarray]) -> float:
    import arviz as az

    ess = az.ess(az.convert_to_dataset(posterior), method="bulk")
    return float(min(np.min(ess[k].values) for k in posterior))


def run_ours(problem: str, seed: int = 0) -> dict[str, Any]:
    """Fit with :func:`~scaleweave.bridges.inference.hierarchical.fit_hierarchical`; ESS, means."""
    from scaleweave.bridges.inference.hierarchical import Design, fit_hierarchical

    if problem == "eight_schools":
        labels = list("ABCDEFGH")
        fit = fit_hierarchical(Y8, labels, design=Design.single("school", labels), sigma=S8,
                               priors={"mu": "normal(0, 5)", "tau": "halfcauchy(5)"},
                               chains=CHAINS, warmup=WARMUP, draws=DRAWS, seed=seed)
        keep = ["mu", "tau_school", "theta_school"]
    else:
        d = radon_data()
        labels = [f"c{i:02d}" for i in range(d["n_counties"])]
        fit = fit_hierarchical(d["y"], [labels[i] for i in d["county"]],
                               design=Design.single("county", labels),
                               covariates=d["floor"][:, None],
                               priors={"mu": "normal(0, 5)", "tau": "halfnormal(1)",
                                       "sigma": "halfnormal(1)", "beta": "normal(0, 5)"},
                               chains=CHAINS, warmup=WARMUP, draws=DRAWS, seed=seed)
        keep = ["mu", "tau_county", "theta_county", "beta", "sigma"]
    post = {k: fit.samples[k] for k in keep}
    level = "school" if problem == "eight_schools" else "county"
    return {"min_ess": _min_ess(post), "mu": fit.mean("mu"),
            "tau": fit.mean(f"tau_{level}"), "divergences": fit.diagnostics["divergences"],
            "parameterisation": fit.parameterisation[level]["choice"]}


def run_peer(problem: str, parameterisation: str, seed: int = 0) -> dict[str, Any]:
    """The same model in PyMC, sampled with ``pm.sample`` defaults."""
    import logging

    import pymc as pm

    logging.getLogger("pymc").setLevel(logging.WARNING)  # keep stdout to the figure lines

    with pm.Model():
        if problem == "eight_schools":
            mu = pm.Normal("mu", 0.0, 5.0)
            tau = pm.HalfCauchy("tau", 5.0)
            n, idx, eta_extra = 8, np.arange(8), 0.0
        else:
            d = radon_data()
            mu = pm.Normal("mu", 0.0, 5.0)
            tau = pm.HalfNormal("tau", 1.0)
            b = pm.Normal("b", 0.0, 5.0)
            sigma = pm.HalfNormal("sigma", 1.0)
            n, idx, eta_extra = d["n_counties"], d["county"], b * d["floor"]
        if parameterisation == "non-centred":
            z = pm.Normal("z", 0.0, 1.0, shape=n)
            theta = pm.Deterministic("theta", mu + tau * z)
        else:
            theta = pm.Normal("theta", mu, tau, shape=n)
        if problem == "eight_schools":
            pm.Normal("y", theta, S8, observed=Y8)
        else:
            pm.Normal("y", theta[idx] + eta_extra, sigma, observed=d["y"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = pm.sample(draws=DRAWS, tune=WARMUP, chains=CHAINS, random_seed=seed,
                              progressbar=False, compute_convergence_checks=False)
    keep = ["mu", "tau", "theta"] + ([] if problem == "eight_schools" else ["b", "sigma"])
    post = {k: idata.posterior[k].values for k in keep}
    return {"min_ess": _min_ess(post), "mu": float(post["mu"].mean()),
            "tau": float(post["tau"].mean()),
            "divergences": float(idata.sample_stats["diverging"].sum())}


def _setup(store: dict, key: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A ``time_interleaved`` setup whose timed call stores its result in ``store[key]``."""
    def setup() -> Any:
        return lambda: store.__setitem__(key, fn(*args, **kwargs))

    return setup


def _peer_available() -> str | None:
    try:
        import pymc  # noqa: F401
    except ImportError as exc:
        return f"PyMC not importable ({exc}); install it beside: pip install pymc"
    return None


def main() -> None:
    """Time both samplers on both models (interleaved, best of REPEATS); print; write JSON."""
    import numpyro

    numpyro.set_platform("cpu")
    missing = _peer_available()
    data: dict[str, Any] = {
        "benchmark": NAME, "chains": CHAINS, "warmup": WARMUP, "draws": DRAWS,
        "ours": "scaleweave.bridges.inference.hierarchical.fit_hierarchical (NumPyro NUTS, chains "
                "sequential in one process, target_accept 0.95)",
        "peer": None if missing else "pymc.sample defaults (NUTS, target_accept 0.8)",
        "machine": machine_info(), "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "problems": {},
    }
    if not missing:
        import pymc

        data["peer_version"] = pymc.__version__
    lines: list[str] = []
    for problem in ("eight_schools", "radon85"):
        res: dict[str, Any] = {}
        tic = time.perf_counter()
        first = run_ours(problem, seed=1)
        res["ours_cold_s"] = time.perf_counter() - tic
        form = first["parameterisation"]
        last: dict[str, Any] = {}
        setups = {"ours": _setup(last, "ours", run_ours, problem, seed=2)}
        if not missing:
            tic = time.perf_counter()
            run_peer(problem, form, seed=1)
            res["peer_cold_s"] = time.perf_counter() - tic
            setups["peer"] = _setup(last, "peer", run_peer, problem, form, seed=2)
        times = time_interleaved(setups, REPEATS)
        res["parameterisation"] = form
        res["wall_s"] = times
        res["ours"] = last["ours"]
        ours_rate = last["ours"]["min_ess"] / min(times["ours"])
        res["ours_ess_per_s"] = ours_rate
        if missing:
            lines.append(f"nuts_ess_per_s_{problem}: ours={ours_rate:.4g} peer=n/a ratio=n/a "
                         f"ESS/s ({missing})")
        else:
            res["peer"] = last["peer"]
            peer_rate = last["peer"]["min_ess"] / min(times["peer"])
            res["peer_ess_per_s"] = peer_rate
            lines.append(figure_line(f"nuts_ess_per_s_{problem}", ours_rate, peer_rate,
                                     ours_rate / peer_rate, f"min bulk ESS/s ({form})"))
            lines.append(figure_line(f"nuts_wall_{problem}", min(times["ours"]),
                                     min(times["peer"]), min(times["peer"]) / min(times["ours"]),
                                     "s (warm)"))
            lines.append(figure_line(f"nuts_cold_wall_{problem}", res["ours_cold_s"],
                                     res["peer_cold_s"], res["peer_cold_s"] / res["ours_cold_s"],
                                     "s (first run, compile included)"))
            lines.append(f"check_{problem}: E[mu] ours={last['ours']['mu']:.3f} "
                         f"peer={last['peer']['mu']:.3f}; E[tau] ours={last['ours']['tau']:.3f} "
                         f"peer={last['peer']['tau']:.3f}; divergences "
                         f"ours={last['ours']['divergences']:.0f} "
                         f"peer={last['peer']['divergences']:.0f}")
        data["problems"][problem] = res
    head = data["problems"]["eight_schools"]
    data["headline"] = {"name": "nuts_ess_per_s_eight_schools", "ours": head["ours_ess_per_s"],
                        "peer": head.get("peer_ess_per_s"),
                        "ratio": (head["ours_ess_per_s"] / head["peer_ess_per_s"]
                                  if "peer_ess_per_s" in head else None),
                        "unit": "min bulk ESS/s"}
    for line in lines:
        print(line, flush=True)
    write_json(NAME, data)


if __name__ == "__main__":
    main()
