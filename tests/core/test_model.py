"""Model boundary: inputs checked and converted, outputs checked for shape and finiteness."""

import numpy as np
import pytest

from scaleweave.core.model import Model, Port, model_from_function
from scaleweave.core.units import Quantity
from scaleweave.errors import ConfigError, ModelError, NonFiniteError, UnitError


def _double():
    return model_from_function(lambda x: {"y": 2 * x}, inputs={"x": "m"},
                               outputs={"y": "m"}, name="double")


def test_quantity_inputs_are_converted_to_si():
    out = _double().evaluate({"x": Quantity(3.0, "cm")})
    assert out["y"] == pytest.approx(0.06)


def test_wrong_dimension_input_names_model_and_port():
    with pytest.raises(UnitError, match="model 'double' input 'x'"):
        _double().evaluate({"x": Quantity(1.0, "s")})


def test_missing_and_unknown_inputs():
    with pytest.raises(ConfigError, match=r"input 'x'.*missing"):
        _double().evaluate({})
    with pytest.raises(ConfigError, match="no input port 'z'"):
        _double().evaluate({"x": 1.0, "z": 2.0})


def test_default_used_when_not_fed():
    m = model_from_function(lambda x: {"y": x}, inputs={"x": Port("x", "eV", default=1.0)},
                            outputs={"y": "J"})
    assert m.evaluate({})["y"] == pytest.approx(1.602176634e-19)


def test_nan_output_names_model_port_and_value():
    bad = model_from_function(lambda x: {"y": np.array([1.0, np.nan])}, inputs={"x": "m"},
                              outputs={"y": Port("y", "m", shape=(2,))}, name="leaky")
    with pytest.raises(NonFiniteError, match=r"model 'leaky' output 'y' \[m\] is not finite: nan"):
        bad.evaluate({"x": 1.0})


def test_inf_output_is_refused():
    bad = model_from_function(lambda x: {"y": np.inf}, inputs={"x": "m"}, outputs={"y": "m"})
    with pytest.raises(NonFiniteError, match="inf"):
        bad.evaluate({"x": 1.0})


def test_shape_mismatch_is_refused():
    m = model_from_function(lambda x: {"y": np.zeros(3)}, inputs={"x": "m"},
                            outputs={"y": Port("y", "m", shape=(2,))}, name="s")
    with pytest.raises(ConfigError, match="shape"):
        m.evaluate({"x": 1.0})


def test_kernel_exception_becomes_model_error():
    def boom(x):
        raise ZeroDivisionError("divide")

    m = model_from_function(boom, inputs={"x": "m"}, outputs={"y": "m"}, name="boom")
    with pytest.raises(ModelError, match="model 'boom' failed: ZeroDivisionError"):
        m.evaluate({"x": 1.0})


def test_subclass_protocol():
    class Arrhenius(Model):
        inputs = (Port("barrier", "eV"), Port("temperature", "K"))
        outputs = (Port("rate", "1/s"),)
        name = "arrhenius"

        def _run(self, inputs):
            kb = 1.380649e-23
            return {"rate": 1e13 * np.exp(-inputs["barrier"] / (kb * inputs["temperature"]))}

    rate = Arrhenius().evaluate({"barrier": Quantity(0.5, "eV"),
                                 "temperature": Quantity(300, "K")})["rate"]
    # 1e13 exp(-0.5 eV / (k_B 300 K)) = 3.9e4 1/s.
    assert rate == pytest.approx(1e13 * np.exp(-0.5 / (8.617333262e-5 * 300)), rel=1e-9)


def test_port_name_must_be_identifier():
    with pytest.raises(ConfigError):
        Port("not a name", "m")


# -- the parameter contract --------------------------------------------------------------
def _builtin_model_classes():
    import importlib
    import inspect
    import pkgutil

    import scaleweave
    from scaleweave.core.model import Model

    found = {}
    for info in pkgutil.walk_packages(scaleweave.__path__, "scaleweave."):
        if ".cases" in info.name:
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Model) and obj.__module__ == info.name:
                found[f"{info.name}.{obj.__qualname__}"] = obj
    return found


