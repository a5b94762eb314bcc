"""Study graph validation: every wiring error named before anything runs."""

import numpy as np
import pytest

from scaleweave.core.model import Port, model_from_function
from scaleweave.core.study import Study
from scaleweave.errors import CouplingError

KB = 1.380649e-23
EV = 1.602176634e-19


def dft():
    return model_from_function(lambda: {"barrier": 0.3 * EV}, inputs={},
                               outputs={"barrier": "eV"}, name="dft", length_scale=1e-10)


def arrhenius():
    return model_from_function(
        lambda barrier, temperature: {"rate": 1e13 * np.exp(-barrier / (KB * temperature))},
        inputs={"barrier": "eV", "temperature": "K"}, outputs={"rate": "1/s"},
        name="arrhenius")


def test_chain_runs_and_converts_compatible_units():
    study = Study([dft(), arrhenius()]).connect_by_name()
    study.set_input("arrhenius.temperature", "26.85 degC")
    result = study.run()
    expected = 1e13 * np.exp(-0.3 * EV / (KB * 300.0))
    assert result["arrhenius.rate"].to("1/s").magnitude == pytest.approx(expected, rel=1e-9)
    assert result["arrhenius.rate"].to("1/ms").magnitude == pytest.approx(expected / 1e3)
    assert result["dft.barrier"].to("eV").magnitude == pytest.approx(0.3)
    assert set(result.timings) == {"dft", "arrhenius"}


def test_missing_input_is_named():
    study = Study([dft(), arrhenius()]).connect_by_name()
    problems = study.validate()
    assert problems == [
        "model 'arrhenius' input 'temperature' [K] is not fed: link an output to it or give "
        "it a value"
    ]
    with pytest.raises(CouplingError, match="temperature"):
        study.run()


def test_input_fed_twice():
    study = Study([dft(), arrhenius()]).connect_by_name()
    study.set_input("arrhenius.temperature", "300 K")
    study.set_input("arrhenius.barrier", "0.2 eV")
    (problem,) = study.validate()
    assert "model 'arrhenius' input 'barrier' is fed twice: by dft.barrier and by the value" in (
        problem)


def test_wrong_dimension_on_a_link():
    length = model_from_function(lambda: {"barrier": 1.0}, inputs={},
                                 outputs={"barrier": "nm"}, name="geom")
    study = Study([length, arrhenius()]).connect_by_name()
    study.set_input("arrhenius.temperature", 300)
    (problem,) = study.validate()
    assert problem.startswith("unit mismatch on geom.barrier -> arrhenius.barrier")
    assert "[length]" in problem and "eV" in problem


def test_wrong_dimension_of_a_value():
    study = Study([dft(), arrhenius()]).connect_by_name()
    study.set_input("arrhenius.temperature", "3 kg")
    (problem,) = study.validate()
    assert "model 'arrhenius' input 'temperature'" in problem and "kg" in problem


def test_cycle_is_found():
    a = model_from_function(lambda x: {"y": x}, inputs={"x": "m"}, outputs={"y": "m"}, name="a")
    b = model_from_function(lambda y: {"x": y}, inputs={"y": "m"}, outputs={"x": "m"}, name="b")
    study = Study([a, b]).connect_by_name()
    problems = study.validate()
    assert any(p.startswith("cycle in the study graph") and "a" in p and "b" in p
               for p in problems)


def test_unknown_model_and_port_suggest():
    study = Study([dft(), arrhenius()])
    study.connect("dft.barier", "arrhenus.barrier")
    problems = study.validate()
    assert any("did you mean 'barrier'" in p for p in problems)
    assert any("did you mean 'arrhenius'" in p for p in problems)


def test_double_counting_of_a_driving_force():
    kmc = model_from_function(
        lambda field: {"mobility": 1.0}, inputs={"field": Port("field", "V/m",
                                                               driving_force="electric_field")},
        outputs={"mobility": "m^2/V/s"}, name="kmc", length_scale=1e-9)
    device = model_from_function(
        lambda mobility, applied: {"current": mobility * applied},
        inputs={"mobility": "m^2/V/s",
                "applied": Port("applied", "V/m", driving_force="electric_field")},
        outputs={"current": "m/s"}, name="device", length_scale=1e-3)
    study = Study([kmc, device]).connect_by_name()
    study.set_input("kmc.field", "1e5 V/m")
    study.set_input("device.applied", "1e5 V/m")
    (problem,) = study.validate()
    assert problem.startswith("double counting: driving force 'electric_field'")
    assert "'kmc'" in problem and "'device'" in problem
    # Applying it at one scale only is fine.
    ok = Study([kmc, device]).connect_by_name()
    ok.set_input("kmc.field", "0 V/m")
    ok.set_input("device.applied", "1e5 V/m")
    assert ok.validate() == []


def test_every_problem_reported_at_once():
    study = Study([dft(), arrhenius()])
    study.connect("dft.barrier", "arrhenius.nothing")
    problems = study.validate()
    assert len(problems) >= 3  # unknown port, barrier not fed, temperature not fed


def test_run_time_nan_names_model_and_port():
    bad = model_from_function(lambda barrier: {"rate": np.nan * barrier},
                              inputs={"barrier": "eV"}, outputs={"rate": "1/s"}, name="bad")
    study = Study([dft(), bad]).connect_by_name()
    with pytest.raises(Exception, match="model 'bad' output 'rate'"):
        study.run()


_CALLS: list = []


def test_cacheable_models_are_not_recomputed(tmp_path):
    from scaleweave.execution import ModelCache

    # A module-level counter: values a function closes over are part of what it
    # computes (its content), so a closure over this list would change the key.
    calls = _CALLS
    calls.clear()

    def expensive(barrier):
        _CALLS.append(barrier)
        return {"rate": 1e13 * np.exp(-barrier / (KB * 300.0))}

    model = model_from_function(expensive, inputs={"barrier": "eV"}, outputs={"rate": "1/s"},
                                name="hop")
    model.cacheable = True
    cache = ModelCache(tmp_path)
    study = Study([model]).set_input("hop.barrier", "0.3 eV")
    first = study.run(cache=cache)["hop.rate"]
    again = study.run(cache=ModelCache(tmp_path))["hop.rate"]  # a new process would do this
    assert len(calls) == 1 and first == again
    other = Study([model]).set_input("hop.barrier", "0.31 eV").run(cache=cache)["hop.rate"]
    assert len(calls) == 2 and other < first
