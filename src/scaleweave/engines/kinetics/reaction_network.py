"""A well-mixed reaction network: species, mass-action reactions and its rate equations.

Conventions (units)
-------------------
The state is a vector of **copy numbers** (molecule or individual counts, not
concentrations); the volume is absorbed into the rate constants. Each reaction ``j``
has reactant stoichiometry ``nu_ij >= 0`` (how many of species ``i`` it consumes),
product stoichiometry ``nu'_ij`` and a **stochastic rate constant** ``c_j`` in 1/s
per distinct combination of reactant molecules. Its propensity (1/s) is

.. math:: h_j(x) = c_j \\prod_i \\binom{x_i}{\\nu_{ij}},

so ``A + B -> C`` has ``h = c x_A x_B`` and ``2 A -> B`` has ``h = c x_A (x_A - 1)/2``.
For a concentration-based macroscopic constant ``k`` of a reaction of total order
``m`` in volume ``V`` (with Avogadro's number ``N_A``),
``c = k prod_i(nu_ij!) / (N_A V)^(m - 1)``; converting is the caller's job.

The deterministic path (:func:`rate_equations`, :func:`solve_rate_equations`) uses the
large-copy-number limit of the same propensities in copy numbers,
``a_j(y) = c_j prod_i y_i^nu_ij / nu_ij!``, so that both paths share one set of
constants and agree exactly for first-order (linear) networks.

:class:`ReactionNetwork` checks its input (one-line :class:`~scaleweave.errors.ConfigError`)
and derives the dense and padded arrays the Numba kernels of
:mod:`scaleweave.engines.kinetics.ssa` and :mod:`scaleweave.engines.kinetics.tau_leap` take.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp

from scaleweave.core.constants import AVOGADRO
from scaleweave.errors import ConfigError, ModelError

__all__ = [
    "Reaction",
    "ReactionNetwork",
    "rate_equations",
    "rate_jacobian",
    "solve_rate_equations",
    "stochastic_rate",
]



@dataclass(frozen=True)
class Reaction:
    """One mass-action reaction.

    Parameters
    ----------
    reactants : mapping of str to int
        Species consumed and how many of each (``{"A": 2}`` for ``2 A``); ``{}`` for
        a source (``0 -> A``).
    products : mapping of str to int
        Species produced and how many of each.
    rate : float
        Stochastic rate constant ``c`` (1/s per reactant combination), >= 0.
    name : str
        Label used in messages; defaults to ``"A + B -> C"``.
    """

    reactants: Mapping[str, int]
    products: Mapping[str, int]
    rate: float
    name: str = field(default="")

    def label(self) -> str:
        """``name`` if given, else the reaction written out (``"2 A -> B"``)."""
        if self.name:
            return self.name

        def side(d: Mapping[str, int]) -> str:
            terms = [(f"{n} " if n != 1 else "") + s for s, n in d.items() if n]
            return " + ".join(terms) or "0"

        return f"{side(self.reactants)} -> {side(self.products)}"


def _unknown(species: object, names: Sequence[str]) -> str:
    """``"unknown species 'X'; did you mean 'Y'?"`` (case-insensitive closest name)."""
    lowered = {n.lower(): n for n in names}
    close = difflib.get_close_matches(str(species).lower(), list(lowered), n=1)
    hint = (f"; did you mean {lowered[close[0]]!r}?" if close
            else f"; known species: {', '.join(names)}")
    return f"unknown species {species!r}{hint}"


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral | np.integer):
        raise ConfigError(f"{what} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ConfigError(f"{what} must be a non-negative integer, got {value!r}")
    return int(value)


class ReactionNetwork:
    """Species with initial copy numbers and mass-action reactions between them.

    Parameters
    ----------
    species : mapping of str to int, or sequence of (str, int) pairs
        Species names in order, each with its initial copy number (>= 0). A
        sequence of pairs may be used to detect a name given twice.
    reactions : sequence of Reaction
        The reactions, in order.

    Attributes
    ----------
    names : tuple of str
        Species names; index ``i`` of every array below.
    x0 : ndarray of int64, shape (n_species,)
        Initial copy numbers.
    rates : ndarray of float64, shape (n_reactions,)
        Stochastic rate constants ``c_j`` (1/s per combination).
    reactant_matrix, product_matrix : ndarray of int64, shape (n_reactions, n_species)
        ``nu_ij`` and ``nu'_ij``.
    stoichiometry : ndarray of int64, shape (n_reactions, n_species)
        Net change ``nu'_ij - nu_ij`` of each species when reaction ``j`` fires.
    reactant_orders : ndarray of int64, shape (n_reactions,)
        Total order ``sum_i nu_ij`` of each reaction.

    Examples
    --------
    >>> net = ReactionNetwork({"X": 5}, [Reaction({"X": 1}, {"X": 2}, 2.0),
    ...                                  Reaction({"X": 1}, {}, 1.0)])
    >>> net.stoichiometry.tolist()
    [[1], [-1]]
    >>> net.propensities(net.x0).tolist()
    [10.0, 5.0]
    """

    def __init__(self, species: Mapping[str, int] | Sequence[tuple[str, int]],
                 reactions: Sequence[Reaction]) -> None:
        pairs = list(species.items()) if isinstance(species, Mapping) else list(species)
        if not pairs:
            raise ConfigError("reaction network has no species; give at least one name")
        names: list[str] = []
        x0: list[int] = []
        for item in pairs:
            if not (isinstance(item, tuple | list) and len(item) == 2):
                raise ConfigError(f"species entry {item!r} must be a (name, copy number) pair")
            name, n = item
            if not isinstance(name, str) or not name:
                raise ConfigError(f"species name must be a non-empty string, got {name!r}")
            if name in names:
                raise ConfigError(f"species {name!r} is given twice; names must be unique")
            names.append(name)
            x0.append(_count(n, f"initial copy number of species {name!r}"))
        if not reactions:
            raise ConfigError("reaction network has no reactions; give at least one")
        self.names: tuple[str, ...] = tuple(names)
        self.x0 = np.asarray(x0, dtype=np.int64)
        index = {s: i for i, s in enumerate(names)}
        n_r, n_s = len(reactions), len(names)
        self.reactions: tuple[Reaction, ...] = tuple(reactions)
        self.reactant_matrix = np.zeros((n_r, n_s), dtype=np.int64)
        self.product_matrix = np.zeros((n_r, n_s), dtype=np.int64)
        self.rates = np.empty(n_r, dtype=np.float64)
        for j, r in enumerate(reactions):
            if not isinstance(r, Reaction):
                raise ConfigError(f"reaction {j} must be a Reaction, got {type(r).__name__}")
            label = r.label()
            rate = r.rate
            if (isinstance(rate, bool) or not isinstance(rate, numbers.Real)
                    or not math.isfinite(rate) or rate < 0):
                raise ConfigError(f"reaction {j} ({label}): rate constant must be a finite "
                                  f"number >= 0 (1/s per combination), got {rate!r}")
            self.rates[j] = float(rate)
            for side, matrix in ((r.reactants, self.reactant_matrix),
                                 (r.products, self.product_matrix)):
                for s, n in side.items():
                    if s not in index:
                        raise ConfigError(f"reaction {j} ({label}) names {_unknown(s, names)}")
                    matrix[j, index[s]] += _count(n, f"reaction {j} ({label}): "
                                                     f"stoichiometry of {s!r}")
        self.stoichiometry = self.product_matrix - self.reactant_matrix
        self.reactant_orders = self.reactant_matrix.sum(axis=1)
        self._log_fact = np.array([[math.lgamma(v + 1) for v in row]
                                   for row in self.reactant_matrix]).reshape(n_r, n_s)

    # ------------------------------------------------------------------ sizes
    @property
    def n_species(self) -> int:
        """Number of species."""
        return len(self.names)

    @property
    def n_reactions(self) -> int:
        """Number of reactions."""
        return len(self.reactions)

    def index(self, species: str) -> int:
        """Position of ``species`` in :attr:`names` (ConfigError with a suggestion if unknown)."""
        if species not in self.names:
            raise ConfigError(_unknown(species, self.names))
        return self.names.index(species)

    def initial_state(self, x0: Mapping[str, int] | np.ndarray | None = None) -> np.ndarray:
        """Initial copy numbers as int64: the network's own, overridden by ``x0``.

        Parameters
        ----------
        x0 : mapping of str to int, or array of shape (n_species,), optional
            A mapping changes only the species it names.
        """
        state = self.x0.copy()
        if x0 is None:
            return state
        if isinstance(x0, Mapping):
            for s, n in x0.items():
                state[self.index(s)] = _count(n, f"initial copy number of species {s!r}")
            return state
        arr = np.asarray(x0)
        if arr.shape != state.shape:
            raise ConfigError(f"initial state has shape {arr.shape}; expected "
                              f"({self.n_species},) for species {', '.join(self.names)}")
        for s, n in zip(self.names, arr.tolist(), strict=True):
            _count(n, f"initial copy number of species {s!r}")
        return arr.astype(np.int64)

    # ----------------------------------------------------------- kernel arrays
    def kernel_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Padded sparse arrays for the Numba kernels.

        Returns
        -------
        rates : ndarray of float64, shape (n_reactions,)
            Stochastic rate constants (1/s per combination).
        reactant_species, reactant_nu : ndarray of int64, shape (n_reactions, k)
            For reaction ``j``, the species index and count ``nu_ij`` of each reactant,
            padded with ``-1`` / ``0`` (``k`` is the most distinct reactants of any
            reaction, at least 1).
        change_species, change_amount : ndarray of int64, shape (n_reactions, m)
            The species whose count changes when ``j`` fires and by how much, padded
            with ``-1`` / ``0``.
        """
        def pad(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            nz = [np.flatnonzero(row) for row in matrix]
            width = max(1, max(len(i) for i in nz))
            idx = np.full((len(nz), width), -1, dtype=np.int64)
            val = np.zeros((len(nz), width), dtype=np.int64)
            for j, i in enumerate(nz):
                idx[j, :len(i)] = i
                val[j, :len(i)] = matrix[j, i]
            return idx, val

        r_idx, r_nu = pad(self.reactant_matrix)
        c_idx, c_amt = pad(self.stoichiometry)
        return self.rates.copy(), r_idx, r_nu, c_idx, c_amt

    # --------------------------------------------------------- propensities
    def propensities(self, x: np.ndarray) -> np.ndarray:
        """Stochastic propensities ``h_j = c_j prod_i binom(x_i, nu_ij)`` (1/s), pure NumPy.

        The reference against which the kernels' propensities are tested.
        """
        x = np.asarray(x, dtype=np.int64)
        out = self.rates.copy()
        for j in range(self.n_reactions):
            for i in np.flatnonzero(self.reactant_matrix[j]):
                out[j] *= math.comb(int(x[i]), int(self.reactant_matrix[j, i]))
        return out

    def __repr__(self) -> str:
        return (f"ReactionNetwork(species={list(self.names)}, "
                f"reactions=[{'; '.join(r.label() for r in self.reactions)}])")


def stochastic_rate(k: object, reactants: Mapping[str, int], *, volume: object = None,
                    where: str = "reaction") -> float:
    """Stochastic rate constant ``c`` (1/s per combination) from a macroscopic one with units.

    Parameters
    ----------
    k : pint.Quantity or str
        The concentration-based constant of a reaction of total order ``m``, with a
        unit of dimension concentration^(1-m) / time: ``"1/s"`` for first order,
        ``"1/(M*s)"`` or ``"L/(mol*s)"`` for second, ``"nM/s"`` for a source (m = 0).
    reactants : mapping of str to int
        Reactant stoichiometry ``nu_i`` (gives ``m`` and ``prod nu_i!``).
    volume : pint.Quantity, str or float, optional
        Reaction volume (``"1 pL"``; a bare number is read in m^3), needed unless m = 1.
    where : str
        Names the reaction in messages.

    Returns
    -------
    float
        ``c = k prod(nu_i!) / (N_A V)^(m - 1)`` in SI (1/s).

    Raises
    ------
    UnitError
        ``k``'s unit does not fit the order (e.g. a second-order constant in 1/s).
    ConfigError
        Negative ``k``, or a volume is needed and missing.

    Examples
    --------
    ``A + B`` at 10^6 /(M s) in 1 pL: ``c = 10^3 m^3/(mol s) / (N_A 10^-15 m^3)``.

    >>> round(stochastic_rate("1e6 1/(M*s)", {"A": 1, "B": 1}, volume="1 pL") * 1e6, 4)
    1.6605
    """
    from scaleweave.core.units import parse_quantity, ureg
    from scaleweave.errors import UnitError

    m = int(sum(int(n) for n in reactants.values()))
    try:  # pint's own parser also reads "1e6 1/(M*s)" (a unit starting with a digit)
        q = ureg.Quantity(k) if isinstance(k, str) else parse_quantity(k, "")
    except Exception as exc:
        raise UnitError(f"{where}: cannot read rate constant {k!r} as a quantity: {exc}"
                        ) from None
    expected = ureg.Quantity(1.0, "mol/m^3") ** (1 - m) / ureg.Quantity(1.0, "s")
    if q.dimensionality != expected.dimensionality:
        want = {0: "concentration/time, e.g. nM/s", 1: "1/time, e.g. 1/s",
                2: "1/(concentration*time), e.g. 1/(M*s)"}.get(
                    m, f"concentration^{1 - m}/time")
        raise UnitError(f"{where}: rate constant {q:~P} has the wrong unit for a reaction of "
                        f"order {m}; expected {want}")
    k_si = float(q.to(expected.units).magnitude)
    if not math.isfinite(k_si) or k_si < 0:
        raise ConfigError(f"{where}: rate constant must be a finite number >= 0, got {q:~P}")
    fact = math.prod(math.factorial(int(n)) for n in reactants.values())
    if m == 1:
        return k_si * fact
    if volume is None:
        raise ConfigError(f"{where}: a reaction of order {m} needs the reaction volume to turn "
                          f"its concentration-based constant into a per-molecule one")
    v = float(parse_quantity(volume, "m^3").to("m^3").magnitude)
    if not v > 0:
        raise ConfigError(f"{where}: volume must be positive, got {volume!r}")
    return k_si * fact / (AVOGADRO * v) ** (m - 1)


# ---------------------------------------------------------------- ODE path
def _deterministic_rates(net: ReactionNetwork, y: np.ndarray) -> np.ndarray:
    """``a_j(y) = c_j prod_i y_i^nu_ij / nu_ij!`` (1/s), the large-number propensities."""
    powers = np.prod(np.power(y[None, :], net.reactant_matrix), axis=1)
    return net.rates * powers / np.exp(net._log_fact.sum(axis=1))


def rate_equations(net: ReactionNetwork, y: np.ndarray) -> np.ndarray:
    """Right-hand side ``dy/dt = S^T a(y)`` of the rate equations (copies/s).

    Parameters
    ----------
    net : ReactionNetwork
        The network.
    y : ndarray, shape (n_species,)
        Mean copy numbers (real-valued).
    """
    return net.stoichiometry.T.astype(float) @ _deterministic_rates(net, np.asarray(y, float))


def rate_jacobian(net: ReactionNetwork, y: np.ndarray) -> np.ndarray:
    """Jacobian ``d(dy/dt)/dy`` (1/s), shape (n_species, n_species), for stiff solvers."""
    y = np.asarray(y, dtype=float)
    nu = net.reactant_matrix
    scale = net.rates / np.exp(net._log_fact.sum(axis=1))
    da = np.zeros((net.n_reactions, net.n_species))
    for j in range(net.n_reactions):
        for i in np.flatnonzero(nu[j]):
            powers = np.power(y, nu[j]).astype(float)
            powers[i] = nu[j, i] * y[i] ** (nu[j, i] - 1)
            da[j, i] = scale[j] * np.prod(powers)
    return net.stoichiometry.T.astype(float) @ da


def solve_rate_equations(net: ReactionNetwork, t_eval: np.ndarray, *,
                         y0: np.ndarray | None = None, method: str = "LSODA",
                         rtol: float = 1e-8, atol: float = 1e-8) -> np.ndarray:
    """Deterministic mass-action trajectory at ``t_eval`` (s) with ``scipy.integrate.solve_ivp``.

    Parameters
    ----------
    net : ReactionNetwork
        The network; its rate constants are used in the large-number form (module doc).
    t_eval : ndarray, shape (n_times,)
        Non-decreasing output times (s) from 0.
    y0 : ndarray, optional
        Initial mean copy numbers; default ``net.x0``.
    method : str
        ``"LSODA"`` (switches stiff/non-stiff automatically), ``"BDF"`` or ``"Radau"``
        for stiff networks (given the analytic Jacobian), or an explicit method.
    rtol, atol : float
        Solver tolerances (relative; absolute in copies).

    Returns
    -------
    ndarray, shape (n_times, n_species)
        Mean copy numbers.

    Examples
    --------
    >>> net = ReactionNetwork({"X": 100}, [Reaction({"X": 1}, {}, 0.5)])
    >>> y = solve_rate_equations(net, np.array([0.0, 2.0]))
    >>> bool(abs(y[1, 0] - 100 * np.exp(-1.0)) < 1e-5)
    True
    """
    t_eval = np.asarray(t_eval, dtype=float)
    if t_eval.ndim != 1 or t_eval.size == 0 or t_eval[0] < 0 or np.any(np.diff(t_eval) < 0):
        raise ConfigError("t_eval must be a non-empty, non-decreasing 1-D array of times >= 0 s")
    y_init = net.x0.astype(float) if y0 is None else np.asarray(y0, dtype=float)
    options = {} if method in ("RK45", "RK23", "DOP853") else {
        "jac": lambda t, y: rate_jacobian(net, y)}
    sol = solve_ivp(lambda t, y: rate_equations(net, y), (0.0, float(t_eval[-1])), y_init,
                    method=method, t_eval=t_eval, rtol=rtol, atol=atol, **options)
    if not sol.success:
        raise ModelError(f"rate equations ({method}) failed: {sol.message}")
    return sol.y.T
