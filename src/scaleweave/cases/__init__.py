"""The essay's applications, one module each, registered lazily by name.

The CLI lists cases from :data:`CASES` without importing them, so it starts fast
and a case's heavy libraries load only when that case runs.
"""

from __future__ import annotations

import difflib
import importlib

from scaleweave.errors import ConfigError

__all__ = ["CASES", "load_case"]

#: name -> (module:Class, one-line description). Keep sorted by name.
CASES: dict[str, tuple[str, str]] = {
    "am-warpage": (
        "scaleweave.cases.am_warpage:AMWarpageCase",
        "3D-printed part: scan-track eigenstrain -> RVE homogenization -> layer build "
        "-> warpage, with its aleatory distribution",
    ),
    "battery": (
        "scaleweave.cases.battery:BatteryCase",
        "Battery chain: LiFePO4 hop barrier (CHGNet NEB) -> kMC on the Li channels -> "
        "conductivity -> PyBaMM cell at 1C/3C, with error bars and no double counting",
    ),
    "ecology-scaling": (
        "scaleweave.cases.ecology_scaling:EcologyScalingCase",
        "Ecology across grains: detection-corrected occupancy (MacKenzie 2002) and a "
        "species-area exponent from nested quadrats, design from TOML",
    ),
    "infection": (
        "scaleweave.cases.infection:InfectionCase",
        "Low-dose viral infection: stochastic cells, QSSA binding, diffusing interferon "
        "field, coupled multi-rate",
    ),
    "multirate": (
        "scaleweave.cases.multirate:MultirateChainCase",
        "Crack-tip time scales: a spring chain with a stiff block, single-rate vs "
        "multi-rate velocity Verlet",
    ),
    "partial-pooling": (
        "scaleweave.cases.partial_pooling:PartialPoolingCase",
        "Top-down bridge: hierarchical partial pooling (eight schools, per-tissue gene "
        "activity) pushed forward with its posterior",
    ),
    "pyrodiversity": (
        "scaleweave.cases.pyrodiversity:PyrodiversityCase",
        "Pyrodiversity begets biodiversity? Multi-species occupancy with detection selects "
        "the spatial scale that matters",
    ),
    "uq-demo": (
        "scaleweave.cases.uq_demo:UQDemo",
        "Error bars through the scales: Ishigami distribution and per-scale Sobol' indices, "
        "a p-box, an interval (exact answers)",
    ),
}


def load_case(name: str):
    """Return the case class registered as ``name``.

    Raises
    ------
    ConfigError
        Unknown name; lists the known cases and suggests the closest.
    """
    if name not in CASES:
        close = difflib.get_close_matches(name, list(CASES), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"unknown case {name!r}; {hint}known cases: {', '.join(CASES)}")
    module, cls = CASES[name][0].split(":")
    return getattr(importlib.import_module(module), cls)
