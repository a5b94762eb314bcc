"""The ``partial-pooling`` case's data: the eight schools (published) and seeded
single-cell mRNA counts of one gene across tissues (synthetic)."""

from __future__ import annotations

from typing import Any

import numpy as np

from scaleweave.analytic.eight_schools import EIGHT_SCHOOLS_SIGMA, EIGHT_SCHOOLS_Y, SCHOOLS

__all__ = ["EIGHT_SCHOOLS_SIGMA", "EIGHT_SCHOOLS_Y", "SCHOOLS", "simulate_expression"]


def simulate_expression(rng: np.random.Generator, n_tissues: int, min_cells: int,
                        max_cells: int, heldout_cells: int, log_k_median: float,
                        tau_true: float, exposure: float) -> dict[str, Any]:
    """Seeded single-cell mRNA counts of one gene across tissues.

    A constitutively expressed gene (birth at ``k_t``, decay at ``delta_m``) has a
    Poisson steady-state copy number of mean ``k_t / delta_m``; capturing each
    molecule with probability ``e`` keeps it Poisson, so a cell's count is
    ``Poisson(k_t * exposure)`` with ``exposure = e / delta_m``.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_tissues : int
    min_cells, max_cells : int
        Cells per tissue, spread geometrically between these (few cells in some
        tissues, many in others).
    heldout_cells : int
        New cells per tissue kept out of the calibration.
    log_k_median : float
        Median transcription rate across tissues, ``log(k / (1/s))``.
    tau_true : float
        Spread of ``log k`` across tissues.
    exposure : float
        Capture efficiency / mRNA decay rate (s): the mean count is ``k * exposure``.

    Returns
    -------
    dict
        ``tissues``, ``k_true`` (1/s), ``y``/``tissue`` (calibration cells),
        ``y_test``/``tissue_test`` (held-out cells), ``cells`` per tissue.
    """
    tissues = [f"T{t + 1:02d}" for t in range(n_tissues)]
    log_k = log_k_median + tau_true * rng.standard_normal(n_tissues)
    cells = np.round(np.geomspace(min_cells, max_cells, n_tissues)).astype(int)
    cells = rng.permutation(cells)
    k = np.exp(log_k)
    which = np.repeat(np.arange(n_tissues), cells)
    y = rng.poisson(k[which] * exposure)
    which_test = np.repeat(np.arange(n_tissues), heldout_cells)
    y_test = rng.poisson(k[which_test] * exposure)
    return {"tissues": tissues, "k_true": k, "cells": cells,
            "y": y, "tissue": [tissues[i] for i in which],
            "y_test": y_test, "tissue_test": [tissues[i] for i in which_test]}
