"""An external case, written as a user would: radioactive decay with an uncertain rate.

It lives outside the package and runs through the command line like any built-in
case (validation, ``--set``, distributions, propagation, campaign resume, the
report)::

    scaleweave run examples/decay_case.py:DecayCase --out results
    scaleweave run examples/decay_case.py:DecayCase --set 'rate=normal(2 1/h, 0.1 1/h)'

A sample of ``n_atoms`` nuclei decays with a rate constant ``k`` known only to an
interval of values (aleatory variability between samples, ``uniform(k1, k2)``).
The atomistic model gives each nucleus's survival probability ``exp(-k t)``; the
sample-scale model counts the survivors. Reference: for ``k ~ U(k1, k2)`` the mean
surviving fraction is exactly ``(exp(-k1 t) - exp(-k2 t)) / ((k2 - k1) t)``; for
any other distribution the reference is listed as skipped, with the reason.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from scaleweave import (
    Case,
    CaseResult,
    Output,
    Parameter,
    ReferenceCheck,
    Study,
    Uniform,
    model_from_function,
    propagate,
)


def decay_study(t: float, n_atoms: float) -> Study:
    """Two scales: one nucleus (survival probability) and the sample (survivors)."""
    nucleus = model_from_function(
        lambda rate: {"survival": np.exp(-rate * t)}, inputs={"rate": "1/s"},
        outputs={"survival": ""}, name="nucleus", vectorized=True, length_scale=1e-15)
    sample = model_from_function(
        lambda survival: {"survivors": n_atoms * survival}, inputs={"survival": ""},
        outputs={"survivors": ""}, name="sample", vectorized=True, length_scale=1e-3)
    return Study([nucleus, sample]).connect_by_name()


class DecayCase(Case):
    """Surviving nuclei after a time ``t`` when the decay rate varies between samples."""

    name = "decay"
    title = "Radioactive decay with an uncertain rate (an external case)"
    description = ("Survivors of a decaying sample when the rate constant varies: exact "
                   "mean against a propagated distribution")
    parameters = (
        Parameter("rate", "uniform(0.5 1/h, 1.5 1/h) aleatory", "1/h",
                  "decay rate constant k", low=0.0, uncertain=True, binds=("nucleus.rate",),
                  scale="nucleus"),
        Parameter("time", 2.0, "h", "elapsed time t", low=0.0),
        Parameter("n_atoms", 1e20, "", "nuclei in the sample", low=1.0),
        Parameter("n_samples", 4096, "", "propagation samples", low=64, integer=True),
    )
    samples_parameter = "n_samples"
    quick: ClassVar[dict[str, Any]] = {"n_samples": 1024}

    def run(self, params, ctx):
        study = decay_study(params["time"], params["n_atoms"])
        (target,) = self.parameters[0].binds
        study.bind("rate", target, value=params["rate"])  # SI, the port's unit
        uncertain = {n: d for n, d in params.uncertain.items() if n == "rate"}
        refs: list[ReferenceCheck] = []
        notes = []
        if not uncertain:
            fraction = math.exp(-params["rate"] * params["time"])
            outputs = {"surviving_fraction": Output(fraction, "", description="exp(-k t)")}
            ds = xr.Dataset({"surviving_fraction": ((), fraction, {"units": "1"})})
            return CaseResult(dataset=ds, outputs=outputs)
        res = propagate(study, uncertain, n=params["n_samples"], seed=ctx.seed,
                        evaluator=ctx.evaluator(study, "decay"))
        s = res.stats["nucleus.survival"]
        outputs = {"surviving_fraction": Output(
            s["mean"], "", s["mean_lo"], s["mean_hi"], "mean surviving fraction (95% MC)")}
        dist, t = uncertain["rate"], params["time"]
        if isinstance(dist, Uniform) and dist.kind == "aleatory":
            k1, k2 = (float(dist.ppf(u)) for u in (0.0, 1.0))  # the ends, in SI (1/s)
            exact = (math.exp(-k1 * t) - math.exp(-k2 * t)) / ((k2 - k1) * t)
            refs.append(ReferenceCheck(
                "mean surviving fraction", s["mean"], exact, 4 * s["mc_error"],
                "exact average of exp(-k t) over k ~ U(k1, k2); tolerance 4 Monte Carlo "
                "standard errors of this run", "abs"))
        else:
            notes.append("exact mean left out: it needs the rate uniform and aleatory")
        ds = res.dataset.rename({d: f"decay_{d}" for d in res.dataset.dims})
        for name in list(ds.data_vars) + list(ds.coords):
            ds[name].attrs.setdefault("units", "1")
        ds.attrs["notes"] = "; ".join(notes)
        return CaseResult(dataset=ds, outputs=outputs, references=refs,
                          failed_samples=res.n_failed)