def test_every_builtin_model_has_a_stable_identity_and_keyword_only_parameters():
    import inspect

    from scaleweave.core.model import Bridge, Model

    classes = {k: v for k, v in _builtin_model_classes().items() if v not in (Model, Bridge)}
    assert len(classes) >= 9
    identities = [cls.identity for cls in classes.values()]
    assert all(identities), [k for k, c in classes.items() if not c.identity]
    assert len(set(identities)) == len(identities)
    for where, cls in classes.items():
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        assert all(p.kind is p.KEYWORD_ONLY for p in params), where


def test_get_params_with_and_the_content_follow_the_constructor():
    from scaleweave.bridges.rates.arrhenius import ArrheniusModel
    from scaleweave.core.hashing import content_hash

    m = ArrheniusModel(limit=4.0, name="rate")
    assert m.get_params() == {"limit": 4.0, "name": "rate"}
    other = m.with_(limit=5.0)
    assert type(other) is ArrheniusModel and other.limit == 5.0 and other.name == "rate"
    assert content_hash(m.with_(name="renamed")) == content_hash(m)  # a label, not physics
    assert content_hash(other) != content_hash(m)
    with pytest.raises(ConfigError, match="has no parameter 'limt'"):
        m.with_(limt=1.0)


def test_a_model_that_hides_its_parameters_is_told_so():
    class Hidden(Model):
        def __init__(self, *, k: float = 1.0) -> None:
            self._k = k

    with pytest.raises(TypeError, match="does not keep its constructor parameter 'k'"):
        Hidden().get_params()

    class Star(Model):
        def __init__(self, *args: float) -> None:
            pass

    with pytest.raises(TypeError, match="takes \\*args"):
        Star().get_params()


def test_function_models_differ_by_what_they_close_over():
    from scaleweave.core.hashing import content_hash

    def make(a):
        return model_from_function(lambda x: {"y": a * x}, inputs={"x": ""},
                                   outputs={"y": ""}, name="f")

    assert content_hash(make(2.0)) == content_hash(make(2.0))
    assert content_hash(make(2.0)) != content_hash(make(3.0))
    nested = model_from_function(lambda x: {"y": sum(v for v in [x])}, inputs={"x": ""},
                                 outputs={"y": ""})
    assert "0x" not in repr(nested.cache_parameters()["func"]["code"])  # no addresses


def _toy():
    return model_from_function(lambda barrier: {"energy": barrier}, inputs={"barrier": "eV"},
                               outputs={"energy": "J"}, name="toy")


def test_text_inputs_are_converted_never_passed_to_the_kernel():
    # Regression: "0.3 eV" reached the kernel as a string.
    assert _toy().evaluate({"barrier": "0.3 eV"})["energy"] == pytest.approx(0.3 * 1.602176634e-19)
    with pytest.raises(UnitError, match=r"model 'toy' input 'barrier' = '0.3' has no unit"):
        _toy().evaluate({"barrier": "0.3"})
    with pytest.raises(UnitError, match="model 'toy' input 'barrier'"):
        _toy().evaluate({"barrier": "0.3 kg"})


def test_undeclared_outputs_are_an_error():
    # Regression: extra keys were dropped silently.
    m = model_from_function(lambda x: {"y": x, "debug": 1.0}, inputs={"x": ""},
                            outputs={"y": ""}, name="chatty")
    with pytest.raises(ModelError, match=r"model 'chatty' returned \['debug'\], which it does "
                                         r"not declare as outputs"):
        m.evaluate({"x": 1.0})


@pytest.mark.parametrize("value", [None, [1.0], 1.0])
def test_a_kernel_must_return_a_mapping(value):
    # Regression: a raw TypeError ("argument of type 'NoneType' is not iterable").
    m = model_from_function(lambda x: value, inputs={"x": ""}, outputs={"y": ""}, name="odd")
    with pytest.raises(ModelError, match=r"model 'odd' returned \w+ from _run; it must return a "
                                         r"dict of its outputs \['y'\]"):
        m.evaluate({"x": 1.0})
