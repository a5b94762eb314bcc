"""The runner: every input checked (for every case of the gallery) before anything runs
or is written; the results folder created only then."""

import numpy as np
import pytest

import scaleweave.preflight as preflight
from scaleweave.cases.base import Case
from scaleweave.core.model import model_from_function
from scaleweave.core.parameters import Parameter
from scaleweave.core.study import Study
from scaleweave.errors import ConfigError, ModelError
from scaleweave.runner import (
    MAX_SEED,
    check_config_tables,
    check_seed,
    check_writable,
    prepare_case,
    run_case,
)


def test_check_writable_creates_nothing(tmp_path):
    # Regression: it created the folder, so a rejected run left an empty --out behind.
    target = tmp_path / "a" / "b"
    assert check_writable(target) == target
    assert not (tmp_path / "a").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        check_writable(tmp_path / "file" / "sub")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        check_writable(tmp_path / "file")


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 2**64, 1.5, True])
def test_seed_range_is_checked_up_front(seed):
    # Regression: 2**64 failed only after the whole run, writing the attributes (exit 1).
    with pytest.raises(ConfigError, match=r"--seed must be a whole number in \[0, 4294967295\]"):
        check_seed(seed)
    with pytest.raises(ConfigError, match="--seed must be"):
        prepare_case("multirate", seed=seed)


def test_config_tables_must_name_cases():
    check_config_tables({"multirate": {"substeps": 4}, "n_masses": 4}, ["multirate"], "c.toml")
    with pytest.raises(ConfigError, match=r"c.toml: table \[multirat\] names no case; did you "
                                          r"mean \[multirate\]\?"):
        check_config_tables({"multirat": {"substeps": 4}}, ["multirate", "qssa"], "c.toml")
    with pytest.raises(ConfigError, match=r"c.toml: 'n_masses' is not inside a \[CASE\] table; "
                                          r".* put it in \[multirate\]"):
        check_config_tables({"n_masses": 4}, ["multirate", "qssa"], "c.toml",
                            gallery={"multirate": ["n_masses"], "qssa": ["k1"]})


class Tiny(Case):
    """An ensemble of one cheap vectorized model (x ~ normal, y = 2 x)."""

    name = "tiny"
    title = "tiny"
    parameters = (
        Parameter("x", "normal(1 m, 0.1 m) aleatory", "m", uncertain=True, binds=("d.x",)),
        Parameter("n_samples", 64, "", low=8, integer=True),
    )
    samples_parameter = "n_samples"

    def study(self, params, ctx):
        return Study([model_from_function(lambda x: {"y": 2 * x}, inputs={"x": "m"},
                                          outputs={"y": "m"}, name="d", vectorized=True)])

    def analyse(self, runs, ctx):
        from scaleweave.cases.base import Analysis

        y = runs["study"].propagation.dataset["d.y"]
        return Analysis(outputs={}, dataset=y.to_dataset())


def test_plan_sizes_speak_the_users_units(monkeypatch):
    import scaleweave.cases as cases_module

    monkeypatch.setattr(cases_module, "load_case", lambda name: Tiny)
    with pytest.raises(ConfigError, match=r"case 'tiny': study 'study': n_samples \(--samples\) "
                                          r"= 100: .* use 128"):
        prepare_case("tiny", samples=100)
    assert prepare_case("tiny", samples=128).ensembles == ["study"]


def test_memory_bound_refuses_up_front(monkeypatch, tmp_path):
    # Regression: --samples 1000000000 died in a MemoryError.
    import scaleweave.cases as cases_module

    monkeypatch.setattr(cases_module, "load_case", lambda name: Tiny)
    monkeypatch.setattr(preflight, "memory_limit", lambda: 1e6)  # bytes
    with pytest.raises(ConfigError, match=r"n_samples \(--samples\) = 1048576 would hold about "
                                          r".* GiB of samples \(3 numbers each, 3 copies\), "
                                          r"more than half of this machine's .*; use at most "
                                          r"8192"):
        run_case("tiny", samples=2**20, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_workers_on_a_case_without_an_ensemble_warn(tmp_path):
    with pytest.warns(UserWarning, match="case 'multirate' runs no ensemble with these inputs, "
                                         "so --workers has no effect"):
        run_case("multirate", quick=True, workers=2, out=tmp_path, quiet=True)


class Failing(Tiny):
    name = "failing"

    def study(self, params, ctx):
        return Study([model_from_function(lambda x: {"y": x * np.nan}, inputs={"x": "m"},
                                          outputs={"y": "m"}, name="d")])

    def analyse(self, runs, ctx):  # pragma: no cover - the run fails before
        raise AssertionError


def test_a_failed_run_leaves_no_folder_it_created(monkeypatch, tmp_path):
    import scaleweave.cases as cases_module

    monkeypatch.setattr(cases_module, "load_case", lambda name: Failing)
    monkeypatch.setattr(Failing, "parameters", (Parameter("x", 1.0, "m", binds=("d.x",)),))
    with pytest.raises(ModelError):
        run_case("failing", out=tmp_path / "new" / "sub")
    assert list(tmp_path.iterdir()) == []
