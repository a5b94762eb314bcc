"""Reference test of the ``am-warpage`` case at its quick size.

The case's references (cited in the case): uniform-stiffness layer eigenstrain equals
the volume mean, (eps_L + eps_T)/2 for 0/90 tracks (issue 8); Levin (1967) for the
porous layer; Voigt/Reuss containment (Hill 1952); FE vs Timoshenko (1925) bilayer
within 1 %; FE vs multilayer plate theory for the layer-by-layer build (Hsueh 2002).
"""

from __future__ import annotations

import json

import pytest

from scaleweave.runner import run_case


def _run(tmp_path, *sets):
    folder = run_case("am-warpage", out=tmp_path, overrides=list(sets), quick=True,
                      quiet=True)
    return json.loads((folder / "summary.json").read_text()), folder


def test_quick_run_passes_its_references(tmp_path):
    summary, folder = _run(tmp_path)
    refs = {r["name"]: r for r in summary["references"]}
    assert [n for n, r in refs.items() if not r["passed"]] == []
    assert len(refs) >= 9
    assert refs["0/90 layer eigenstrain eps*_xx vs (eps_L + eps_T)/2"]["expected"] == \
        pytest.approx(0.5 * (-4e-3 - 1.5e-3))
    assert all(v["ok"] for v in summary["validity"]), summary["validity"]
    out = summary["outputs"]
    # a shrinking deposit curls the part up; the aleatory interval brackets the nominal
    assert out["curvature"]["value"] < 0 and out["edge_deflection"]["value"] > 0
    assert out["edge_deflection"]["lo"] < out["edge_deflection"]["hi"]
    assert out["edge_deflection_sd"]["value"] > 0
    assert out["curvature_fe"]["value"] == pytest.approx(out["curvature"]["value"], rel=1e-2)
    # 0/90 layer: in-plane isotropic eigenstrain, between eps_L and eps_T
    assert out["layer_eps_xx"]["value"] == pytest.approx(out["layer_eps_yy"]["value"],
                                                         rel=1e-3)
    assert -4e-3 < out["layer_eps_xx"]["value"] < -1.5e-3
    assert summary["parameters"]["porosity"]["kind"] == "aleatory"
    assert {"part.png", "rve.png", "layer_bounds.png", "warpage_distribution.png"} <= \
        {p.name for p in folder.iterdir()}


def test_other_strategy_and_fixed_microstructure(tmp_path):
    summary, _ = _run(tmp_path, "strategy=67", "rve_layers=3", "porosity=0.01",
                      "pattern=0.3")
    refs = {r["name"]: r for r in summary["references"]}
    assert all(r["passed"] for r in refs.values()), summary["references"]
    assert "0/90 layer eigenstrain eps*_xx vs (eps_L + eps_T)/2" not in refs
    assert summary["outputs"]["edge_deflection"]["lo"] is None  # nothing aleatory left
