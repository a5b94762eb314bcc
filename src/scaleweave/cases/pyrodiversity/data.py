"""The ``pyrodiversity`` case's synthetic data: a seeded fire-history landscape, the
survey design and the detection histories of a community of species."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import expit

from scaleweave.core.parameters import ParameterValues
from scaleweave.core.units import ureg
from scaleweave.errors import ConfigError

__all__ = ["candidate_scales", "check_design", "nearest_candidate", "simulate_survey"]

_YEAR_S = float(ureg.Quantity(1.0, "year").to("s").magnitude)


def candidate_scales(scale_min: float, scale_max: float, n_scales: int) -> np.ndarray:
    """Buffer radii (m), spaced geometrically from ``scale_min`` to ``scale_max``."""
    return np.geomspace(scale_min, scale_max, n_scales)


def nearest_candidate(scales: np.ndarray, true_scale: float) -> float:
    """The candidate radius (m) nearest the true one on a log scale."""
    return float(scales[np.argmin(np.abs(np.log(scales / true_scale)))])


def check_design(p: ParameterValues, scales: np.ndarray) -> None:
    """Every buffer (candidates and the true one) must be below half the periodic landscape.

    Raises
    ------
    ConfigError
        A buffer radius reaches half the landscape's side.
    """
    half = p["landscape_cells"] * p["cell_size"] / 2
    largest = max(scales.max(), p["true_scale"])
    if largest >= half:
        raise ConfigError(
            f"pyrodiversity: buffer radius {largest:g} m is not below half the landscape "
            f"({half:g} m); raise landscape_cells or lower scale_max")


def simulate_survey(p: ParameterValues, rng: np.random.Generator, scales: np.ndarray
                    ) -> dict[str, Any]:
    """One replicate: landscape, pyrodiversity at every scale, and detection histories.

    1. A fire history on a periodic landscape
       (:mod:`scaleweave.engines.geometry.fire_landscape`) whose environmental covariate
       raises both the ignition density and the severity: a confounder.
    2. Pyrodiversity (Shannon diversity of severity x age classes) in disc buffers of
       the candidate radii and the true one around every survey site.
    3. Species whose occupancy responds to the environment and to pyrodiversity at the
       true scale, detected imperfectly on ``n_visits`` visits.

    Parameters
    ----------
    p : ParameterValues
        The case's parameters (SI: m, s).
    rng : numpy.random.Generator
    scales : ndarray
        Candidate buffer radii (m).

    Returns
    -------
    dict
        ``y`` (sites, species) detections; ``z`` true occupancy; ``pyro`` (scales,
        sites) at the candidate scales; ``env`` (sites,); ``classes`` map and
        ``n_classes``; ``sites`` pixel coordinates; ``pyro_map`` (scales + 1, x, y),
        the last at the true scale; ``fires``; ``burned_fraction``.
    """
    from scaleweave.bridges.inference.occupancy import simulate_detections
    from scaleweave.engines.geometry.fire_landscape import (
        fire_classes,
        pyrodiversity,
        simulate_fire_history,
        smooth_field,
    )

    n = int(p["landscape_cells"])
    cell = p["cell_size"]
    shape = (n, n)
    env = smooth_field(shape, p["env_correlation"] / cell, rng)
    history = simulate_fire_history(
        shape, cell, p["record_length"] / _YEAR_S, p["fire_rate"] * _YEAR_S,
        p["fire_radius"], env, rng, env_ignition=p["env_ignition"],
        env_severity=p["env_severity"])
    classes, n_classes = fire_classes(history)
    radii = np.append(scales, p["true_scale"]) / cell
    pyro_all = pyrodiversity(classes, n_classes, radii)
    n_sites, n_species = int(p["n_sites"]), int(p["n_species"])
    flat = rng.choice(n * n, size=n_sites, replace=False)
    sx, sy = np.divmod(flat, n)
    pyro_sites = pyro_all[:, sx, sy]
    env_sites = env[sx, sy]
    truth = pyro_sites[-1]
    z_truth = (truth - truth.mean()) / truth.std()
    z_env = (env_sites - env_sites.mean()) / env_sites.std()
    b0 = rng.normal(p["occupancy_logit"], 0.7, n_species)
    b_env = rng.normal(p["env_effect"], 0.3, n_species)
    b_pyro = rng.normal(p["effect_mean"], p["effect_sd"], n_species)
    logit_p = rng.normal(math.log(p["detection"] / (1 - p["detection"])), 0.5, n_species)
    psi = expit(b0 + b_env * z_env[:, None] + b_pyro * z_truth[:, None])
    y, z = simulate_detections(psi, expit(logit_p), int(p["n_visits"]), rng)
    return {"y": y, "z": z, "pyro": pyro_sites[:-1], "env": env_sites, "classes": classes,
            "n_classes": n_classes, "sites": np.stack([sx, sy], axis=1),
            "pyro_map": pyro_all, "fires": history.n_fires,
            "burned_fraction": history.burned_fraction}
