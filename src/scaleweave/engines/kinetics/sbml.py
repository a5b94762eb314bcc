"""Import (and export) of mass-action reaction networks in SBML, with python-libsbml.

:func:`read_sbml` turns an SBML model's species, parameters and kinetic laws into a
:class:`~scaleweave.engines.kinetics.reaction_network.ReactionNetwork`. Each kinetic law must be
mass action, ``k * prod_i [X_i]^nu_i`` (global or local parameters, compartment
factors and numbers allowed); it is evaluated numerically at two random states to
check that form and to read ``k``. Species symbols stand for amounts when the species
has ``hasOnlySubstanceUnits``, else for concentrations ``amount / compartment size``;
the kinetic law is a rate in amount per time (SBML's convention), so the stochastic
constant of our convention (copy numbers, ``a = c prod y^nu / nu!``) is
``c = rate(x) prod(nu!) / prod(x^nu)``. Initial amounts must be whole copy numbers.

:func:`write_sbml` writes a network back (Level 3 Version 2, amounts, compartment of
size 1), so a round trip returns the same network.

Unreadable input (a missing file, XML or SBML errors, a non-mass-action law) is a
:class:`~scaleweave.errors.ConfigError` naming the file and the reason. Needs the
``sbml`` extra (``pip install 'scaleweave[sbml]'``).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from scaleweave._optional import import_optional
from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork
from scaleweave.errors import ConfigError

__all__ = ["read_sbml", "write_sbml"]


def _libsbml() -> Any:
    return import_optional("libsbml", "SBML import", "sbml")


def _evaluate(node: Any, values: dict[str, float], where: str, libsbml: Any) -> float:
    """Value of a MathML AST with names from ``values`` (arithmetic and ``pow`` only)."""
    t = node.getType()
    kids = [node.getChild(i) for i in range(node.getNumChildren())]

    def ev(n):
        return _evaluate(n, values, where, libsbml)

    if node.isNumber():
        return float(node.getValue())
    if t == libsbml.AST_NAME:
        name = node.getName()
        if name not in values:
            raise ConfigError(f"{where}: unknown symbol {name!r} in kinetic law")
        return values[name]
    if t == libsbml.AST_PLUS:
        return sum(ev(k) for k in kids)
    if t == libsbml.AST_MINUS:
        return -ev(kids[0]) if len(kids) == 1 else ev(kids[0]) - ev(kids[1])
    if t == libsbml.AST_TIMES:
        return math.prod(ev(k) for k in kids)
    if t == libsbml.AST_DIVIDE:
        return ev(kids[0]) / ev(kids[1])
    if t in (libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER):
        return ev(kids[0]) ** ev(kids[1])
    raise ConfigError(f"{where}: kinetic law uses {libsbml.formulaToL3String(node)!r}, which "
                      f"is not mass action (only +, -, *, /, ^ of species and constants)")


def read_sbml(path: str | os.PathLike) -> ReactionNetwork:
    """Read a mass-action SBML model into a :class:`ReactionNetwork`.

    Parameters
    ----------
    path : path
        The SBML file.

    Returns
    -------
    ReactionNetwork
        Species in document order with their initial copy numbers; reactions with
        stochastic rate constants (1/s per reactant combination).

    Raises
    ------
    ConfigError
        The file is missing or unreadable, the model has errors, a kinetic law is
        missing or not mass action, or an initial amount is not a whole number.
    """
    libsbml = _libsbml()
    path = Path(path)
    where = f"SBML file {str(path)!r}"
    if not path.is_file():
        raise ConfigError(f"{where}: cannot be read: no such file")
    doc = libsbml.readSBMLFromFile(str(path))
    errors = [doc.getError(i) for i in range(doc.getNumErrors())]
    fatal = [e for e in errors if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    if fatal:
        e = fatal[0]
        raise ConfigError(f"{where}: cannot be read: line {e.getLine()}: "
                          f"{e.getMessage().strip()}")
    model = doc.getModel()
    if model is None:
        raise ConfigError(f"{where}: cannot be read: the document has no model")
    values: dict[str, float] = {}
    for c in model.getListOfCompartments():
        values[c.getId()] = c.getSize() if c.isSetSize() else 1.0
    for p in model.getListOfParameters():
        values[p.getId()] = p.getValue()
    species: list[tuple[str, int]] = []
    volume: dict[str, float] = {}
    amount_only: dict[str, bool] = {}
    for s in model.getListOfSpecies():
        sid = s.getId()
        vol = values.get(s.getCompartment(), 1.0)
        if s.isSetInitialAmount():
            amount = s.getInitialAmount()
        elif s.isSetInitialConcentration():
            amount = s.getInitialConcentration() * vol
        else:
            amount = 0.0
        if not math.isfinite(amount) or amount < 0 or abs(amount - round(amount)) > 1e-9 * max(
                1.0, abs(amount)):
            raise ConfigError(f"{where}: species {sid!r} starts at {amount!r}; a reaction "
                              f"network needs a whole copy number >= 0")
        species.append((sid, round(amount)))
        volume[sid] = vol
        amount_only[sid] = bool(s.getHasOnlySubstanceUnits())
    names = [s for s, _ in species]
    rng = np.random.default_rng(12345)
    reactions: list[Reaction] = []
    for r in model.getListOfReactions():
        rid = r.getId()
        rwhere = f"{where}, reaction {rid!r}"
        reac: dict[str, int] = {}
        prod: dict[str, int] = {}
        for side, out in ((r.getListOfReactants(), reac), (r.getListOfProducts(), prod)):
            for ref in side:
                st = ref.getStoichiometry() if ref.isSetStoichiometry() else 1.0
                if st < 0 or st != round(st):
                    raise ConfigError(f"{rwhere}: stoichiometry {st} of {ref.getSpecies()!r} "
                                      f"must be a whole number >= 0")
                out[ref.getSpecies()] = out.get(ref.getSpecies(), 0) + round(st)
        law = r.getKineticLaw()
        if law is None or law.getMath() is None:
            raise ConfigError(f"{rwhere}: has no kinetic law")
        local = dict(values)
        for p in law.getListOfLocalParameters():
            local[p.getId()] = p.getValue()
        for p in law.getListOfParameters():
            local[p.getId()] = p.getValue()
        rates = []
        for _ in range(2):
            x = {s: float(rng.integers(5, 50)) for s in names}
            sym = dict(local)
            for s in names:
                sym[s] = x[s] if amount_only[s] else x[s] / volume[s]
            rate = _evaluate(law.getMath(), sym, rwhere, libsbml)
            denom = math.prod(x[s] ** n / math.factorial(n) for s, n in reac.items())
            rates.append(rate / denom)
        c = rates[0]
        if not (math.isfinite(c) and abs(rates[1] - c) <= 1e-9 * max(abs(c), 1e-300)):
            raise ConfigError(f"{rwhere}: kinetic law "
                              f"{libsbml.formulaToL3String(law.getMath())!r} is not mass "
                              f"action in its reactants {sorted(reac) or '(none)'}; split "
                              f"reversible laws into two reactions")
        if c < 0:
            raise ConfigError(f"{rwhere}: rate constant {c} is negative")
        reactions.append(Reaction(reac, prod, float(c), rid))
    return ReactionNetwork(species, reactions)


def write_sbml(net: ReactionNetwork, path: str | os.PathLike, *, model_id: str = "network"
               ) -> Path:
    """Write ``net`` as SBML Level 3 Version 2 (amounts, one compartment of size 1).

    Each reaction gets a local parameter ``k`` equal to ``c / prod(nu!)`` and the law
    ``k * prod X^nu``, so that :func:`read_sbml` returns the same network.
    """
    libsbml = _libsbml()
    doc = libsbml.SBMLDocument(3, 2)
    model = doc.createModel()
    model.setId(model_id)
    comp = model.createCompartment()
    comp.setId("cell")
    comp.setSize(1.0)
    comp.setConstant(True)
    for name, n in zip(net.names, net.x0.tolist(), strict=True):
        s = model.createSpecies()
        s.setId(name)
        s.setCompartment("cell")
        s.setInitialAmount(float(n))
        s.setHasOnlySubstanceUnits(True)
        s.setBoundaryCondition(False)
        s.setConstant(False)
    for j, r in enumerate(net.reactions):
        rx = model.createReaction()
        rx.setId(f"R{j}")
        rx.setReversible(False)
        for side, add in ((r.reactants, rx.createReactant), (r.products, rx.createProduct)):
            for sname, n in side.items():
                ref = add()
                ref.setSpecies(sname)
                ref.setStoichiometry(float(n))
                ref.setConstant(True)
        law = rx.createKineticLaw()
        k = law.createLocalParameter()
        k.setId("k")
        k.setValue(float(r.rate) / math.prod(math.factorial(n) for n in r.reactants.values()))
        terms = ["k"] + [f"{s}^{n}" if n > 1 else s for s, n in r.reactants.items() if n]
        law.setMath(libsbml.parseL3Formula(" * ".join(terms)))
    path = Path(path)
    if not libsbml.writeSBMLToFile(doc, str(path)):
        raise ConfigError(f"SBML file {str(path)!r}: cannot be written")
    return path
