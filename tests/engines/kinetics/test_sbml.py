"""SBML import/export of mass-action networks (python-libsbml)."""

import numpy as np
import pytest

pytest.importorskip("libsbml")  # the [sbml] extra; CI installs [all]
import libsbml

from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork
from scaleweave.engines.kinetics.sbml import read_sbml, write_sbml
from scaleweave.errors import ConfigError


def _birth_death_sbml(path, *, law_birth="b * X", volume=1.0, extra_law=None):
    """A birth-death (+ dimerisation) model written with libsbml itself, in concentrations."""
    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId("birth_death")
    c = m.createCompartment()
    c.setId("cell")
    c.setSize(volume)
    c.setConstant(True)
    for sid, amount in (("X", 10.0), ("D", 0.0)):
        s = m.createSpecies()
        s.setId(sid)
        s.setCompartment("cell")
        s.setInitialAmount(amount)
        s.setHasOnlySubstanceUnits(False)  # symbols are concentrations
        s.setBoundaryCondition(False)
        s.setConstant(False)
    for pid, val in (("b", 2.0), ("d", 1.0)):
        p = m.createParameter()
        p.setId(pid)
        p.setValue(val)
        p.setConstant(True)

    def reaction(rid, reac, prod, formula, local=None):
        r = m.createReaction()
        r.setId(rid)
        r.setReversible(False)
        for sid, n in reac.items():
            ref = r.createReactant()
            ref.setSpecies(sid)
            ref.setStoichiometry(n)
            ref.setConstant(True)
        for sid, n in prod.items():
            ref = r.createProduct()
            ref.setSpecies(sid)
            ref.setStoichiometry(n)
            ref.setConstant(True)
        law = r.createKineticLaw()
        for pid, val in (local or {}).items():
            lp = law.createLocalParameter()
            lp.setId(pid)
            lp.setValue(val)
        law.setMath(libsbml.parseL3Formula(formula))

    # SBML laws are amount/time: k * [X] * V for first order.
    reaction("birth", {"X": 1}, {"X": 2}, f"cell * {law_birth}")
    reaction("death", {"X": 1}, {}, "cell * d * X")
    reaction("dimer", {"X": 2}, {"D": 1}, extra_law or "cell * kd * X^2", {"kd": 0.5})
    assert libsbml.writeSBMLToFile(doc, str(path))
    return path


def test_read_birth_death_concentrations_and_round_trip(tmp_path):
    v = 2.0
    net = read_sbml(_birth_death_sbml(tmp_path / "bd.xml", volume=v))
    assert net.names == ("X", "D")
    assert net.x0.tolist() == [10, 0]
    np.testing.assert_array_equal(net.stoichiometry, [[1, 0], [-1, 0], [-2, 1]])
    # first order: c = k; second order in concentrations: rate = V kd (X/V)^2 = kd X^2 / V,
    # so c = 2 kd / V (our a = c X^2 / 2).
    np.testing.assert_allclose(net.rates, [2.0, 1.0, 2 * 0.5 / v], rtol=1e-12)
    back = read_sbml(write_sbml(net, tmp_path / "back.xml"))
    assert back.names == net.names
    np.testing.assert_array_equal(back.x0, net.x0)
    np.testing.assert_array_equal(back.reactant_matrix, net.reactant_matrix)
    np.testing.assert_array_equal(back.product_matrix, net.product_matrix)
    np.testing.assert_allclose(back.rates, net.rates, rtol=1e-12)


def test_round_trip_of_a_mixed_network(tmp_path):
    net = ReactionNetwork({"A": 3, "B": 0, "C": 7}, [
        Reaction({}, {"A": 1}, 5.0), Reaction({"A": 1, "C": 1}, {"B": 1}, 0.1),
        Reaction({"A": 3}, {"C": 1}, 0.01), Reaction({"B": 1}, {}, 1.0)])
    back = read_sbml(write_sbml(net, tmp_path / "m.xml"))
    np.testing.assert_allclose(back.rates, net.rates, rtol=1e-12)
    np.testing.assert_array_equal(back.stoichiometry, net.stoichiometry)
    np.testing.assert_allclose(back.propensities(np.array([4, 2, 9])),
                               net.propensities(np.array([4, 2, 9])), rtol=1e-12)


def test_unreadable_files_name_file_and_reason(tmp_path):
    with pytest.raises(ConfigError, match=r"missing\.xml.*no such file"):
        read_sbml(tmp_path / "missing.xml")
    bad = tmp_path / "bad.xml"
    bad.write_text("<sbml><model><oops></sbml>")
    with pytest.raises(ConfigError, match=r"bad\.xml.*cannot be read: line"):
        read_sbml(bad)
    mm = _birth_death_sbml(tmp_path / "mm.xml", law_birth="vmax * X / (km + X)")
    with pytest.raises(ConfigError, match="unknown symbol 'vmax'"):
        read_sbml(mm)
    hill = _birth_death_sbml(tmp_path / "hill.xml", law_birth="b * X / (1 + X)")
    with pytest.raises(ConfigError, match=r"hill\.xml.*reaction 'birth'.*not mass action"):
        read_sbml(hill)
