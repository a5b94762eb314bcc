"""The content-hash cache of model runs: keys, hits and misses, atomic writes."""

import pickle
from pathlib import Path

import numpy as np
import pytest

from scaleweave.core.units import ureg
from scaleweave.errors import ConfigError
from scaleweave.execution import ModelCache, cached_call, content_hash

INPUTS = {"barrier": 0.3, "temperature": 300, "field": np.linspace(0.0, 1.0, 5),
          "label": "bulk"}
PARAMS = {"prefactor": 1e13, "nested": {"a": [1, 2.0], "b": None}}


def _key(inputs=INPUTS, params=PARAMS, identity="hop", version="1"):
    return ModelCache.key(identity, inputs, params, version)


def test_key_is_stable_and_order_independent():
    reordered = dict(reversed(list(INPUTS.items())))
    params = {"nested": {"b": None, "a": [1, 2.0]}, "prefactor": 1e13}
    assert _key() == _key(reordered, params)
    assert len(_key()) == 64


def test_key_changes_with_one_bit_of_an_input():
    field = INPUTS["field"].copy()
    field.view(np.uint64)[2] ^= 1  # flip the lowest mantissa bit of one element
    assert field[2] != INPUTS["field"][2]
    assert _key({**INPUTS, "field": field}) != _key()
    barrier = np.float64(0.3).view(np.uint64) ^ np.uint64(1)
    assert _key({**INPUTS, "barrier": float(barrier.view(np.float64))}) != _key()


@pytest.mark.parametrize("change", [
    lambda: _key(identity="hop2"),
    lambda: _key(version="2"),
    lambda: _key({**INPUTS, "temperature": 300.0}),  # int vs float
    lambda: _key({**INPUTS, "field": INPUTS["field"].astype(np.float32)}),  # dtype
    lambda: _key({**INPUTS, "field": INPUTS["field"].reshape(5, 1)}),  # shape
    lambda: _key({**INPUTS, "label": "surface"}),
    lambda: _key(PARAMS, INPUTS),  # inputs and parameters swapped
    lambda: _key({**INPUTS, "extra": 0}),
])
def test_key_sensitivity(change):
    assert change() != _key()


def test_arrays_hash_by_content_not_layout():
    a = np.arange(12.0).reshape(3, 4)
    assert content_hash(a) == content_hash(np.asfortranarray(a))
    assert content_hash(a[:, ::2]) == content_hash(np.ascontiguousarray(a[:, ::2]))
    assert content_hash(a.astype(">f8")) == content_hash(a)  # byte order is not content


def test_quantities_hash_with_their_units():
    assert content_hash(ureg.Quantity(1.0, "eV")) == content_hash(ureg.Quantity(1.0, "eV"))
    assert content_hash(ureg.Quantity(1.0, "eV")) != content_hash(ureg.Quantity(1.0, "J"))


def test_unhashable_values_are_named():
    with pytest.raises(ConfigError, match=r"inputs\['f'\]"):
        _key({"f": object()})
    with pytest.raises(ConfigError, match="Python objects"):
        _key({"f": np.array([object()])})


def test_get_put_hit_and_miss(tmp_path):
    cache = ModelCache(tmp_path / "cache")
    key = _key()
    assert cache.get(key) is None and cache.misses == 1
    outputs = {"rate": 9.1e7, "profile": np.arange(4.0)}
    path = cache.put(key, outputs)
    assert path.parent.parent == tmp_path / "cache" and key in cache
    got = cache.get(key)
    assert cache.hits == 1
    assert got["rate"] == outputs["rate"] and np.array_equal(got["profile"], outputs["profile"])
    got["profile"][0] = 99.0  # a copy: the stored entry is unchanged
    assert cache.get(key)["profile"][0] == 0.0


def test_cached_call_runs_once(tmp_path):
    cache = ModelCache(tmp_path)
    calls = []

    def model(x, scale):
        calls.append(x)
        return {"y": x * scale}

    for _ in range(3):
        assert cached_call(cache, "model", model, {"x": 2.0}, {"scale": 3.0}, "v1") == {"y": 6.0}
    assert calls == [2.0]
    cached_call(cache, "model", model, {"x": 2.0}, {"scale": 3.0}, "v2")  # new code version
    assert calls == [2.0, 2.0]
    assert cached_call(None, "model", model, {"x": 1.0}, {"scale": 1.0}, "v1") == {"y": 1.0}
    with pytest.raises(ConfigError, match="both as input and parameter"):
        cached_call(cache, "model", model, {"x": 1.0}, {"x": 1.0}, "v1")


def test_put_is_atomic(tmp_path, monkeypatch):
    """A writer that dies half-way leaves the old entry (or none), never a torn file."""
    cache = ModelCache(tmp_path)
    key = _key()
    cache.put(key, {"y": 1.0})

    def torn_dump(obj, fh, protocol=None):
        fh.write(b"\x80\x05partial")
        raise KeyboardInterrupt  # killed mid-write

    monkeypatch.setattr(pickle, "dump", torn_dump)
    with pytest.raises(KeyboardInterrupt):
        cache.put(key, {"y": 2.0})
    monkeypatch.undo()
    assert cache.get(key) == {"y": 1.0}
    assert [p.name for p in Path(cache.path(key)).parent.iterdir()] == [f"{key}.pkl"]


def test_damaged_entry_is_a_miss(tmp_path):
    cache = ModelCache(tmp_path)
    key = _key()
    path = cache.path(key)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    assert cache.get(key) is None
    cache.put(key, {"y": 1.0})
    assert cache.get(key) == {"y": 1.0}


def test_bad_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not a cache key"):
        ModelCache(tmp_path).get("../../etc/passwd")
