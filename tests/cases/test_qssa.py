"""The ``qssa`` case: references follow the constants; distributions skip them with a reason."""

import json

import pytest

from scaleweave.cases import load_case
from scaleweave.core.parameters import resolve_parameters
from scaleweave.runner import run_case


def _run(tmp_path, *sets):
    folder = run_case("qssa", out=tmp_path, overrides=list(sets), quick=True, quiet=True)
    return json.loads((folder / "summary.json").read_text())


def test_default_run_matches_the_michaelis_menten_closed_forms(tmp_path):
    s = _run(tmp_path)
    refs = {r["name"].split(" vs")[0]: r for r in s["references"]}
    assert all(r["passed"] for r in s["references"])
    assert refs["epsilon"]["expected"] == pytest.approx(0.1 / 12, rel=1e-12)
    assert refs["reduced rate at t = 0"]["expected"] == pytest.approx(1e-4 * 10 / 12)
    assert refs["reduced S(t = 150 s)"]["tolerance"] == pytest.approx(1e-9)  # 1e-7 S0
    assert all(v["ok"] for v in s["validity"])
    assert {"time_course.png", "study-graph.png"} == set(s["figures"])


def test_other_constants_and_an_invalid_reduction(tmp_path):
    s = _run(tmp_path, "e0=20 umol/L", "k_minus1=0.2 1/s", "k2=3 1/s", "t_end=60 s")
    refs = {r["name"].split(" vs")[0]: r for r in s["references"]}
    km = (0.2 + 3.0) / 1.0
    assert refs["epsilon"]["expected"] == pytest.approx(20 / (10 + km))
    assert all(r["passed"] for r in s["references"])
    (eps,) = [v for v in s["validity"] if v["diagnostic"].startswith("epsilon")]
    assert not eps["ok"] and eps["value"] == pytest.approx(20 / (10 + km))


def test_distributions_skip_the_closed_forms_with_the_reason(tmp_path):
    s = _run(tmp_path, "k1=uniform(0.5 L/(umol*s), 1.5 L/(umol*s)) aleatory", "n_samples=32")
    assert s["references"] == []
    assert s["skipped_references"][0]["reason"].startswith("distributions given for k1")
    assert 0.1 / (10 + 4) < s["outputs"]["epsilon"]["value"] < 0.1 / (10 + 4 / 3)


def test_references_need_no_run():
    case = load_case("qssa")
    refs = case().references(resolve_parameters(case.parameters, overrides=["s0=2 umol/L"]))
    assert refs[0].expected == pytest.approx(0.1 / (2 + 2))
