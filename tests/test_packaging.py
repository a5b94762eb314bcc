"""What the wheel holds: the package and its data, nothing else, and real metadata."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_wheel_installs_only_the_scaleweave_package():
    # Regression: packages.find included "benchmarks*", so the wheel put a top-level
    # ``benchmarks`` package into every user's site-packages.
    find = _project()["tool"]["setuptools"]["packages"]["find"]
    assert all(pattern.startswith("scaleweave") for pattern in find["include"])
    assert find["where"] == ["src"]


def test_every_package_data_pattern_matches_a_file():
    # Regression: "report/*.css" matched no file.
    data = _project()["tool"]["setuptools"]["package-data"]
    for package, patterns in data.items():
        base = ROOT / "src" / package.replace(".", "/")
        for pattern in patterns:
            assert list(base.glob(pattern)), f"package-data {package}: {pattern!r} matches nothing"


def test_project_urls_are_not_placeholders():
    for name, url in _project()["project"].get("urls", {}).items():
        assert "example" not in url and "invalid" not in url, (name, url)
    assert isinstance(_project()["project"]["license"], str)  # an SPDX expression
