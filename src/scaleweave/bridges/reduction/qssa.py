"""Quasi-steady-state reduction of a reaction network: fast species slaved to slow ones.

Given a :class:`~scaleweave.engines.kinetics.reaction_network.ReactionNetwork` and the names of
its **fast** species, the reduced model keeps the rate equations of the slow species
and replaces those of the fast ones by the algebraic steady state

.. math:: Q^T f_F(y_S, y_F) = 0, \\qquad L^T y_F = L^T y_F(0),

where ``f_F`` are the fast species' rate equations, ``L`` spans the conservation laws
of the fast block (vectors ``l`` with ``S_F l = 0``, e.g. free + bound enzyme) and
``Q`` the rest. When every reaction is at most first order in the fast species
(mass-action "linear in fast", Michaelis-Menten, ligand binding) the system is linear,
``A(y_S) y_F = b(y_S)``, and is solved exactly by one linear solve; otherwise by
Newton's method with the analytic Jacobian at every evaluation.

Validity diagnostic (Segel & Slemrod 1989, SIAM Rev. 31, 446): ``epsilon`` is the
relative change of the slow species during the fast transient,

.. math:: \\epsilon = t_F \\max_{i \\in S,\\, y_i(0) > 0} |f_i(y(0))| / y_i(0),

with ``t_F = 1 / min |lambda|`` over the non-zero eigenvalues of the fast block's
Jacobian at the initial state. For Michaelis-Menten with fast enzyme and complex this
is exactly Segel & Slemrod's ``E0 / (S0 + Km)``, and about the reduced model's
relative error. It is reported, not warned (:meth:`QSSAReduction.validity`: valid while
``epsilon <= eps_max``; above it the species are not fast enough, and ``epsilon >= 1``
means they are not fast at all); :func:`qssa_reduce`'s ``validity`` policy decides
whether a failure also warns or raises.

Units: copy numbers (or any consistent amount) and rate constants in 1/s, as in
the network; times in s.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.integrate import solve_ivp
from scipy.linalg import null_space

from scaleweave.core.checks import Validity, apply_validity_policy, check_policy
from scaleweave.engines.kinetics.reaction_network import (
    ReactionNetwork,
    rate_equations,
    rate_jacobian,
)
from scaleweave.errors import ConfigError, ModelError

__all__ = ["QSSAReduction", "michaelis_menten_epsilon", "qssa_reduce"]


def michaelis_menten_epsilon(e0: float, s0: float, km: float) -> float:
    """Segel & Slemrod's small parameter ``E0 / (S0 + Km)`` (same amount unit throughout)."""
    return float(e0) / (float(s0) + float(km))


