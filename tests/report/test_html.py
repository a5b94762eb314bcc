"""Tests of the static HTML report: real content, parsed back with the stdlib parser."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure

from scaleweave.report import build_report
from scaleweave.report.html import format_number

try:
    from scaleweave.errors import ConfigError
except ImportError:  # the errors module is written concurrently
    ConfigError = ValueError

# --------------------------------------------------------------------------- a tiny DOM

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join("".join(parts).split())

    def iter(self, tag: str | None = None):
        for c in self.children:
            if isinstance(c, Node):
                if tag is None or c.tag == tag:
                    yield c
                yield from c.iter(tag)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def find_id(self, ident: str) -> Node | None:
        return next((n for n in self.iter() if n.attrs.get("id") == ident), None)

    def by_class(self, cls: str) -> list[Node]:
        return [n for n in self.iter() if cls in n.classes()]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.cur = self.root
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), parent=self.cur)
        self.cur.children.append(node)
        if tag not in _VOID:
            self.cur = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.cur.children.append(Node(tag, dict(attrs), parent=self.cur))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if self.cur.tag != tag:
            self.errors.append(f"</{tag}> closes <{self.cur.tag}>")
            node = self.cur
            while node.parent is not None and node.tag != tag:
                node = node.parent
            self.cur = node
        if self.cur.parent is not None:
            self.cur = self.cur.parent

    def handle_data(self, data: str) -> None:
        self.cur.children.append(data)


def parse(path: Path) -> Node:
    builder = _TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    assert builder.errors == [], builder.errors  # well nested
    assert builder.cur is builder.root, "unclosed elements"
    return builder.root


def table_rows(section: Node, table_class: str) -> list[list[Node]]:
    """Body rows (lists of <td> nodes) of the table with ``table_class`` in a section."""
    tables = [t for t in section.iter("table") if table_class in t.classes()]
    assert len(tables) == 1, f"expected one table.{table_class}"
    body = next(tables[0].iter("tbody"))
    return [list(tr.iter("td")) for tr in body.iter("tr")]


def row_by_first_cell(rows: list[list[Node]], name: str) -> list[str]:
    matches = [r for r in rows if r[0].text() == name]
    assert len(matches) == 1, f"no single row named {name!r}: {[r[0].text() for r in rows]}"
    return [c.text() for c in matches[0]]


# --------------------------------------------------------------------------- fixtures


def _png(path: Path, color: str) -> None:
    fig = Figure(figsize=(2, 1.5), dpi=40)
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [0, 1, 0.5], color=color)
    fig.savefig(path)


def _summary(case: str, title: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "case": case,
        "title": title,
        "version": "0.1.0",
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "seed": 42,
        "runtime_s": 1.25,
        "parameters": {
            "temperature": {"value": 300.0, "unit": "K"},
            "solver": {"value": "lsoda", "unit": ""},
        },
        "outputs": {},
        "references": [],
        "validity": [],
        "figures": [],
        "created": "2024-05-01T12:00:00+00:00",
    }
    base.update(extra)
    return base


def _write_case(root: Path, folder: str, summary: dict[str, Any] | str) -> Path:
    d = root / folder
    d.mkdir(parents=True)
    text = summary if isinstance(summary, str) else json.dumps(summary, indent=1)
    (d / "summary.json").write_text(text, encoding="utf-8")
    return d


def make_results(root: Path) -> Path:
    """Three cases: all passing, one with failures, one with a broken summary."""
    good = _summary(
        "alpha_good",
        "Diffusion <script>alert(1)</script> & friends",
        description="Vacancy diffusion from DFT barriers up to a continuum profile.",
        outputs={
            "diffusivity": {
                "value": 1.234e-9,
                "unit": "m^2/s",
                "lo": 1.184e-9,
                "hi": 1.284e-9,
                "description": "tracer diffusivity",
            },
            "barrier": {"value": 0.6512, "unit": "eV", "lo": 0.62, "hi": 0.70},
            "count": {"value": 7.0, "unit": "", "lo": None, "hi": None},
            "p_exceed": {"value": 0.09, "unit": "", "lo": 0.02, "hi": 0.16, "kind": "bounds"},
            "modulus": {"value": 224.0, "unit": "GPa", "lo": 9.6, "hi": 232.8,
                        "kind": "bounds"},
        },
        references=[
            {
                "name": "D at 300 K",
                "value": 1.234e-9,
                "expected": 1.2e-9,
                "tolerance": 0.05,
                "passed": True,
                "source": "Smith et al. 2001",
                "comparison": "rel",
            },
            {
                "name": "barrier",
                "value": 0.6512,
                "expected": 0.65,
                "tolerance": 0.01,
                "passed": True,
                "source": "NEB",
                "comparison": "abs",
            },
        ],
        validity=[
            {
                "bridge": "harmonic_tst",
                "diagnostic": "kT/Ea",
                "value": 0.04,
                "limit": 0.2,
                "ok": True,
            },
        ],
        figures=["headline.png", "extra.png"],
    )
    d = _write_case(root, "alpha_good", good)
    _png(d / "headline.png", "tab:blue")
    _png(d / "extra.png", "tab:orange")

    mixed = _summary(
        "beta_mixed",
        "Battery cell",
        commit=None,
        runtime_s=754.0,
        outputs={
            "capacity": {"value": float("nan"), "unit": "mAh/g", "lo": None, "hi": None},
            "voltage": {"value": float("inf"), "unit": "V", "lo": None, "hi": None},
        },
        references=[
            {
                "name": "capacity",
                "value": 140.0,
                "expected": 170.0,
                "tolerance": 0.1,
                "passed": False,
                "source": "datasheet",
            },
            {
                "name": "overpotential",
                "value": 0.08,
                "expected": 0.1,
                "tolerance": 0.0,
                "passed": True,
                "source": "lab",
                "comparison": "le",
            },
        ],
        validity=[
            {
                "bridge": "dilute_limit",
                "diagnostic": "x_Li",
                "value": 0.45,
                "limit": 0.1,
                "ok": False,
            },
            {
                "bridge": "quasi_static",
                "diagnostic": "tau_ratio",
                "value": 1e-4,
                "limit": 0.01,
                "ok": True,
            },
        ],
        figures=["cell.png"],
    )
    d = _write_case(root, "beta_mixed", mixed)
    _png(d / "cell.png", "tab:green")

    _write_case(root, "gamma_broken", '{"case": "gamma_broken", "title": ')
    return root


@pytest.fixture
def report(tmp_path: Path) -> tuple[Path, Node]:
    root = make_results(tmp_path / "results")
    out = build_report(root)
    return out, parse(out)


# --------------------------------------------------------------------------- tests


def test_returns_index_html_and_sections_exist(report: tuple[Path, Node], tmp_path: Path) -> None:
    out, doc = report
    assert out == tmp_path / "results" / "index.html"
    for case in ("alpha_good", "beta_mixed", "gamma_broken"):
        section = doc.find_id(case)
        assert section is not None and section.tag == "section", case
    # sections in sorted case order
    ids = [n.attrs["id"] for n in doc.iter("section") if "case" in n.classes()]
    assert ids == ["alpha_good", "beta_mixed", "gamma_broken"]
    assert "scaleweave report" in next(doc.iter("h1")).text()


def test_headline_figure_and_secondary_figures(report: tuple[Path, Node]) -> None:
    out, doc = report
    section = doc.find_id("alpha_good")
    imgs = list(section.iter("img"))
    assert [i.attrs["src"] for i in imgs] == ["alpha_good/headline.png", "alpha_good/extra.png"]
    for img in imgs:
        assert (out.parent / img.attrs["src"]).is_file()
        assert img.attrs["alt"]
        assert img.parent.tag == "a" and img.parent.attrs["href"] == img.attrs["src"]
    headline = imgs[0]
    assert "headline" in headline.parent.parent.classes()
    assert "secondary" in imgs[1].parent.parent.classes()
    assert (headline.attrs["width"], headline.attrs["height"]) == ("80", "60")  # 2x1.5 in @40dpi
    mixed = list(doc.find_id("beta_mixed").iter("img"))
    assert [i.attrs["src"] for i in mixed] == ["beta_mixed/cell.png"]


def test_reference_rows_and_badges(report: tuple[Path, Node]) -> None:
    _, doc = report
    rows = table_rows(doc.find_id("beta_mixed"), "references")
    cap = row_by_first_cell(rows, "capacity")
    assert cap[1:5] == ["140", "170", "±10 % rel", "−18 %"]
    assert cap[5] == "FAIL" and cap[6] == "datasheet"
    over = row_by_first_cell(rows, "overpotential")
    assert over[1:4] == ["0.08", "0.1", "≤ expected"]
    assert over[5] == "PASS"

    rows = table_rows(doc.find_id("alpha_good"), "references")
    d300 = row_by_first_cell(rows, "D at 300 K")
    # a summary without reference units: the unit of the output holding the value
    assert d300[1:4] == ["1.234 × 10−9 m²/s", "1.2 × 10−9 m²/s", "±5 % rel"]
    assert d300[5] == "PASS"
    barrier = row_by_first_cell(rows, "barrier")
    assert barrier[3] == "±0.01 eV abs" and barrier[5] == "PASS"
    badges = [
        b
        for b in doc.find_id("alpha_good").by_class("badge")
        if b.parent.tag == "td" and b.text() in ("PASS", "FAIL")
    ]
    assert [b.text() for b in badges] == ["PASS", "PASS"]
    assert all("good" in b.classes() for b in badges)


def test_validity_rows(report: tuple[Path, Node]) -> None:
    _, doc = report
    rows = table_rows(doc.find_id("beta_mixed"), "validity")
    assert row_by_first_cell(rows, "dilute_limit") == [
        "dilute_limit",
        "x_Li",
        "0.45",
        "0.1",
        "OUTSIDE",
    ]
    assert row_by_first_cell(rows, "quasi_static")[2:] == ["1 × 10−4", "0.01", "OK"]
    outside = [b for b in doc.find_id("beta_mixed").by_class("badge") if b.text() == "OUTSIDE"]
    assert len(outside) == 1 and "bad" in outside[0].classes()


def test_outputs_error_bars(report: tuple[Path, Node]) -> None:
    _, doc = report
    rows = table_rows(doc.find_id("alpha_good"), "outputs")
    # symmetric bar -> value ± half-width, asymmetric -> value [lo, hi]
    diff = row_by_first_cell(rows, "diffusivity")
    assert diff[1] == "1.234 × 10−9 ± 5 × 10−11 m²/s"
    assert diff[2] == "tracer diffusivity"
    assert row_by_first_cell(rows, "barrier")[1] == "0.6512 [0.62, 0.7] eV"
    assert row_by_first_cell(rows, "count")[1] == "7"
    # epistemic bounds are shown as an interval, never as value +- error bar
    assert row_by_first_cell(rows, "p_exceed")[1] == "[0.02, 0.16]"
    # a result of its own inside bounds (FFT modulus within Voigt-Reuss) shows both
    assert row_by_first_cell(rows, "modulus")[1] == "224 within [9.6, 232.8] GPa"


def test_nan_and_inf_render(report: tuple[Path, Node]) -> None:
    _, doc = report
    rows = table_rows(doc.find_id("beta_mixed"), "outputs")
    assert row_by_first_cell(rows, "capacity")[1] == "nan mAh/g"
    assert row_by_first_cell(rows, "voltage")[1] == "inf V"


def test_html_escaping(report: tuple[Path, Node]) -> None:
    out, doc = report
    raw = out.read_text(encoding="utf-8")
    assert "<script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in raw
    assert list(doc.iter("script")) == []
    h2 = next(doc.find_id("alpha_good").iter("h2"))
    assert h2.text() == "Diffusion <script>alert(1)</script> & friends"


def test_overall_status_line_and_header(report: tuple[Path, Node], tmp_path: Path) -> None:
    _, doc = report
    status = doc.find_id("sw-status")
    assert status.text() == (
        "3 of 4 reference checks passed, 1 validity diagnostics outside their limits"
    )
    assert "bad" in status.classes()
    header = doc.find_id("sw-top").text()
    assert str((tmp_path / "results").resolve()) in header
    assert "3 cases" in header
    assert "0.1.0" in header and "0123456789" in header and "not a git checkout" in header


def test_overview_table(report: tuple[Path, Node]) -> None:
    _, doc = report
    rows = table_rows(doc.find_id("sw-overview"), "overview")
    assert len(rows) == 3
    hrefs = [next(r[0].iter("a")).attrs["href"] for r in rows]
    assert hrefs == ["#alpha_good", "#beta_mixed", "#gamma_broken"]
    good, mixed, broken = ([c.text() for c in r] for r in rows)
    assert good[1:4] == ["PASS", "2/2", "1/1"] and good[4] == "1.25 s"
    assert mixed[1:4] == ["FAIL", "1/2", "1/2"]
    assert mixed[4].startswith("754 s") and "12 min 34 s" in mixed[4]
    assert broken[1] == "UNREADABLE" and "unreadable summary" in broken[0]
    assert "good" in rows[0][1].by_class("badge")[0].classes()
    assert "bad" in rows[1][1].by_class("badge")[0].classes()


def test_broken_summary_does_not_stop_the_report(report: tuple[Path, Node]) -> None:
    _, doc = report
    text = doc.find_id("gamma_broken").text()
    assert "unreadable summary: not valid JSON" in text


def test_run_section_and_parameters(report: tuple[Path, Node]) -> None:
    _, doc = report
    good = doc.find_id("alpha_good")
    run = next(n for n in good.iter("dl") if "run" in n.classes())
    facts = {dt.text(): dd.text() for dt, dd in zip(run.iter("dt"), run.iter("dd"), strict=True)}
    assert facts["Commit"] == "0123456789"
    assert facts["Seed"] == "42" and facts["Runtime"] == "1.25 s"
    assert facts["Version"] == "0.1.0" and facts["Created"].startswith("2024-05-01")
    details = next(good.iter("details"))
    assert next(details.iter("summary")).text() == "Parameters (2)"
    rows = table_rows(details, "parameters")
    assert row_by_first_cell(rows, "temperature") == ["temperature", "300", "K"]
    assert row_by_first_cell(rows, "solver")[1] == "lsoda"
    mixed_run = next(n for n in doc.find_id("beta_mixed").iter("dl") if "run" in n.classes())
    assert "not a git checkout" in mixed_run.text()


def test_missing_keys_and_bad_entries_are_unreadable(tmp_path: Path) -> None:
    root = tmp_path / "r"
    _write_case(root, "a_ok", _summary("a_ok", "Fine"))
    bad = _summary("b_nokey", "No outputs")
    del bad["outputs"]
    _write_case(root, "b_nokey", bad)
    _write_case(root, "c_badref", _summary("c_badref", "Bad ref", references=[{"name": "x"}]))
    _write_case(root, "d_list", "[1, 2]")
    _write_case(
        root, "e_missing_fig", _summary("e_missing_fig", "Gone", figures=["nope.png", "../x.png"])
    )
    doc = parse(build_report(root))
    assert "unreadable" not in doc.find_id("a_ok").text()
    assert "unreadable summary: missing key 'outputs'" in doc.find_id("b_nokey").text()
    assert "unreadable summary: references[0] lacks" in doc.find_id("c_badref").text()
    assert "unreadable summary: top level is list" in doc.find_id("d_list").text()
    missing = doc.find_id("e_missing_fig")
    assert "figure missing: nope.png" in missing.text()
    assert "figure ../x.png skipped: outside the case folder" in missing.text()
    assert list(missing.iter("img")) == []
    assert doc.find_id("sw-status").text().startswith("0 of 0 reference checks passed, 0 ")
    assert "3 cases with an unreadable summary" in doc.find_id("sw-top").text()


def test_all_passing_status_is_green(tmp_path: Path) -> None:
    root = make_results(tmp_path / "r")
    for folder in ("beta_mixed", "gamma_broken"):
        for f in (root / folder).iterdir():
            f.unlink()
        (root / folder).rmdir()
    doc = parse(build_report(root))
    status = doc.find_id("sw-status")
    assert status.text() == (
        "2 of 2 reference checks passed, 0 validity diagnostics outside their limits"
    )
    assert "good" in status.classes()


def test_self_contained(report: tuple[Path, Node]) -> None:
    out, doc = report
    raw = out.read_text(encoding="utf-8")
    assert "http://" not in raw and "https://" not in raw and "//" not in raw.replace("://", "")
    assert list(doc.iter("link")) == [] and list(doc.iter("script")) == []
    style = next(doc.iter("style")).text()
    assert "max-width: 1100px" in style and "tabular-nums" in style and "@media print" in style
    assert "@import" not in style and "url(" not in style


@pytest.mark.parametrize("content", [None, "empty-dir", "no-summaries"])
def test_empty_folder_raises(tmp_path: Path, content: str | None) -> None:
    root = tmp_path / "nothing here"
    if content is not None:
        root.mkdir()
    if content == "no-summaries":
        (root / "case_a").mkdir()
        (root / "case_a" / "other.json").write_text("{}")
    with pytest.raises(ConfigError) as info:
        build_report(root)
    message = str(info.value)
    assert "\n" not in message
    assert "nothing here" in message and "scaleweave run CASE --out DIR" in message
    assert not (root / "index.html").exists()


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_results(tmp_path / "r")
    build_report(root)
    build_report(root)  # overwrite in place
    assert sorted(p.name for p in root.iterdir()) == [
        "alpha_good",
        "beta_mixed",
        "gamma_broken",
        "index.html",
    ]
    before = (root / "index.html").read_text(encoding="utf-8")

    # a failure while moving into place leaves the old page and no temp file
    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    (root / "alpha_good" / "summary.json").write_text(
        json.dumps(_summary("alpha_good", "Changed title"))
    )
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        build_report(root)
    assert (root / "index.html").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in root.iterdir()) == [
        "alpha_good",
        "beta_mixed",
        "gamma_broken",
        "index.html",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.14159265, "3.142"),
        (0.0, "0"),
        (-0.00123456, "-0.001235"),
        (12345.678, "12346"),
        (1.5e-7, "1.5e-7"),
        (-6.02214076e23, "-6.022e23"),
        (2.50, "2.5"),
        (42, "42"),
        (float("nan"), "nan"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (None, "—"),
        ("lsoda", "lsoda"),
    ],
)
def test_format_number(value: Any, text: str) -> None:
    assert format_number(value) == text
