"""The CLI contract: commands, files written, exit codes and one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import scaleweave.cases as cases_module
from scaleweave.cases.base import Case
from scaleweave.cli import main
from scaleweave.core.model import model_from_function
from scaleweave.core.parameters import Parameter
from scaleweave.core.study import Study


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    names = [line.split()[0] for line in out.strip().splitlines()]
    assert names == sorted(cases_module.CASES)
    assert len(out.strip().splitlines()) == len(cases_module.CASES)


def test_run_writes_the_three_kinds_of_files_and_report(capsys, tmp_path):
    code, _out, _ = run(capsys, "run", "multirate", "--quick", "--out", str(tmp_path), "--quiet")
    assert code == 0
    folder = tmp_path / "multirate"
    assert {p.suffix for p in folder.iterdir()} >= {".nc", ".json", ".png"}
    summary = json.loads((folder / "summary.json").read_text())
    for key in ("case", "title", "version", "commit", "seed", "runtime_s", "parameters",
                "outputs", "references", "validity"):
        assert key in summary
    for ref in summary["references"]:
        assert set(ref) >= {"name", "value", "expected", "tolerance", "passed", "source"}
    for v in summary["validity"]:
        assert set(v) >= {"bridge", "diagnostic", "value", "limit", "ok"}
    for o in summary["outputs"].values():
        assert set(o) >= {"value", "unit", "lo", "hi"}
    html = (tmp_path / "index.html").read_text()
    assert 'id="multirate"' in html
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers


def test_set_and_config(capsys, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[parameters]\nn_masses = 40\nt_end = "20 s"\n')
    code, _, err = run(capsys, "run", "multirate", "--config", str(cfg), "--set",
                       "macro_dt=400 ms", "--out", str(tmp_path / "r"), "--quiet", "--no-report")
    assert code == 0, err
    params = json.loads((tmp_path / "r/multirate/summary.json").read_text())["parameters"]
    assert params["n_masses"]["value"] == 40
    assert params["t_end"] == {"value": 20.0, "unit": "s"}
    assert params["macro_dt"]["value"] == pytest.approx(0.4)


@pytest.mark.parametrize("argv,message", [
    (["run", "nope"], "unknown case 'nope'; known cases: "),
    (["run", "multirat"], "did you mean 'multirate'"),
    (["run", "multirate", "--set", "macro_td=1"], "unknown parameter 'macro_td' (--set); did "
                                                   "you mean 'macro_dt'?"),
    (["run", "multirate", "--set", "macro_dt=3 kg"],
     "parameter 'macro_dt' (--set) = 3 kg has unit kg ([mass]) but expects s ([time])"),
    (["run", "multirate", "--set", "macro_dt=-0.5"], "out of range: must be > 0 s"),
    (["run", "multirate", "--set", "stiff_fraction=1.2"], "out of range: must be in [0, 1]"),
    (["run", "multirate", "--set", "mass=0"], "'mass' (--set) = 0 kg is out of range"),
    (["run", "multirate", "--set", "substeps=2"], "exceeds its explicit stability limit"),
    (["run", "multirate", "--samples", "0"], "--samples must be a positive integer"),
    # --samples is a value of the case's ensemble-size parameter, checked like one
    # (regression: it was written in after the checks and failed deep in propagation).
    (["run", "uq-demo", "--samples", "3"],
     "parameter 'n_samples' (--samples) = 3 is out of range: must be >= 16"),
    (["run", "infection", "--samples", "1"],
     "parameter 'replicas' (--samples) = 1 is out of range: must be in [2, 100000]"),
    (["run", "multirate", "--samples", "8"], "case 'multirate' has no ensemble size"),
    # Regressions: a sequence was read as a product of its entries (10, 4.5 s).
    (["run", "multirate", "--set", "substeps=(1,0)"],
     "parameter 'substeps' (--set) = '(1,0)' is a list of values, but it takes a single value"),
    (["run", "multirate", "--set", "macro_dt=[9, 0.5]"], "is a list of values"),
    # Regressions: exit 1 (an OverflowError; a seed netCDF cannot store, after the run).
    (["run", "multirate", "--set", "n_masses=10**400"], "too large for a float"),
    (["run", "multirate", "--seed", "18446744073709551616"],
     "--seed must be a whole number in [0, 4294967295]"),
    # Regression: "got 500; use 512", the size of one of the 8 scramblings.
    (["run", "uq-demo", "--samples", "4000"],
     "case 'uq-demo': study 'ishigami': n_samples (--samples) = 4000: scrambled Sobol' points "
     "come in powers of two, in 8 independent scramblings; use 4096"),
    # Regressions: the messages blamed the standard deviation, and "lo < hi".
    (["run", "uq-demo", "--set", "x2=normal(nan, 1)"], "the mean must be a finite number"),
    (["run", "uq-demo", "--set", "mu=interval(0, inf)"], "the bounds must be finite numbers"),
])
def test_bad_input_is_one_line_exit_2(capsys, tmp_path, argv, message):
    code, _out, err = run(capsys, *argv, "--out", str(tmp_path / "out"), "--quiet")
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # regression: an empty --out folder was left


def test_samples_beyond_memory_refused_up_front(capsys, tmp_path, monkeypatch):
    # Regression: --samples 1000000000 died in a MemoryError. The bound is half this
    # machine's memory; fixed at 8 GiB here, so the test is the same everywhere.
    import scaleweave.preflight as preflight

    monkeypatch.setattr(preflight, "memory_limit", lambda: 4 * 2.0**30)
    code, _, err = run(capsys, "run", "uq-demo", "--samples", "1000000000", "--out",
                       str(tmp_path / "out"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert ("n_samples (--samples) = 1000000000 would hold about 246 GiB of samples (11 "
            "numbers each, 3 copies), more than half of this machine's 8 GiB of memory; use "
            "at most 8388608") in err
    assert not (tmp_path / "out").exists()


def test_toml_list_for_a_scalar_exit_2(capsys, tmp_path):
    # Regression: macro_dt = [1, 2] ran with 2 s.
    cfg = tmp_path / "c.toml"
    cfg.write_text("macro_dt = [1, 2]\n")
    code, _, err = run(capsys, "run", "multirate", "--config", str(cfg), "--out",
                       str(tmp_path / "out"))
    assert code == 2 and "= [1, 2] is a list of 2 values, but it takes a single value" in err
    assert not (tmp_path / "out").exists()


def test_debug_changes_what_is_printed_not_the_exit_code(capsys, tmp_path):
    # Regression: bad input with --debug raised (exit 1).
    code, _, err = run(capsys, "run", "multirate", "--set", "substeps=0", "--debug",
                       "--out", str(tmp_path / "out"))
    assert code == 2 and "Traceback" in err
    assert err.strip().splitlines()[-1].startswith("scaleweave: error: parameter 'substeps'")


def test_argparse_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "multirate", "--seed", "abc"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and len(err.strip().splitlines()) == 1
    assert "argument --seed: invalid int value: 'abc'" in err


def test_workers_without_an_ensemble_say_so(capsys, tmp_path):
    # Regression: --workers on a case without an ensemble was silently ignored.
    code, _, err = run(capsys, "run", "multirate", "--quick", "--workers", "2", "--out",
                       str(tmp_path), "--quiet", "--no-report")
    assert code == 0
    assert err.strip() == ("scaleweave: warning: case 'multirate' runs no ensemble with these "
                           "inputs, so --workers has no effect")


def test_malformed_toml_names_file_and_line(capsys, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("n_masses = 40\nt_end = = 2\n")
    code, _, err = run(capsys, "run", "multirate", "--config", str(cfg), "--out", str(tmp_path))
    assert code == 2 and "bad.toml" in err and "line 2" in err


def test_unknown_toml_key(capsys, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("n_mases = 40\n")
    code, _, err = run(capsys, "run", "multirate", "--config", str(cfg), "--out", str(tmp_path))
    assert code == 2 and "unknown parameter 'n_mases'" in err and "'n_masses'" in err


def test_unwritable_out(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, "run", "multirate", "--out", str(blocker / "sub"))
    assert code == 2 and "cannot write results to" in err


class NaNCase(Case):
    name = "nan-case"
    title = "A model that returns NaN"
    parameters = (Parameter("x", 1.0, "m", binds=("leaky.x",)),)

    def study(self, params, ctx):
        src = model_from_function(lambda x: {"y": np.array([x, np.nan])}, inputs={"x": "m"},
                                  outputs={"y": "m"}, name="leaky")
        return Study([src])

    def analyse(self, runs, ctx):
        raise AssertionError("unreachable")


class InterruptedCase(NaNCase):
    name = "interrupted"

    def study(self, params, ctx):
        raise KeyboardInterrupt


@pytest.fixture
def fake_cases(monkeypatch):
    registry = {"nan-case": NaNCase, "interrupted": InterruptedCase}
    original = cases_module.load_case
    monkeypatch.setitem(cases_module.CASES, "nan-case", "x:y")
    monkeypatch.setitem(cases_module.CASES, "interrupted", "x:y")
    monkeypatch.setattr(cases_module, "load_case",
                        lambda name: registry[name] if name in registry else original(name))


def test_nan_from_a_model_exit_1_and_no_files(capsys, tmp_path, fake_cases):
    code, _, err = run(capsys, "run", "nan-case", "--out", str(tmp_path), "--quiet")
    assert code == 1
    assert "model 'leaky' output 'y' [m] is not finite: nan" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_nan_with_debug_shows_traceback(capsys, tmp_path, fake_cases):
    code, _, err = run(capsys, "run", "nan-case", "--out", str(tmp_path), "--debug")
    assert code == 1 and "Traceback" in err and "NonFiniteError" in err
    assert "--debug for the traceback" not in err


def test_ctrl_c_exit_130_keeps_nothing(capsys, tmp_path, fake_cases):
    code, _, err = run(capsys, "run", "interrupted", "--out", str(tmp_path), "--quiet")
    assert code == 130 and "interrupted" in err
    assert list(tmp_path.iterdir()) == []


def test_failed_run_keeps_previous_good_result(capsys, tmp_path, fake_cases, monkeypatch):
    assert run(capsys, "run", "multirate", "--quick", "--out", str(tmp_path), "--quiet")[0] == 0
    before = (tmp_path / "multirate/summary.json").read_text()
    import xarray

    def crash(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(xarray.Dataset, "to_netcdf", crash)
    code, _, _ = run(capsys, "run", "multirate", "--quick", "--out", str(tmp_path), "--quiet")
    assert code == 130
    assert (tmp_path / "multirate/summary.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_report_command(capsys, tmp_path):
    code, _, err = run(capsys, "report", str(tmp_path / "missing"))
    assert code == 2 and "no results folder" in err


def test_help_mentions_examples(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--help"])
    assert exc.value.code == 0
    assert "--set macro_dt" in capsys.readouterr().out


def test_console_script_starts_without_heavy_imports():
    code = ("import sys, scaleweave.cli as c; c.main(['list']); "
            "heavy = {'numpy', 'scipy', 'xarray', 'pint', 'matplotlib', 'numba'} & "
            "set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]
                                                                          / "src")})
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_list_reads_the_summary_each_case_declares():
    # `list` parses the declarations (no import); the line is the class's own summary.
    for name, (_, line) in cases_module.available_cases().items():
        assert line == cases_module.load_case(name).summary and line


def test_status_line_counts_validity_failures_but_not_counter_examples(tmp_path):
    from scaleweave.cli import _status_line

    summary = {"case": "c", "runtime_s": 1.0, "references": [{"passed": True}],
               "validity": [{"ok": False}, {"ok": False, "counterexample": True},
                            {"ok": True}]}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    line = _status_line(tmp_path)
    assert "ok - 1/1 reference checks passed" in line
    assert "1 validity diagnostics outside limits" in line
    assert "1 deliberate counter-examples" in line


class GoodCase(Case):
    name = "good"
    title = "runs, and says so"
    parameters = (Parameter("x", 1.0, "m", binds=("d.x",)),)
    ran: ClassVar[list] = []

    def study(self, params, ctx):
        return Study([model_from_function(lambda x: {"y": 2 * x}, inputs={"x": "m"},
                                          outputs={"y": "m"}, name="d")])

    def analyse(self, runs, ctx):
        import xarray as xr

        from scaleweave.cases.base import Analysis

        GoodCase.ran.append(self.name)
        return Analysis(outputs={}, dataset=xr.Dataset())


class SizedCase(GoodCase):
    name = "sized"
    parameters = (Parameter("x", 1.0, "m", binds=("d.x",)),
                  Parameter("substeps", 4, "", low=1, integer=True),
                  Parameter("n_samples", 16, "", low=8, integer=True))
    samples_parameter = "n_samples"


@pytest.fixture
def gallery(monkeypatch):
    """``run all`` over two fake cases: ``good`` first, then ``sized``."""
    registry = {"good": GoodCase, "sized": SizedCase}
    monkeypatch.setattr(cases_module, "CASES", {"good": "x:y", "sized": "x:z"})
    monkeypatch.setattr(cases_module, "load_case", lambda name: registry[name])
    GoodCase.ran = []
    return GoodCase.ran


def test_run_all_checks_every_case_before_the_first_runs(capsys, tmp_path, gallery):
    # Regression: a case's settings were checked only when the gallery reached it, so
    # the cases before it ran (for minutes) and wrote results first.
    code, _, err = run(capsys, "run", "all", "--set", "substeps=0", "--out",
                       str(tmp_path / "out"), "--quiet", "--no-report")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "case 'sized': parameter 'substeps' (--set) = 0 is out of range" in err
    assert gallery == [] and not (tmp_path / "out").exists()


def test_run_all_config_table_of_no_case(capsys, tmp_path, gallery):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[sizd]\nsubsteps = 3\n")
    code, _, err = run(capsys, "run", "all", "--config", str(cfg), "--out",
                       str(tmp_path / "out"), "--quiet", "--no-report")
    assert code == 2 and "table [sizd] names no case; did you mean [sized]?" in err
    assert gallery == [] and not (tmp_path / "out").exists()


def test_run_all_says_which_cases_ignore_samples(capsys, tmp_path, gallery):
    code, _, err = run(capsys, "run", "all", "--samples", "8", "--out", str(tmp_path),
                       "--quiet", "--no-report")
    assert code == 0 and gallery == ["good", "sized"]
    assert err.strip() == ("scaleweave: warning: --samples 8 sizes only the cases with an "
                           "ensemble; ignored by good")
