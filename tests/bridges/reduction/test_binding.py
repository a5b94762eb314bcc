"""The binding QSSA bridge: its network, its closed form, its diagnostic."""

import warnings

import numpy as np
import pytest

from scaleweave.bridges.reduction.binding import (
    BindingQSSAModel,
    binding_network,
    binding_rate,
    effective_infection_rate,
)
from scaleweave.errors import ValidityError, ValidityWarning

HOUR = 3600.0
K_ON, K_OFF, K_ENTRY, CLEAR = 3.125e-5, 1.0, 1 / HOUR, 0.05 / HOUR


def test_network_species_and_reactions():
    net = binding_network(3, 1600, K_ON, K_OFF, K_ENTRY, CLEAR)
    assert list(net.names) == ["V", "S", "B", "E"]
    assert list(net.x0) == [3, 1600, 0, 0]
    assert [r.name for r in net.reactions] == ["bind", "unbind", "entry", "clear"]


def test_reduced_rate_is_the_closed_form_bit_for_bit():
    net = binding_network(3, 1600, K_ON, K_OFF, K_ENTRY, CLEAR)
    beta, validity, eps = effective_infection_rate(net)
    assert beta == binding_rate(K_ON, K_OFF, K_ENTRY)
    assert beta == pytest.approx(K_ON * K_ENTRY / (K_OFF + K_ENTRY), rel=1e-15)
    # epsilon = (k_on N + c) / (k_off + k_entry)
    assert eps == pytest.approx((K_ON * 1600 + CLEAR) / (K_OFF + K_ENTRY), rel=1e-12)
    (v,) = validity
    assert (v.bridge, v.value, v.limit, v.ok) == ("qssa", eps, 0.1, True)


def test_bridge_reports_beta_and_epsilon_and_its_diagnostic():
    m = BindingQSSAModel()
    inputs = {"k_on": K_ON, "k_off": K_OFF, "k_entry": K_ENTRY, "clearance": CLEAR,
              "virions0": 3, "n_cells": 1600}
    out = m.evaluate(inputs)
    beta, (own,), eps = effective_infection_rate(binding_network(3, 1600, K_ON, K_OFF,
                                                                 K_ENTRY, CLEAR))
    assert (out["beta"], out["epsilon"]) == (beta, eps)
    (v,) = m.diagnose(out)
    assert (v.bridge, v.diagnostic, v.value, v.ok) == (
        "qssa", "epsilon (fast B: fast/slow time scale ratio, about the reduced model's "
        "relative error; >= 1: not fast at all)", eps, True)
    assert v.diagnostic == own.diagnostic  # worded as the reduction's own entry


def test_bridge_is_vectorized_over_samples():
    k_on = np.array([1e-5, 3e-5, 1e-4])
    out = BindingQSSAModel().evaluate(
        {"k_on": k_on, "k_off": np.ones(3), "k_entry": np.full(3, K_ENTRY),
         "clearance": np.full(3, CLEAR), "virions0": np.full(3, 3.0),
         "n_cells": np.full(3, 1600.0)}, batch=3)
    np.testing.assert_allclose(out["beta"], binding_rate(k_on, 1.0, K_ENTRY), rtol=1e-14)
    np.testing.assert_allclose(out["epsilon"], (k_on * 1600 + CLEAR) / (1 + K_ENTRY),
                               rtol=1e-12)


def test_diagnostic_fails_when_binding_is_not_fast_and_the_model_does_not_warn():
    m = BindingQSSAModel()
    slow = {"k_on": K_ON, "k_off": 1e-3, "k_entry": K_ENTRY, "clearance": CLEAR,
            "virions0": 3, "n_cells": 1600}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ValidityWarning)
        out = m.evaluate(slow)
    (v,) = m.diagnose(out)
    assert v.value > 0.1 and not v.ok
    slow_net = binding_network(3, 1600, K_ON, 1e-3, K_ENTRY, CLEAR)
    with warnings.catch_warnings():  # a direct call records by default
        warnings.simplefilter("error", ValidityWarning)
        beta, (w,), eps = effective_infection_rate(slow_net)
    assert not w.ok and w.value == eps == v.value and w.diagnostic == v.diagnostic
    with pytest.warns(ValidityWarning, match="model 'qssa': epsilon .*not fast at all"):
        assert effective_infection_rate(slow_net, validity="warn")[0] == beta
    with pytest.raises(ValidityError, match=r"is above its limit 0\.1"):
        effective_infection_rate(slow_net, validity="raise")
