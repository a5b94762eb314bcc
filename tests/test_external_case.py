"""Users' own cases: run by path or by entry point, shown with ``scaleweave show``."""

from __future__ import annotations

import json
import math
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from scaleweave.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = f"{ROOT / 'examples' / 'decay_case.py'}:DecayCase"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_example_case_runs_by_path_like_a_builtin(capsys, tmp_path):
    code, _, err = run(capsys, "run", EXAMPLE, "--quick", "--quiet", "--out", str(tmp_path))
    assert code == 0, err
    summary = json.loads((tmp_path / "decay" / "summary.json").read_text())
    ref = summary["references"][0]
    # exact mean of exp(-k t), k ~ U(0.5, 1.5)/h, t = 2 h
    assert ref["expected"] == pytest.approx((math.exp(-1.0) - math.exp(-3.0)) / 2.0)
    assert ref["passed"] and abs(ref["value"] - ref["expected"]) <= ref["tolerance"]
    assert 0 < ref["tolerance"] < 5e-3  # four Monte Carlo standard errors of 1024 samples
    assert (tmp_path / "decay" / "result.nc").is_file() and (tmp_path / "index.html").is_file()
    # validation and --samples reach the external case too
    code, _, err = run(capsys, "run", EXAMPLE, "--samples", "8", "--out", str(tmp_path))
    assert code == 2 and "'n_samples' (--samples) = 8 is out of range" in err
    code, _, err = run(capsys, "run", EXAMPLE, "--set", "time=-1 h", "--out", str(tmp_path))
    assert code == 2 and "'time'" in err


def test_example_reference_follows_the_inputs_and_is_skipped_when_it_does_not_apply(
        capsys, tmp_path):
    import math

    code, _, err = run(capsys, "run", EXAMPLE, "--quick", "--quiet", "--no-report", "--out",
                       str(tmp_path), "--set", "rate=uniform(1 1/h, 3 1/h) aleatory",
                       "--set", "time=30 min")
    assert code == 0, err
    ref = json.loads((tmp_path / "decay" / "summary.json").read_text())["references"][0]
    assert ref["expected"] == pytest.approx((math.exp(-0.5) - math.exp(-1.5)) / 1.0)
    code, _, err = run(capsys, "run", EXAMPLE, "--quick", "--quiet", "--no-report", "--out",
                       str(tmp_path), "--set", "rate=lognormal(1 1/h, 0.1) aleatory")
    assert code == 0, err
    summary = json.loads((tmp_path / "decay" / "summary.json").read_text())
    assert summary["references"] == []
    assert summary["skipped_references"] == [{
        "name": "mean surviving fraction",
        "reason": "the exact mean needs the rate uniform and aleatory"}]
    # a fixed rate: one nominal run of the study, against exp(-k t)
    code, _, err = run(capsys, "run", EXAMPLE, "--quiet", "--no-report", "--out",
                       str(tmp_path), "--set", "rate=2 1/h", "--set", "time=1 h")
    assert code == 0, err
    ref = json.loads((tmp_path / "decay" / "summary.json").read_text())["references"][0]
    assert ref["expected"] == pytest.approx(math.exp(-2.0), rel=1e-12)
    assert ref["value"] == pytest.approx(math.exp(-2.0), rel=1e-12)


def test_bad_case_targets_are_one_line_exit_2(capsys, tmp_path):
    for target, message in [
        (f"{ROOT / 'examples' / 'nope.py'}:X", "no file"),
        (f"{ROOT / 'examples' / 'decay_case.py'}:Nope", "has no class 'Nope'; its cases are "
                                                        "['DecayCase']"),
        ("scaleweave.core.model:Model", "is not a subclass of scaleweave.Case"),
        ("no_such_module_xyz:Case", "cannot import module 'no_such_module_xyz'"),
    ]:
        code, _, err = run(capsys, "run", target, "--out", str(tmp_path))
        assert code == 2 and message in err, (target, err)
        assert len(err.strip().splitlines()) == 1


def test_entry_point_cases_are_listed_and_run(capsys, tmp_path, monkeypatch):
    import scaleweave.cases as cases

    ep = EntryPoint("decay", "scaleweave_test_decay:DecayCase", cases.ENTRY_POINT_GROUP)
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "scaleweave_test_decay.py").write_text(
        (ROOT / "examples" / "decay_case.py").read_text())
    monkeypatch.setattr(cases, "entry_points", lambda group: [ep] if group == ep.group else [])
    cases._registered.cache_clear()
    try:
        code, out, _ = run(capsys, "list")
        assert code == 0 and "decay" in out and "rate constant varies" in out
        code, _, err = run(capsys, "run", "decay", "--quick", "--quiet", "--no-report",
                           "--out", str(tmp_path / "r"))
        assert code == 0, err
        assert (tmp_path / "r" / "decay" / "summary.json").is_file()
    finally:
        cases._registered.cache_clear()


@pytest.mark.parametrize("name", ["multirate", "uq-demo", "battery", "infection", "am-warpage",
                                  "partial-pooling", "ecology-scaling", "pyrodiversity",
                                  "qssa", "composite"])
def test_show_prints_every_parameter(capsys, name):
    from scaleweave.cases import load_case

    code, out, _ = run(capsys, "show", name)
    assert code == 0
    assert out.startswith(f"{name}: ")
    for p in load_case(name).parameters:
        assert f"\n  {p.name}" in out


def test_show_of_an_external_case_and_its_bindings(capsys):
    code, out, _ = run(capsys, "show", EXAMPLE)
    assert code == 0 and "decay: Radioactive decay" in out
    row = next(line for line in out.splitlines() if line.startswith("  rate "))
    assert "uniform(0.5 1/h, 1.5 1/h) aleatory" in row and "1/h" in row
    assert "--samples sets: n_samples" in out
    # the study graph, with units, and the references with their sources
    assert "nucleus (core.function)" in out and "nucleus.survival -> sample.survival" in out
    assert "parameter rate -> nucleus.rate" in out
    assert "mean surviving fraction: surviving_fraction vs 0.159046" in out
    assert "4 Monte Carlo standard errors" in out


def test_redraw_draws_the_figures_again_from_result_nc(capsys, tmp_path):
    code, _, err = run(capsys, "run", EXAMPLE, "--quick", "--quiet", "--out", str(tmp_path))
    assert code == 0, err
    folder = tmp_path / "decay"
    for png in folder.glob("*.png"):
        png.unlink()
    before = json.loads((folder / "summary.json").read_text())
    code, _, err = run(capsys, "report", str(tmp_path), "--redraw")
    assert code == 0, err
    after = json.loads((folder / "summary.json").read_text())
    assert after["figures"] == before["figures"] == ["survival.png", "study-graph.png"]
    assert all((folder / f).stat().st_size > 5_000 for f in after["figures"])
    assert after["outputs"] == before["outputs"] and (tmp_path / "index.html").is_file()
    assert not list(tmp_path.glob(".*partial"))
