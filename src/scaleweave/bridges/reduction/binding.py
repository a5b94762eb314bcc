"""Virus binding reduced by QSSA to an infection rate: seconds slaved to hours.

A virion binds a target cell and either unbinds or enters it,

.. math:: V + S \\rightleftharpoons B \\rightarrow E, \\qquad V \\rightarrow 0,

with binding ``k_on`` (1/s per virion per cell), unbinding ``k_off``, entry
``k_entry`` and clearance ``c`` (1/s). Binding and unbinding take seconds, the
infection cycle hours, so the bound complex ``B`` is slaved
(:mod:`scaleweave.bridges.reduction.qssa`): the effective network is
``V + S -> E`` with

.. math:: \\beta = \\frac{k_{on} k_{entry}}{k_{off} + k_{entry}},

and the validity diagnostic (Segel & Slemrod 1989, SIAM Rev. 31, 446) is
``epsilon = (k_on N + c) / (k_off + k_entry)`` for ``N`` susceptible cells (the
larger of that and ``k_on V0 / (k_off + k_entry)`` when the virions outnumber the
cells). The diagnostic is reported, not warned: the bridge declares it
(:class:`BindingQSSAModel`, for its study's policy) and :func:`effective_infection_rate`
returns it, with a ``validity`` policy for direct calls. Units: copy numbers; rate
constants in 1/s.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scaleweave.core.checks import Validity, apply_validity_policy, check_policy
from scaleweave.core.model import Bridge, Diagnostic, Port
from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork

__all__ = ["BindingQSSAModel", "binding_network", "binding_rate", "effective_infection_rate"]

#: The diagnostic's name (as :meth:`QSSAReduction.validity` words it for fast ``B``).
_EPSILON = ("epsilon (fast B: fast/slow time scale ratio, about the reduced model's relative "
            "error; >= 1: not fast at all)")


def binding_network(v0: int, n_cells: int, k_on: float, k_off: float, k_entry: float,
                    clearance: float) -> ReactionNetwork:
    """Virus binding and entry, ``V + S <-> B -> E``, plus clearance ``V -> 0``.

    Parameters
    ----------
    v0 : int
        Initial free virions ``V``.
    n_cells : int
        Susceptible cells ``S``.
    k_on : float
        Binding rate of one virion to one cell (1/s).
    k_off, k_entry, clearance : float
        Unbinding, entry of a bound virion and clearance of a free one (1/s).

    Returns
    -------
    ReactionNetwork
        Species ``V``, ``S``, ``B`` (bound), ``E`` (entered, i.e. infected cells).
    """
    return ReactionNetwork({"V": int(v0), "S": int(n_cells), "B": 0, "E": 0}, [
        Reaction({"V": 1, "S": 1}, {"B": 1}, k_on, "bind"),
        Reaction({"B": 1}, {"V": 1, "S": 1}, k_off, "unbind"),
        Reaction({"B": 1}, {"E": 1}, k_entry, "entry"),
        Reaction({"V": 1}, {}, clearance, "clear")])


def binding_rate(k_on: Any, k_off: Any, k_entry: Any) -> Any:
    """The closed form of the QSSA infection rate, ``k_on k_entry / (k_off + k_entry)``.

    Parameters
    ----------
    k_on, k_off, k_entry : float or ndarray
        As in :func:`binding_network` (1/s).

    Returns
    -------
    float or ndarray
        ``beta`` (1/s per virion per susceptible cell); bit for bit what
        :func:`effective_infection_rate` gets from the reduced network.

    Examples
    --------
    >>> binding_rate(2.0, 1.0, 1.0)
    1.0
    """
    return k_on * k_entry / (k_off + k_entry)


def effective_infection_rate(net: ReactionNetwork, eps_max: float = 0.1, *,
                             validity: str = "record") -> tuple[float, list[Validity], float]:
    """``beta`` of ``V + S -> E`` (1/s per virion per susceptible cell) by QSSA of ``B``.

    Parameters
    ----------
    net : ReactionNetwork
        A :func:`binding_network`.
    eps_max : float
        Largest epsilon for which the reduction counts as valid.
    validity : {"record", "warn", "raise"}
        What ``epsilon > eps_max`` does besides being returned: nothing; a
        :class:`~scaleweave.errors.ValidityWarning`; or a
        :class:`~scaleweave.errors.ValidityError`
        (:func:`~scaleweave.core.checks.apply_validity_policy`).

    Returns
    -------
    beta : float
    validity : list of Validity
        The QSSA epsilon against ``eps_max``
        (:meth:`~scaleweave.bridges.reduction.qssa.QSSAReduction.validity`).
    epsilon : float
    """
    from scaleweave.bridges.reduction.qssa import QSSAReduction

    check_policy(validity)
    red = QSSAReduction(net, ["B"], eps_max=eps_max)
    checks = red.validity()
    apply_validity_policy(checks, validity)
    eff = red.effective_network()
    beta = sum(r.rate for r in eff.reactions
               if dict(r.reactants) == {"V": 1, "S": 1} and r.products.get("E", 0) == 1)
    return float(beta), checks, red.epsilon


class BindingQSSAModel(Bridge):
    """The binding network reduced by QSSA: rate constants in, ``beta`` and epsilon out.

    Vectorized over a leading sample axis (one reduction per sample: the
    reduction is a 1 x 1 eigenproblem and one linear solve).

    Parameters
    ----------
    eps_max : float
        Largest epsilon for which the reduction counts as valid (the diagnostic's limit).
    name : str
        Instance name in a study.

    Examples
    --------
    >>> out = BindingQSSAModel().evaluate({"k_on": 1e-5, "k_off": 1.0, "k_entry": 1.0,
    ...                                    "clearance": 0.0, "virions0": 10,
    ...                                    "n_cells": 100})
    >>> float(out["beta"]), round(float(out["epsilon"]), 9)
    (5e-06, 0.0005)
    """

    inputs = (
        Port("k_on", "1/s", description="binding rate of a virion to one cell"),
        Port("k_off", "1/s", description="unbinding rate"),
        Port("k_entry", "1/s", description="entry rate of a bound virion"),
        Port("clearance", "1/s", description="free virion clearance"),
        Port("virions0", "", description="initial free virions"),
        Port("n_cells", "", description="susceptible cells"),
    )
    outputs = (
        Port("beta", "1/s", description="infection rate per virion per susceptible cell"),
        Port("epsilon", "", description="QSSA validity: fast/slow time scale ratio"),
    )
    vectorized = True
    identity = "reduction.binding_qssa"
    diagnostics = (Diagnostic(_EPSILON, "epsilon", "eps_max"),)
    length_scale = 1e-5  # one cell
    time_scale = 1.0  # binding and unbinding: seconds

    def __init__(self, *, eps_max: float = 0.1, name: str = "qssa") -> None:
        self.name = name
        self.eps_max = eps_max

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        names = ("virions0", "n_cells", "k_on", "k_off", "k_entry", "clearance")
        args = np.broadcast_arrays(*(np.asarray(inputs[n], dtype=float) for n in names))
        beta, eps = np.empty(args[0].shape), np.empty(args[0].shape)
        for i in np.ndindex(args[0].shape):  # samples, not events: one reduction each
            v0, n, k_on, k_off, k_entry, clearance = (float(a[i]) for a in args)
            net = binding_network(round(v0), round(n), k_on, k_off, k_entry, clearance)
            beta[i], _, eps[i] = effective_infection_rate(net, self.eps_max)
        if beta.ndim == 0:
            return {"beta": float(beta), "epsilon": float(eps)}
        return {"beta": beta, "epsilon": eps}