class QSSAReduction:
    """The reduced model of ``net`` with ``fast`` species at quasi-steady state.

    Parameters
    ----------
    net : ReactionNetwork
        The full network.
    fast : sequence of str
        Fast species (at least one, not all).
    y0 : ndarray, optional
        Initial state (copy numbers) at which epsilon is evaluated and the fast
        conservation totals are taken; default ``net.x0``.
    eps_max : float
        Largest epsilon for which the reduction counts as valid (default 0.1).

    Attributes
    ----------
    epsilon : float
        The validity diagnostic (dimensionless).
    t_fast : float
        Slowest fast time scale (s).
    linear_in_fast : bool
        Whether the fast steady state is solved in closed form (one linear solve).
    """

    def __init__(self, net: ReactionNetwork, fast: Sequence[str], *,
                 y0: np.ndarray | None = None, eps_max: float = 0.1) -> None:
        if isinstance(fast, str):
            fast = [fast]
        fast = list(fast)
        if not fast:
            raise ConfigError("QSSA: give at least one fast species")
        if len(set(fast)) != len(fast):
            raise ConfigError(f"QSSA: fast species {fast} name a species twice")
        self.net = net
        self.fast_idx = np.array([net.index(s) for s in fast], dtype=np.int64)
        self.slow_idx = np.array([i for i in range(net.n_species) if i not in self.fast_idx],
                                 dtype=np.int64)
        if self.slow_idx.size == 0:
            raise ConfigError("QSSA: every species is fast; leave at least one slow species")
        if not eps_max > 0:
            raise ConfigError(f"QSSA: eps_max must be positive, got {eps_max}")
        self.fast = tuple(fast)
        self.eps_max = float(eps_max)
        self.y0 = net.x0.astype(float) if y0 is None else np.asarray(y0, dtype=float)
        if self.y0.shape != (net.n_species,) or np.any(self.y0 < 0):
            raise ConfigError(f"QSSA: initial state must be {net.n_species} copy numbers >= 0")
        s_f = net.stoichiometry[:, self.fast_idx].astype(float)  # (n_r, n_fast)
        self._cons = null_space(s_f)  # (n_fast, n_c): conservation laws of the fast block
        n_c = self._cons.shape[1]
        full = np.linalg.svd(s_f.T)[0] if s_f.size else np.eye(len(fast))
        self._proj = full[:, :len(fast) - n_c]  # complement of the conservation laws
        self._totals = self._cons.T @ self.y0[self.fast_idx]
        fast_order = net.reactant_matrix[:, self.fast_idx].sum(axis=1)
        self.linear_in_fast = bool(np.all(fast_order <= 1))
        self.epsilon, self.t_fast = self._epsilon()

    # ---------------------------------------------------------------- diagnostic
    def _epsilon(self) -> tuple[float, float]:
        jac = rate_jacobian(self.net, self.y0)[np.ix_(self.fast_idx, self.fast_idx)]
        lam = np.sort(np.abs(np.linalg.eigvals(jac)))
        lam = lam[self._cons.shape[1]:]  # drop the conservation laws' zero eigenvalues
        if lam.size == 0 or lam[0] <= 0:
            return np.inf, np.inf
        t_fast = 1.0 / float(lam[0])
        f = rate_equations(self.net, self.y0)[self.slow_idx]
        ys = self.y0[self.slow_idx]
        pos = ys > 0
        rel = np.abs(f[pos]) / ys[pos] if pos.any() else np.abs(f) / max(ys.sum(), 1.0)
        rate = float(rel.max()) if rel.size else 0.0
        return t_fast * rate, t_fast

    def validity(self) -> list[Validity]:
        """The validity diagnostic: ``epsilon <= eps_max``, naming the fast species.

        Above ``eps_max`` the fast species are not fast enough and the reduced model's
        relative error is about epsilon; at ``epsilon >= 1`` they are not fast at all
        (their time scale is not shorter than the slow dynamics). The entry's name says
        what the value means (about the relative error; ``>= 1``: not fast at all).

        Examples
        --------
        >>> from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork
        >>> net = ReactionNetwork({"S": 100, "E": 1, "C": 0, "P": 0}, [
        ...     Reaction({"E": 1, "S": 1}, {"C": 1}, 1.0),
        ...     Reaction({"C": 1}, {"E": 1, "S": 1}, 1.0),
        ...     Reaction({"C": 1}, {"E": 1, "P": 1}, 1.0)])
        >>> (v,) = QSSAReduction(net, ["E", "C"]).validity()
        >>> v.diagnostic.split(":")[0], v.ok
        ('epsilon (fast E, C', True)
        """
        return [Validity("qssa", f"epsilon (fast {', '.join(self.fast)}: fast/slow time "
                                 f"scale ratio, about the reduced model's relative error; "
                                 f">= 1: not fast at all)", self.epsilon, self.eps_max, "le")]

    # ---------------------------------------------------------------- algebra
    def _residual(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        f = rate_equations(self.net, y)[self.fast_idx]
        j = rate_jacobian(self.net, y)[np.ix_(self.fast_idx, self.fast_idx)]
        yf = y[self.fast_idx]
        res = np.concatenate([self._proj.T @ f, self._cons.T @ yf - self._totals])
        jac = np.vstack([self._proj.T @ j, self._cons.T])
        return res, jac

    def fast_state(self, y_slow: np.ndarray, guess: np.ndarray | None = None) -> np.ndarray:
        """Quasi-steady fast copy numbers for slow ones ``y_slow``.

        Parameters
        ----------
        y_slow : ndarray, shape (n_slow,)
        guess : ndarray, optional
            Newton start (ignored when linear in fast species).
        """
        y = np.zeros(self.net.n_species)
        y[self.slow_idx] = y_slow
        y[self.fast_idx] = 0.0 if (guess is None or self.linear_in_fast) else guess
        for _ in range(1 if self.linear_in_fast else 50):
            res, jac = self._residual(y)
            try:
                step = np.linalg.solve(jac, -res)
            except np.linalg.LinAlgError as exc:
                raise ModelError(f"QSSA: singular fast-block system for fast species "
                                 f"{list(self.fast)} at slow state {y_slow}") from exc
            y[self.fast_idx] += step
            if not self.linear_in_fast and np.max(np.abs(step)) <= 1e-12 * (
                    1.0 + np.max(np.abs(y[self.fast_idx]))):
                break
        else:
            if not self.linear_in_fast:
                raise ModelError(f"QSSA: Newton did not converge for fast species "
                                 f"{list(self.fast)} at slow state {y_slow}")
        return y[self.fast_idx].copy()

    def full_state(self, y_slow: np.ndarray, guess: np.ndarray | None = None) -> np.ndarray:
        """Every species' copy number: slow ones given, fast ones at quasi-steady state."""
        y = np.zeros(self.net.n_species)
        y[self.slow_idx] = y_slow
        y[self.fast_idx] = self.fast_state(y_slow, guess)
        return y

    def rhs(self, y_slow: np.ndarray) -> np.ndarray:
        """Reduced rate equations ``dy_S/dt`` (copies/s)."""
        return rate_equations(self.net, self.full_state(y_slow))[self.slow_idx]

    def effective_network(self) -> ReactionNetwork:
        """The reduced model as a mass-action network without the fast species.

        Exact (no approximation beyond QSSA) for *intermediates*: each fast species is
        made only by reactions whose reactants are all slow and removed only by
        first-order reactions ``F -> ...``, with no conservation law among the fast
        species (ligand-receptor binding followed by internalisation; not an enzyme with
        a conserved total). Then ``F* = sum_in a_in(y_S) / K_F`` with ``K_F`` the sum of
        the removal constants (1/s), and each pair of a making reaction ``in`` and a
        removal ``out`` becomes ``reactants(in) -> products(in) - F + products(out)`` with
        rate constant ``c_in c_out / K_F``; pairs that change nothing (binding then
        unbinding) are dropped. Usable by the SSA, tau-leaping and hybrid engines.

        Raises
        ------
        ConfigError
            The fast species are not intermediates of that form.
        """
        from scaleweave.engines.kinetics.reaction_network import Reaction

        net = self.net
        fast = set(int(i) for i in self.fast_idx)
        if self._cons.shape[1]:
            raise ConfigError(f"QSSA effective network: fast species {list(self.fast)} have a "
                              f"conservation law (e.g. an enzyme total); use solve() instead")
        reactions: list[Reaction] = []
        for j in range(net.n_reactions):
            nu_in = net.reactant_matrix[j]
            nu_out = net.product_matrix[j]
            touches = [i for i in fast if nu_in[i] or nu_out[i]]
            if not touches:
                reactions.append(net.reactions[j])
        for f in fast:
            makers = [j for j in range(net.n_reactions) if net.product_matrix[j, f] > 0
                      and net.reactant_matrix[j, f] == 0]
            removers = [j for j in range(net.n_reactions) if net.reactant_matrix[j, f] > 0]
            for j in makers:
                if any(net.reactant_matrix[j, i] for i in fast) or net.product_matrix[j, f] != 1:
                    raise ConfigError(f"QSSA effective network: reaction "
                                      f"{net.reactions[j].label()} making fast species "
                                      f"{net.names[f]!r} must have only slow reactants and "
                                      f"make one copy")
                if any(net.product_matrix[j, i] for i in fast if i != f):
                    raise ConfigError(f"QSSA effective network: reaction "
                                      f"{net.reactions[j].label()} makes two fast species")
            for j in removers:
                if net.reactant_orders[j] != 1 or any(net.product_matrix[j, i] for i in fast):
                    raise ConfigError(f"QSSA effective network: removal "
                                      f"{net.reactions[j].label()} of fast species "
                                      f"{net.names[f]!r} must be first order, to slow products")
            k_total = float(sum(net.rates[j] for j in removers))
            if k_total <= 0:
                raise ConfigError(f"QSSA effective network: fast species {net.names[f]!r} is "
                                  f"never removed; it has no steady state")
            for j_in in makers:
                for j_out in removers:
                    reac = {net.names[i]: int(n) for i, n in
                            enumerate(net.reactant_matrix[j_in]) if n}
                    prod = {net.names[i]: int(n) for i, n in
                            enumerate(net.product_matrix[j_in]) if n and i != f}
                    for i, n in enumerate(net.product_matrix[j_out]):
                        if n:
                            prod[net.names[i]] = prod.get(net.names[i], 0) + int(n)
                    if reac == prod:
                        continue  # e.g. binding followed by unbinding: no net change
                    rate = float(net.rates[j_in] * net.rates[j_out] / k_total)
                    name = (f"{net.reactions[j_in].label()} ; {net.reactions[j_out].label()} "
                            f"(QSSA)")
                    reactions.append(Reaction(reac, prod, rate, name))
        species = [(net.names[i], int(net.x0[i])) for i in self.slow_idx]
        return ReactionNetwork(species, reactions)

    def solve(self, t_eval: np.ndarray, *, method: str = "LSODA", rtol: float = 1e-8,
              atol: float = 1e-8) -> np.ndarray:
        """Reduced trajectory from ``y0`` at ``t_eval`` (s); all species, shape (n_t, n_s).

        The slow species start at their initial values; the fast ones are slaved
        (so they jump to the quasi-steady state at t = 0: the inner layer is skipped).
        """
        t_eval = np.asarray(t_eval, dtype=float)
        guess = [self.y0[self.fast_idx].copy()]

        def f(_t: float, ys: np.ndarray) -> np.ndarray:
            y = self.full_state(ys, guess[0])
            guess[0] = y[self.fast_idx]
            return rate_equations(self.net, y)[self.slow_idx]

        sol = solve_ivp(f, (0.0, float(t_eval[-1])), self.y0[self.slow_idx], method=method,
                        t_eval=t_eval, rtol=rtol, atol=atol)
        if not sol.success:
            raise ModelError(f"QSSA reduced model ({method}) failed: {sol.message}")
        return np.array([self.full_state(ys) for ys in sol.y.T])


def qssa_reduce(net: ReactionNetwork, fast: Sequence[str], *, y0: np.ndarray | None = None,
                eps_max: float = 0.1, validity: str = "record") -> QSSAReduction:
    """Build the QSSA-reduced model; its epsilon diagnostic is :meth:`QSSAReduction.validity`.

    Parameters
    ----------
    net, fast, y0, eps_max
        As in :class:`QSSAReduction`.
    validity : {"record", "warn", "raise"}
        What ``epsilon > eps_max`` does besides being recorded in ``validity()``:
        nothing; a :class:`~scaleweave.errors.ValidityWarning`; or a
        :class:`~scaleweave.errors.ValidityError`
        (:func:`~scaleweave.core.checks.apply_validity_policy`).

    Returns
    -------
    QSSAReduction

    Examples
    --------
    Michaelis-Menten, ``E + S <-> C -> E + P`` with fast ``E`` and ``C``:

    >>> from scaleweave.engines.kinetics.reaction_network import Reaction, ReactionNetwork
    >>> net = ReactionNetwork({"S": 100, "E": 1, "C": 0, "P": 0}, [
    ...     Reaction({"E": 1, "S": 1}, {"C": 1}, 1.0), Reaction({"C": 1}, {"E": 1, "S": 1}, 1.0),
    ...     Reaction({"C": 1}, {"E": 1, "P": 1}, 1.0)])
    >>> red = qssa_reduce(net, ["E", "C"])
    >>> round(red.epsilon, 6) == round(michaelis_menten_epsilon(1, 100, 2.0), 6)
    True
    """
    check_policy(validity)
    red = QSSAReduction(net, fast, y0=y0, eps_max=eps_max)
    apply_validity_policy(red.validity(), validity)
    return red
