"""The report as a scientist reads it: units, captions, expected failures, skipped cases,
study graphs; and what a run records for it (reference units, figure captions)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure

from scaleweave.core.checks import Reference, Validity
from scaleweave.core.results import Output, figure_caption
from scaleweave.report import build_report
from scaleweave.report.format import _unit_html, format_unit_text
from scaleweave.report.graph import format_length, study_graph_figure
from scaleweave.report.skipped import SKIPPED_FILE, write_skipped

# The small DOM and the summary builders of the HTML tests (tests are not a package).
_spec = importlib.util.spec_from_file_location("_report_test_html",
                                               Path(__file__).with_name("test_html.py"))
assert _spec is not None and _spec.loader is not None
_html_tests = sys.modules.setdefault(_spec.name, importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(_html_tests)
_summary, _write_case = _html_tests._summary, _html_tests._write_case
parse, row_by_first_cell, table_rows = (_html_tests.parse, _html_tests.row_by_first_cell,
                                        _html_tests.table_rows)


def _png_of(path: Path, width_in: float, dpi: int = 100) -> None:
    fig = Figure(figsize=(width_in, 2.0), dpi=dpi)
    fig.add_subplot().plot([0, 1], [1, 0])
    fig.savefig(path)


def _case(root: Path, folder: str, **extra: Any) -> Path:
    return _write_case(root, folder, _summary(folder, f"Case {folder}", **extra))


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize(("unit", "text"), [
    ("A*h", "A·h"), ("m^2/s", "m²/s"), ("m**2/s", "m²/s"), ("1/um^2", "1/µm²"),
    ("W/(m*K)", "W/(m·K)"), ("mol/m^3/s", "mol/(m³·s)"), ("kg m^-3", "kg/m³"),
    ("eV/angstrom", "eV/Å"), ("1/year", "1/year"), ("points", "points"), ("", ""),
    ("dimensionless", ""), ("cells per well", "cells per well"), ("a.u.", "a.u."),
])
def test_units_are_typeset_and_names_kept(unit: str, text: str) -> None:
    assert format_unit_text(unit) == text


def test_unit_html_escapes_what_it_cannot_read() -> None:
    assert _unit_html("<b>") == "&lt;b&gt;"
    assert _unit_html("Hz^0.5") == "Hz<sup>0.5</sup>"


def test_outputs_parameters_and_references_show_typeset_units(tmp_path: Path) -> None:
    root = tmp_path / "r"
    _case(root, "cell", parameters={"capacity": {"value": 2.0, "unit": "A*h"},
                                    "d": {"value": 1e-14, "unit": "m^2/s"}},
          outputs={"capacity_1C": {"value": 1.94, "unit": "A*h", "lo": None, "hi": None},
                   "ratio": {"value": 0.69, "unit": "", "lo": None, "hi": None}},
          references=[
              {"name": "capacity", "value": 1.94, "expected": 2.0, "tolerance": 0.1,
               "passed": True, "source": "datasheet", "comparison": "abs", "unit": "A*h"},
              {"name": "slack", "value": 1.94, "expected": 2.0, "tolerance": 0.5,
               "passed": True, "source": "s", "comparison": "le", "unit": "A*h"},
              {"name": "ratio", "value": 0.69, "expected": 0.7, "tolerance": 1e-6,
               "passed": True, "source": "s", "comparison": "rel", "unit": ""}])
    doc = parse(build_report(root))
    section = doc.find_id("cell")
    assert row_by_first_cell(table_rows(section, "outputs"), "capacity_1C")[1] == "1.94 A·h"
    params = table_rows(section, "parameters")
    assert row_by_first_cell(params, "d")[2] == "m²/s"
    refs = table_rows(section, "references")
    cap = row_by_first_cell(refs, "capacity")
    assert cap[1:5] == ["1.94 A·h", "2 A·h", "±0.1 A·h abs", "−0.06 A·h"]
    assert row_by_first_cell(refs, "slack")[3] == "≤ expected + 0.5 A·h"
    ratio = row_by_first_cell(refs, "ratio")
    assert ratio[1:4] == ["0.69", "0.7", "±1 × 10−4 % rel"]  # not "1e-4 %"
    assert "A*h" not in section.text() and "m^2" not in section.text()


def test_reference_check_carries_the_unit_of_its_output() -> None:
    check = Reference("t_crit", "dt_crit", 0.1, 0.01, "2/omega").check(
        {"dt_crit": Output(0.1001, "s")})
    assert check.unit == "s" and check.as_dict()["unit"] == "s"
    bare = Reference("ratio", "r", 1.0, 0.1, "exact").check({"r": 1.0})  # a plain number
    assert bare.as_dict()["unit"] == ""


# --------------------------------------------------------------------------- figures


def test_figures_are_numbered_captioned_from_the_summary_and_readable(tmp_path: Path) -> None:
    root = tmp_path / "r"
    d = _case(root, "figs", figures=["head.png", "narrow.png", "wide.png", "study-graph.png"],
              figure_captions={"head.png": "The headline: <all> of it",
                               "narrow.png": "A narrow one"})
    _png_of(d / "head.png", 6)
    _png_of(d / "narrow.png", 6)      # 600 px: half a row
    _png_of(d / "wide.png", 12)       # 1200 px: a whole row
    _png_of(d / "study-graph.png", 5)
    doc = parse(build_report(root))
    figures = list(doc.find_id("figs").iter("figure"))
    captions = [next(f.iter("figcaption")).text() for f in figures]
    assert captions == ["Figure 1. The headline: <all> of it head.png",
                        "Figure 2. A narrow one narrow.png",
                        "Figure 3. Wide wide.png",               # no caption recorded
                        "Figure 4. Study graph study-graph.png"]
    classes = [f.classes() for f in figures]
    assert "headline" in classes[0]
    assert classes[1] == {"secondary"} and classes[2] == {"secondary", "wide"}
    assert all("thumb" not in c for c in classes)
    grid = figures[1].parent
    assert "figures" in grid.classes() and figures[3].parent is grid
    assert next(figures[1].iter("img")).attrs["alt"] == "Case figs: A narrow one"


def test_figure_caption_comes_from_the_figure_itself() -> None:
    fig = Figure()
    a, b = fig.subplots(1, 2)
    a.set_title("left")
    b.set_title("right\npanel")
    assert figure_caption(fig) == "left; right panel"
    fig.suptitle("Both")
    assert figure_caption(fig) == "Both"
    fig.caption = "Set by the case"
    assert figure_caption(fig) == "Set by the case"
    assert figure_caption(Figure()) == ""


def test_a_run_records_captions_and_reference_units(tmp_path: Path) -> None:
    from scaleweave.cli import main

    assert main(["run", "multirate", "--quick", "--out", str(tmp_path), "--quiet"]) == 0
    folder = tmp_path / "multirate"
    summary = json.loads((folder / "summary.json").read_text())
    captions = summary["figure_captions"]
    assert set(captions) == set(summary["figures"])
    assert captions["stability.png"].startswith("Single-rate Verlet around dt_crit")
    assert captions["study-graph.png"].startswith("Study graph 'chain'")
    assert all("unit" in r for r in summary["references"])
    assert {r["unit"] for r in summary["references"]} >= {"s", ""}
    from PIL import Image

    with Image.open(folder / "stability.png") as im:
        assert im.info.get("Title") == captions["stability.png"]
    doc = parse(tmp_path / "index.html")
    text = doc.find_id("multirate").text()
    assert "Figure 2." in text and captions["convergence.png"] in text


# --------------------------------------------------------------------------- counter-examples


def _counterexample_case(root: Path) -> None:
    centred = Validity("eight schools, centred (a counter-example)", "divergent transitions",
                       215, 0, counterexample=True).as_dict()
    fine = Validity("eight schools", "divergent transitions", 0, 0).as_dict()
    shown_ok = Validity("centred, lucky", "max R-hat", 1.0, 1.01, counterexample=True).as_dict()
    _case(root, "pooling", references=[
        {"name": "mu", "value": 4.4, "expected": 4.4, "tolerance": 0.1, "passed": True,
         "source": "quadrature", "comparison": "abs", "unit": ""}],
        validity=[fine, centred, shown_ok])


def test_a_deliberate_counterexample_is_an_expected_failure_not_amber(tmp_path: Path) -> None:
    root = tmp_path / "r"
    _counterexample_case(root)
    doc = parse(build_report(root))
    status = doc.find_id("sw-status")
    assert "good" in status.classes()
    assert status.text().startswith(
        "1 of 1 reference checks passed, 0 validity diagnostics outside their limits")
    assert "1 expected failure" in status.text()
    section = doc.find_id("pooling")
    head = next(n for n in section.by_class("case-head"))
    assert [b.text() for b in head.by_class("badge")] == ["PASS"]
    assert "2/2 validity diagnostics within limits" in section.text()
    assert "1 expected failure (deliberate counter-example)" in section.text()
    rows = table_rows(section, "validity")
    assert row_by_first_cell(rows, "eight schools, centred (a counter-example)")[4] == \
        "EXPECTED FAIL"
    assert row_by_first_cell(rows, "centred, lucky")[4] == "OK counter-example"
    badge = next(b for b in section.by_class("badge") if b.text() == "EXPECTED FAIL")
    assert "expected" in badge.classes() and "bad" not in badge.classes()
    assert section.by_class("expected-note")
    overview = row_by_first_cell(table_rows(doc.find_id("sw-overview"), "overview"),
                                 "Case poolingpooling")
    assert overview[1] == "PASS" and overview[3] == "2/2+1 expected"


# --------------------------------------------------------------------------- skipped cases


def test_skipped_cases_are_listed_with_the_extra_to_install(tmp_path: Path) -> None:
    root = tmp_path / "r"
    _case(root, "multirate")
    _case(root, "battery")  # an earlier run's result
    assert write_skipped(root, {"multirate": [], "battery": [("pybamm", "battery")],
                                "ecology": [("pymc", "bayes"), ("arviz", "bayes")]})
    doc = parse(build_report(root))
    section = doc.find_id("sw-skipped")
    assert section is not None
    assert "2 cases whose optional extra is not installed" in section.text()
    rows = [[c.text() for c in r] for r in table_rows(section, "skipped")]
    assert rows[0] == ["battery (the results below are from an earlier run)", "pybamm",
                       "pip install 'scaleweave[battery]'"]
    assert rows[1] == ["ecology", "pymc, arviz", "pip install 'scaleweave[bayes]'"]
    # nothing skipped any more: the file goes, and so does the section
    assert write_skipped(root, {"battery": []}) is None
    assert not (root / SKIPPED_FILE).exists()
    assert parse(build_report(root)).find_id("sw-skipped") is None


def test_an_unreadable_skipped_file_is_noted_not_fatal(tmp_path: Path) -> None:
    root = tmp_path / "r"
    _case(root, "a")
    (root / SKIPPED_FILE).write_text("{not json")
    doc = parse(build_report(root))
    assert "skipped.json cannot be read" in doc.find_id("sw-overview").parent.text()


def test_run_all_records_the_skipped_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    import scaleweave.cases as cases_module
    from scaleweave.cases.base import Case
    from scaleweave.cli import main

    class NeedsExtra(Case):
        name = "needs-extra"
        title = "Needs an extra"
        requires = (("scaleweave_no_such_module", "imaginary"),)

    original = cases_module.load_case
    monkeypatch.setattr(cases_module, "CASES",
                        {"multirate": cases_module.CASES["multirate"], "needs-extra": "x:y"})
    monkeypatch.setattr(cases_module, "load_case",
                        lambda name: NeedsExtra if name == "needs-extra" else original(name))
    monkeypatch.setattr(cases_module, "available_cases",
                        lambda: {n: (t, "") for n, t in cases_module.CASES.items()})
    assert main(["run", "all", "--quick", "--out", str(tmp_path), "--quiet"]) == 0
    assert "skipped needs-extra" in capsys.readouterr().err
    data = json.loads((tmp_path / SKIPPED_FILE).read_text())
    assert data == {"skipped": [{"case": "needs-extra",
                                 "missing": [{"module": "scaleweave_no_such_module",
                                              "extra": "imaginary"}],
                                 "install": "pip install 'scaleweave[imaginary]'"}]}
    page = parse(tmp_path / "index.html")
    assert "pip install 'scaleweave[imaginary]'" in page.find_id("sw-skipped").text()


# --------------------------------------------------------------------------- study graph


def _describe() -> str:
    from scaleweave.core.model import model_from_function
    from scaleweave.core.study import Study

    atom = model_from_function(lambda x: {"e": 2 * x, "f": x}, inputs={"x": "eV"},
                               outputs={"e": "eV", "f": "m^2/s"}, name="atom",
                               length_scale=3e-10)
    cell = model_from_function(lambda e, f: {"z": e + f}, inputs={"e": "eV", "f": "m^2/s"},
                               outputs={"z": "A*h"}, name="cell")
    study = Study([atom, cell]).connect_by_name().bind("x", "atom.x", value="1 eV")
    return json.dumps({"main": study.describe()})


def test_study_graph_shows_each_models_length_scale_and_a_caption() -> None:
    fig = study_graph_figure(_describe())
    assert fig is not None
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "ℓ ≈ 300 pm" in texts                      # atom declares 3e-10 m
    assert sum(t.startswith("ℓ") for t in texts) == 1  # cell declares none
    assert "e [eV]\nf [m²/s]" in texts                # two links, one arrow, units typeset
    assert figure_caption(fig).startswith("Study graph 'main': 2 models in run order")
    assert "length scale" in figure_caption(fig)
    assert format_length(1e-2) == "ℓ ≈ 1 cm" and format_length(float("nan")) == ""
    from scaleweave.report.graph import format_study_graphs

    lines = format_study_graphs(_describe())
    assert lines[1:5] == ["  atom (core.function)", "    in:  x [eV]",
                          "    out: e [eV], f [m²/s]", "    length scale: 300 pm"]


def test_study_graph_panels_share_one_scale() -> None:
    from scaleweave.core.model import model_from_function
    from scaleweave.core.study import Study

    one = Study([model_from_function(lambda x: {"y": x}, inputs={"x": "m"},
                                     outputs={"y": "m"}, name="solo")])
    data = json.loads(_describe())
    data["solo"] = one.describe()
    fig = study_graph_figure(json.dumps(data))
    assert fig is not None
    heights = []
    for ax in fig.axes:  # inches per data unit, the same in every panel
        box = ax.get_position()
        lo, hi = ax.get_ylim()
        heights.append(box.height * fig.get_size_inches()[1] / (hi - lo))
    assert heights == pytest.approx([1.0, 1.0])

