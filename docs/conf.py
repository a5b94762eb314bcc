"""Sphinx configuration of the scaleweave documentation (build: see the README)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import _gallery  # noqa: E402  (writes gallery/*.md from the case declarations)

from scaleweave._version import __version__  # noqa: E402

project = "scaleweave"
author = "scaleweave developers"
release = version = __version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc sections carry the types and units
autodoc_mock_imports = ["pybamm", "chgnet", "torch", "numpyro", "jax", "arviz", "gpaw",
                        "libsbml", "skfem", "SALib", "chaospy", "dask", "distributed"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
myst_heading_anchors = 3
html_theme = "pydata_sphinx_theme"
html_title = f"scaleweave {version}"
html_theme_options = {"navigation_with_keys": False}
nitpicky = False
suppress_warnings = ["myst.header"]

_gallery.write_pages(HERE / "gallery")
