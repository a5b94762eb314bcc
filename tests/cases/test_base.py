"""The case template: binding, propagation, references by output name, skipped references."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr

from scaleweave.cases.base import Analysis, Case, Sampling
from scaleweave.cases.context import RunContext
from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.model import model_from_function
from scaleweave.core.parameters import Parameter, resolve_parameters
from scaleweave.core.results import Output
from scaleweave.core.study import Study
from scaleweave.errors import ConfigError


def _sum_study() -> Study:
    left = model_from_function(lambda a: {"u": a}, inputs={"a": "m"}, outputs={"u": "m"},
                               name="left", vectorized=True)
    right = model_from_function(lambda b: {"v": b}, inputs={"b": "m"}, outputs={"v": "m"},
                                name="right", vectorized=True)
    total = model_from_function(lambda u, v: {"y": u + v}, inputs={"u": "m", "v": "m"},
                                outputs={"y": "m"}, name="total", vectorized=True)
    return Study([left, right, total]).connect_by_name()


class SumCase(Case):
    """y = a + b with a, b ~ U(0, 1) m: mean 1 m, S1_a = S1_b = 1/2 (exact)."""

    name = "sum"
    title = "a + b"
    summary = "a sum of two uniform inputs"
    parameters = (
        Parameter("a", "uniform(0 m, 1 m) aleatory", "m", "left input", uncertain=True,
                  binds=("left.a",), scale="left"),
        Parameter("b", "uniform(0 m, 1 m) aleatory", "m", "right input", uncertain=True,
                  binds=("right.b",), scale="right"),
        Parameter("n", 4096, "", "samples", integer=True, low=16),
    )
    samples_parameter = "n"

    def study(self, params, ctx):
        return _sum_study()

    def sampling(self, label, params):
        return Sampling(n=params["n"], method="mc", sobol={"y": "total.y"}, n_base=512)

    def references(self, params):
        if all(n in params.uncertain for n in ("a", "b")):
            return [Reference("mean of a + b", "y_mean", 1.0, 0.0, "exact", "abs", sigmas=4),
                    Reference("S1 of a", "S1_a", 0.5, 0.05, "exact (additive)", "abs")]
        return [SkippedReference("mean of a + b", "needs a and b uniform")]

    def analyse(self, runs, ctx):
        run = runs["study"]
        if run.propagation is None:
            y = float(run.si("total.y"))
            return Analysis({"y": Output(y, "m")}, xr.Dataset({"y": ((), y, {"units": "m"})}))
        s = run.propagation.stats["total.y"]
        ds = run.propagation.dataset.copy()
        for name in list(ds.data_vars) + list(ds.coords):
            ds[name].attrs.setdefault("units", "1")
        return Analysis({"y_mean": Output(s["mean"], "m", error=s["mc_error"])}, ds)


def test_the_base_binds_propagates_computes_sobol_per_scale_and_checks_references():
    params = resolve_parameters(SumCase.parameters)
    result = SumCase().run(params, RunContext())
    checks = {c.name: c for c in result.references}
    mean = checks["mean of a + b"]
    # The tolerance is 4 Monte Carlo standard errors of this run, not a fixed number.
    assert mean.tolerance == pytest.approx(4 * result.outputs["y_mean"].error)
    assert 0.01 < mean.tolerance < 0.05 and mean.passed  # sd(a + b) = 0.41 m, n = 4096
    assert checks["S1 of a"].value == pytest.approx(0.5, abs=0.05)
    # Per-scale indices from the declared scales: one parameter per scale here.
    assert result.outputs["S1_scale_left"].value == pytest.approx(0.5, abs=0.05)
    assert "S1" in result.dataset and "study_graph" in result.dataset.attrs
    graph = json.loads(result.dataset.attrs["study_graph"])["study"]
    assert set(graph["models"]) == {"left", "right", "total"}
    assert graph["parameters"] == {"a": ["left.a"], "b": ["right.b"]}


def test_a_fixed_input_runs_the_study_once_and_lists_the_skipped_reference():
    params = resolve_parameters(SumCase.parameters, overrides=["a=0.25 m", "b=50 cm"])
    result = SumCase().run(params, RunContext())
    assert result.outputs["y"].value == pytest.approx(0.75)
    assert result.references == []
    assert [s.name for s in result.skipped] == ["mean of a + b"]
    assert "needs a and b uniform" in result.dataset.attrs["notes"]


def test_a_parameter_bound_to_a_model_no_study_has_is_refused():
    class Broken(SumCase):
        parameters = (Parameter("a", 1.0, "m", binds=("nowhere.a",)),)

    with pytest.raises(ConfigError, match=r"parameter 'a' binds .*nowhere"):
        Broken().studies(resolve_parameters(Broken.parameters), RunContext())


def test_a_case_may_not_override_run():
    with pytest.raises(TypeError, match=r"overrides Case\.run"):
        type("Bad", (Case,), {"run": lambda self, params, ctx: None})


def test_reference_checks_look_our_value_up_by_output_name():
    ref = Reference("x", "missing", 1.0, 0.1, "src")
    with pytest.raises(KeyError, match="did not produce"):
        ref.check({"other": Output(1.0)})
    with pytest.raises(ValueError, match="comparison='abs'"):
        Reference("x", "y", 1.0, 0.1, "src", "rel", sigmas=3)
    check = Reference("x", "y", 1.0, 0.01, "src", "abs", sigmas=3).check(
        {"y": Output(1.02, error=0.001)})
    assert check.tolerance == pytest.approx(0.01) and not check.passed
    check = Reference("x", "y", 1.0, 0.0, "src", "abs", sigmas=3).check(
        {"y": Output(1.02, error=0.01)})
    assert check.tolerance == pytest.approx(0.03) and check.passed
    assert math.isclose(Reference("r", "y", 2.0, 0.1, "s").check({"y": 2.1}).value, 2.1)


def test_a_coupler_is_described_and_handed_to_analyse_unrun():
    from scaleweave.bridges.timestepping.multirate import MultirateChain
    from scaleweave.engines.particles.spring_chain import build_chain

    m, k, _ = build_chain(20, 0.2, 100.0, 1.0, 1.0)
    coupler = MultirateChain(m, k, np.zeros(20), np.zeros(20), 0.5, 10).coupler
    seen = {}

    class Coupled(Case):
        name = "coupled"

        def study(self, params, ctx):
            return {"chain": coupler}

        def analyse(self, runs, ctx):
            seen["run"] = runs["chain"]
            return Analysis({}, xr.Dataset())

    result = Coupled().run(resolve_parameters(()), RunContext())
    assert seen["run"].study is coupler and coupler.t == 0.0
    graph = json.loads(result.dataset.attrs["study_graph"])["chain"]
    assert graph["concurrent"] and len(graph["links"]) == 2 * (len(graph["models"]) - 1)


def test_sobol_indices_outside_the_unit_interval_are_withheld_and_flagged():
    from scaleweave.cases.base import sobol_outputs
    from scaleweave.uq.sensitivity import SobolIndices, SobolResult

    idx = SobolIndices(S1=np.array([1.43, 0.2]), S1_conf=np.array([0.1, 0.05]),
                       ST=np.array([0.9, 0.3]), ST_conf=np.array([0.1, 0.05]))
    sobol = SobolResult(parameters=("a", "b"), outputs=("y",), by_parameter={"y": idx},
                        n_base=64)
    outputs, check, withheld = sobol_outputs(sobol)
    # 1.43 +- 0.1 lies 0.33 above 1: not a result, and a failed validity entry naming it.
    assert withheld == {"S1_a"} and "S1_a" not in outputs and "S1_b" in outputs
    assert check.value == pytest.approx(0.33) and not check.ok and "S1_a" in check.diagnostic
    assert "n_base = 64" in check.diagnostic
    fine = SobolResult(parameters=("a", "b"), outputs=("y",), n_base=64, by_parameter={
        "y": SobolIndices(S1=np.array([-0.01, 0.5]), S1_conf=np.array([0.02, 0.05]),
                          ST=np.array([0.0, 1.02]), ST_conf=np.array([0.01, 0.05]))})
    outputs, check, withheld = sobol_outputs(fine)
    assert check.ok and withheld == set() and len(outputs) == 4
