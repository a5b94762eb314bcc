"""Michaelis-Menten from mass action: the QSSA bridge on ``E + S <-> C -> E + P``.

The full network (Briggs & Haldane 1925) with rate constants ``k1`` (binding),
``k_minus1`` (unbinding) and ``k2`` (catalysis), total enzyme ``E0`` and substrate
``S0``, reduced by :class:`~scaleweave.bridges.reduction.qssa.QSSAReduction` with the
enzyme and the complex fast, gives the Michaelis-Menten rate
``v = Vmax S / (Km + S)``, ``Vmax = k2 E0``, ``Km = (k_minus1 + k2) / k1``. The bridge
integrates both models over ``[0, t_end]`` and reports, next to the reduction's
a-priori diagnostic epsilon (Segel & Slemrod 1989: ``E0 / (S0 + Km)``), the error it
actually makes: the largest difference of the product curves over ``S0``. Both are
declared diagnostics. Concentrations in mol/m^3 (any consistent amount works), rate
constants in m^3/(mol s) and 1/s.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scaleweave.bridges.reduction.qssa import QSSAReduction
from scaleweave.core.model import Bridge, Diagnostic, Port
from scaleweave.engines.kinetics.reaction_network import (
    Reaction,
    ReactionNetwork,
    solve_rate_equations,
)
from scaleweave.errors import ConfigError

__all__ = ["MichaelisMentenQSSA", "michaelis_menten_network"]

#: Species order of :func:`michaelis_menten_network`.
SPECIES = ("S", "E", "C", "P")


def michaelis_menten_network(k1: float, k_minus1: float, k2: float) -> ReactionNetwork:
    """``E + S <-> C -> E + P`` with mass-action constants (initial state from ``y0``)."""
    return ReactionNetwork({s: 0 for s in SPECIES}, [
        Reaction({"E": 1, "S": 1}, {"C": 1}, k1, "binding"),
        Reaction({"C": 1}, {"E": 1, "S": 1}, k_minus1, "unbinding"),
        Reaction({"C": 1}, {"E": 1, "P": 1}, k2, "catalysis")])


class MichaelisMentenQSSA(Bridge):
    """The Michaelis-Menten reduction of the enzyme network, against the full network.

    Parameters
    ----------
    n_times : int
        Output times, uniform on ``[0, t_end]``.
    eps_max : float
        Limit of both diagnostics (epsilon, and the measured error over ``S0``).
    name : str
        Instance name in a study.

    Examples
    --------
    >>> out = MichaelisMentenQSSA(n_times=5).evaluate({
    ...     "e0": 1e-4, "s0": 1e-2, "k1": 1e3, "k_minus1": 1.0, "k2": 1.0, "t_end": 300.0})
    >>> round(float(out["epsilon"]), 6), float(out["max_error"]) < float(out["epsilon"])
    (0.008333, True)
    """

    inputs = (
        Port("e0", "mol/m**3", description="total enzyme"),
        Port("s0", "mol/m**3", description="initial substrate"),
        Port("k1", "m**3/(mol*s)", description="binding rate constant"),
        Port("k_minus1", "1/s", description="unbinding rate constant"),
        Port("k2", "1/s", description="catalytic rate constant"),
        Port("t_end", "s", description="end of the time course"),
    )
    outputs = (
        Port("epsilon", "", description="Segel-Slemrod epsilon of the reduction"),
        Port("max_error", "", description="max |P_full - P_reduced| / S0 over the run"),
        Port("km", "mol/m**3", description="Michaelis constant (k_minus1 + k2) / k1"),
        Port("vmax", "mol/(m**3*s)", description="maximal rate k2 E0"),
        Port("initial_rate", "mol/(m**3*s)", description="reduced model's dP/dt at t = 0"),
        Port("time", "s", ("n_times",), description="output times"),
        Port("substrate_full", "mol/m**3", ("n_times",), description="S(t), full network"),
        Port("substrate_reduced", "mol/m**3", ("n_times",), description="S(t), reduced"),
        Port("complex_full", "mol/m**3", ("n_times",), description="C(t), full network"),
        Port("complex_reduced", "mol/m**3", ("n_times",), description="C(t), quasi-steady"),
        Port("product_full", "mol/m**3", ("n_times",), description="P(t), full network"),
        Port("product_reduced", "mol/m**3", ("n_times",), description="P(t), reduced"),
    )
    identity = "reduction.michaelis_menten"
    diagnostics = (
        Diagnostic("epsilon E0/(S0 + Km): enzyme and complex fast, about the relative error",
                   "epsilon", "eps_max"),
        Diagnostic("measured error max|P_full - P_reduced|/S0 (what epsilon predicts)",
                   "max_error", "eps_max"),
    )
    time_scale = 1.0

    def __init__(self, *, n_times: int = 201, eps_max: float = 0.1,
                 name: str = "michaelis_menten") -> None:
        if int(n_times) < 2:
            raise ConfigError(f"michaelis_menten: n_times must be at least 2, got {n_times}")
        self.n_times = int(n_times)
        self.eps_max = float(eps_max)
        self.name = name

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        e0, s0, k1, km1, k2, t_end = (float(inputs[k]) for k in
                                      ("e0", "s0", "k1", "k_minus1", "k2", "t_end"))
        net = michaelis_menten_network(k1, km1, k2)
        y0 = np.array([s0, e0, 0.0, 0.0])
        t = np.linspace(0.0, t_end, self.n_times)
        # Tolerances relative to the substrate: the curves are compared at ~1e-3 of S0.
        atol = 1e-10 * max(s0, e0)
        full = solve_rate_equations(net, t, y0=y0, method="LSODA", rtol=1e-9, atol=atol)
        red = QSSAReduction(net, ["E", "C"], y0=y0, eps_max=self.eps_max)
        reduced = red.solve(t, rtol=1e-10, atol=atol)
        s, c, p = (SPECIES.index(x) for x in ("S", "C", "P"))
        rate0 = float((k2 * red.full_state(y0[red.slow_idx]))[c])
        return {
            "epsilon": red.epsilon,
            "max_error": float(np.max(np.abs(full[:, p] - reduced[:, p])) / s0),
            "km": (km1 + k2) / k1, "vmax": k2 * e0, "initial_rate": rate0, "time": t,
            "substrate_full": full[:, s], "substrate_reduced": reduced[:, s],
            "complex_full": full[:, c], "complex_reduced": reduced[:, c],
            "product_full": full[:, p], "product_reduced": reduced[:, p],
        }
