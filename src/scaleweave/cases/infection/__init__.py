"""Case ``infection``: a low-dose viral infection of a cell sheet, protected by interferon.

The essay's example of stochastic and deterministic together:

* **Virus binding (seconds)** to a target cell, ``V + S <-> B -> E``, is far faster
  than the infection cycle (hours). The QSSA bridge
  (:mod:`scaleweave.bridges.reduction.binding`, on
  :mod:`scaleweave.bridges.reduction.qssa`) slaves the bound complex ``B`` and returns
  the effective infection propensity ``beta V S`` with
  ``beta = k_on k_entry / (k_off + k_entry)``, and its validity diagnostic
  ``epsilon = (k_on N + c) / (k_off + k_entry)``. This is the study ``binding``.
* **Cells (stochastic)**: each cell of an ``n x n`` sheet is susceptible (S), in
  eclipse (E), producing virus (I), dead (D) or protected (P). Free virions (well
  mixed over the sheet) infect a uniformly chosen susceptible cell, are cleared at
  rate ``c``; eclipse ends at ``k_E``; producing cells release virions at ``p`` and die
  at ``delta``; a susceptible cell becomes protected at rate ``k_P x / (1 + x)``,
  ``x = (c_IFN / K_IFN)^n_H``, from its local interferon. Exact SSA over all cells
  (:mod:`scaleweave.engines.kinetics.cell_sheet`).
* **Interferon (deterministic)**: secreted by producing cells at ``q`` molecules/s,
  diffusing (``D``) and decaying (``k``): the implicit reaction-diffusion engine
  (:mod:`scaleweave.engines.continuum.reaction_diffusion`), zero flux at every wall.
  ``field_dimension = 2``: a film on the sheet (areal density, 1/m^2);
  ``field_dimension = 3``: the medium above the sheet, ``medium_height`` deep, in
  layers of one cell size; cells secrete into and read the layer above them (volume
  density, 1/m^3; half-maximal protection at ``ifn_half_3d``)
  (:mod:`scaleweave.cases.infection.field`).
* **Coupled concurrently** (the coupling ``coupled``, a
  :class:`~scaleweave.core.coupler.Coupler`, not a study graph: cells and field feed
  each other): the cells (event driven) advance over each macro step reading the field
  at its start; the field then takes ``field_substeps`` implicit steps reading the
  cells' source interpolated linearly over the step. The binding study's ``beta`` is
  the cells' infection rate. The coupled runs are checkpointed (a killed run resumes
  bit for bit); the same sheets without interferon run alone for comparison.

References (analytic):

* the establishment probability without protection (the share of runs in which at
  least ``establishment_threshold`` cells are ever infected) against the exact
  probability of that event: the first passage of the embedded jump chain
  (:func:`scaleweave.analytic.branching.threshold_probability`; the branching
  process of Kendall 1948, with the susceptible cells used up), within three binomial
  standard errors. The branching process's long-run survival probability is reported
  beside it (an output, not the reference: near ``R0 = 1`` the two differ);
* the steady interferon field of one producing cell against the point-source solution
  of its dimension (:mod:`scaleweave.analytic.point_source`; within 1% for r >= 2
  cells): ``q K0(r/lambda)/(2 pi D)`` in 2D, the Yukawa field
  ``q exp(-r/lambda)/(4 pi D r)`` mirrored in the medium's zero-flux walls in 3D.

Validity: the QSSA epsilon of the binding (Segel & Slemrod 1989) below 0.1, and the
interferon decay length resolved by the cell grid.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scaleweave.cases.base import Case
from scaleweave.core.parameters import Parameter

__all__ = ["InfectionCase"]


class InfectionCase(Case):
    """Low-dose infection of a cell sheet: stochastic cells, QSSA binding, interferon field."""

    name = "infection"
    title = "Low-dose viral infection with interferon protection"
    summary = ("Low-dose viral infection: stochastic cells, QSSA binding, diffusing interferon "
               "field, coupled multi-rate")
    parameters = (
        Parameter("n_side", 40, "", "cells per side of the sheet", low=4, high=400,
                  integer=True, scale="tissue"),
        Parameter("cell_size", 20.0, "um", "cell spacing", low=0.0, low_open=True,
                  scale="tissue"),
        Parameter("virions0", 3, "", "initial free virions (dose)", low=1, high=10**7,
                  integer=True, binds=("qssa.virions0",), scale="tissue"),
        Parameter("k_on", 3.125e-5, "1/s", "binding rate of a virion to one cell", low=0.0,
                  low_open=True, uncertain=True, binds=("qssa.k_on",), scale="molecular"),
        Parameter("k_off", 1.0, "1/s", "unbinding rate", low=0.0, uncertain=True,
                  binds=("qssa.k_off",), scale="molecular"),
        Parameter("k_entry", 1.0, "1/h", "entry rate of a bound virion", low=0.0,
                  low_open=True, uncertain=True, binds=("qssa.k_entry",), scale="molecular"),
        Parameter("clearance", 0.05, "1/h", "free virion clearance", low=0.0, low_open=True,
                  uncertain=True, binds=("qssa.clearance",), scale="tissue"),
        Parameter("eclipse_time", 6.0, "h", "mean eclipse phase", low=0.0, low_open=True,
                  scale="cell"),
        Parameter("producing_time", 10.0, "h", "mean life of a producing cell", low=0.0,
                  low_open=True, scale="cell"),
        Parameter("burst_size", 6.0, "", "mean virions made by a producing cell", low=0.0,
                  low_open=True, scale="cell"),
        Parameter("secretion", 3.0, "1/s", "interferon molecules secreted per producing "
                  "cell per second", low=0.0, scale="cell"),
        Parameter("ifn_diffusivity", 10.0, "um^2/s", "interferon diffusivity", low=0.0,
                  low_open=True, scale="tissue"),
        Parameter("ifn_decay", 1.0, "1/h", "interferon decay rate", low=0.0, low_open=True,
                  scale="tissue"),
        Parameter("field_dimension", "2", "", "space dimension of the interferon field: 2 "
                  "(a film on the sheet) or 3 (the medium above the sheet)",
                  choices=("2", "3"), scale="tissue"),
        Parameter("medium_height", 100.0, "um", "depth of the medium above the sheet "
                  "(3D field; whole cell sizes, at least 2)", low=0.0, low_open=True,
                  scale="tissue"),
        Parameter("ifn_half", 1.0, "1/um^2", "interferon density for half-maximal "
                  "protection (2D field)", low=0.0, low_open=True, scale="cell"),
        Parameter("ifn_half_3d", 5e-3, "1/um^3", "interferon density for half-maximal "
                  "protection (3D field; 5e-3/um^3 is about 8 pM)", low=0.0, low_open=True,
                  scale="cell"),
        Parameter("ifn_hill", 2.0, "", "Hill coefficient of the protection response", low=0.5,
                  high=10.0, scale="cell"),
        Parameter("protection_rate", 0.5, "1/h", "maximal protection rate of a cell "
                  "(0: protection off)", low=0.0, scale="cell"),
        Parameter("t_end", 240.0, "h", "simulated time", low=0.0, low_open=True),
        Parameter("macro_dt", 1.0, "h", "coupling (synchronisation) step", low=0.0,
                  low_open=True),
        Parameter("field_substeps", 2, "", "implicit field steps per macro step", low=1,
                  high=1000, integer=True),
        Parameter("replicas", 48, "", "coupled runs per arm (with / without interferon)",
                  low=2, high=100_000, integer=True),
        Parameter("establishment_runs", 4000, "", "runs for the establishment probability",
                  low=10, high=10**7, integer=True),
        Parameter("establishment_threshold", 30, "", "infected cells that count as "
                  "established", low=2, integer=True),
    )
    samples_parameter = "replicas"
    quick: ClassVar[dict[str, Any]] = {"replicas": 24, "establishment_runs": 2000,
                                       "t_end": 200.0}
