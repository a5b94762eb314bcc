"""An external case, written as a user would: radioactive decay with an uncertain rate.

It lives outside the package and runs through the command line like any built-in
case (validation, ``--set``, distributions, propagation, campaign resume, the
report)::

    scaleweave run examples/decay_case.py:DecayCase --out results
    scaleweave run examples/decay_case.py:DecayCase --set 'rate=normal(2 1/h, 0.1 1/h)'
    scaleweave show examples/decay_case.py:DecayCase

A sample of ``n_atoms`` nuclei decays with a rate constant ``k`` that varies between
samples (aleatory, ``uniform(k1, k2)``). The nucleus model gives each nucleus's
survival probability ``exp(-k t)``; the sample-scale model counts the survivors.
References: for ``k ~ U(k1, k2)`` the mean surviving fraction is exactly
``(exp(-k1 t) - exp(-k2 t)) / ((k2 - k1) t)``; for a fixed ``k`` it is ``exp(-k t)``;
for any other distribution the reference is listed as skipped, with the reason.

The case only declares and wires: the base binds the parameters to their ports,
propagates the uncertain rate, checks the references and writes the results.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from scaleweave import (
    Analysis,
    Case,
    Output,
    Parameter,
    Reference,
    SkippedReference,
    Study,
    Uniform,
    model_from_function,
)

_EXACT = "exact average of exp(-k t) over k ~ U(k1, k2)"


def decay_study() -> Study:
    """Two scales: one nucleus (survival probability) and the sample (survivors)."""
    nucleus = model_from_function(
        lambda rate, time: {"survival": np.exp(-rate * time)},
        inputs={"rate": "1/s", "time": "s"}, outputs={"survival": ""}, name="nucleus",
        vectorized=True, length_scale=1e-15)
    sample = model_from_function(
        lambda survival, n_atoms: {"survivors": n_atoms * survival},
        inputs={"survival": "", "n_atoms": ""}, outputs={"survivors": ""}, name="sample",
        vectorized=True, length_scale=1e-3)
    return Study([nucleus, sample]).connect_by_name()


class DecayCase(Case):
    """Surviving nuclei after a time ``t`` when the decay rate varies between samples."""

    name = "decay"
    title = "Radioactive decay with an uncertain rate (an external case)"
    summary = ("Survivors of a decaying sample when the rate constant varies: exact mean "
               "against a propagated distribution")
    parameters = (
        Parameter("rate", "uniform(0.5 1/h, 1.5 1/h) aleatory", "1/h",
                  "decay rate constant k", low=0.0, uncertain=True, binds=("nucleus.rate",),
                  scale="nucleus"),
        Parameter("time", 2.0, "h", "elapsed time t", low=0.0, binds=("nucleus.time",),
                  scale="nucleus"),
        Parameter("n_atoms", 1e20, "", "nuclei in the sample", low=1.0,
                  binds=("sample.n_atoms",), scale="sample"),
        Parameter("n_samples", 4096, "", "propagation samples", low=64, integer=True),
    )
    samples_parameter = "n_samples"
    quick: ClassVar[dict[str, Any]] = {"n_samples": 1024}

    def study(self, params, ctx):
        return {"decay": decay_study()}

    def references(self, params):
        dist, t = params.uncertain.get("rate"), params["time"]
        if dist is None:
            return [Reference("surviving fraction", "surviving_fraction",
                              math.exp(-params["rate"] * t), 1e-12, "exp(-k t)")]
        if isinstance(dist, Uniform) and dist.kind == "aleatory":
            k1, k2 = (float(dist.ppf(u)) for u in (0.0, 1.0))  # the ends, in SI (1/s)
            exact = (math.exp(-k1 * t) - math.exp(-k2 * t)) / ((k2 - k1) * t)
            return [Reference("mean surviving fraction", "surviving_fraction", exact, 0.0,
                              _EXACT + "; tolerance 4 Monte Carlo standard errors of this run",
                              "abs", sigmas=4)]
        return [SkippedReference("mean surviving fraction",
                                 "the exact mean needs the rate uniform and aleatory")]

    def analyse(self, runs, ctx):
        run = runs["decay"]
        if run.propagation is None:
            fraction = float(run.si("nucleus.survival"))
            ds = xr.Dataset({"surviving_fraction": ((), fraction, {"units": "1"})})
            return Analysis({"surviving_fraction": Output(fraction, "",
                                                          description="exp(-k t)")}, ds)
        s = run.propagation.stats["nucleus.survival"]
        outputs = {"surviving_fraction": Output(
            s["mean"], "", s["mean_lo"], s["mean_hi"], "mean surviving fraction (95% MC)",
            error=s["mc_error"])}
        ds = run.propagation.dataset.rename({d: f"decay_{d}" for d in run.propagation.dataset.dims})
        for name in list(ds.data_vars) + list(ds.coords):
            ds[name].attrs.setdefault("units", "1")
        return Analysis(outputs, ds)

    def figures(self, dataset):
        if "nucleus.survival" not in dataset:
            return {}
        fig = Figure(figsize=(5.5, 3.8), layout="constrained")
        ax = fig.subplots()
        ax.hist(dataset["nucleus.survival"].values.ravel(), bins=60, density=True,
                color="#9ecae1")
        ax.set_xlabel("surviving fraction exp(-k t) (1)")
        ax.set_ylabel("probability density")
        ax.set_title("Survival when the rate varies between samples")
        return {"survival": fig}
