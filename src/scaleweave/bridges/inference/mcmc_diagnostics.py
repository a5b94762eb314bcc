"""Convergence diagnostics of a Markov chain Monte Carlo run, as validity diagnostics.

Rank-normalised split R-hat, bulk and tail effective sample sizes (Vehtari, Gelman,
Simpson, Carpenter & Buerkner 2021, Bayesian Analysis 16:667) computed by ArviZ, and
the number of divergent transitions of Hamiltonian Monte Carlo (Betancourt 2017,
arXiv:1701.02434). The limits are the usual ones: R-hat <= 1.01, bulk and tail ESS
>= 100 per chain, no divergence after warm-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scaleweave.core.checks import Validity

__all__ = ["ESS_PER_CHAIN", "RHAT_LIMIT", "convergence", "convergence_validity"]

#: Largest acceptable rank-normalised split R-hat (Vehtari et al. 2021).
RHAT_LIMIT = 1.01
#: Smallest acceptable bulk and tail ESS, per chain (Vehtari et al. 2021: 400 for 4 chains).
ESS_PER_CHAIN = 100.0


def convergence(draws: Mapping[str, np.ndarray], diverging: np.ndarray | None,
                var_names: Sequence[str] | None = None) -> dict[str, Any]:
    """R-hat, bulk and tail ESS over every scalar of the chosen variables, and divergences.

    Parameters
    ----------
    draws : mapping of str -> ndarray, shape (chains, draws, ...)
        Posterior draws grouped by chain.
    diverging : ndarray of bool, shape (chains, draws), or None
        Divergent transitions after warm-up (None: not an HMC sampler; counted 0).
    var_names : sequence of str, optional
        Variables to diagnose (default: all).

    Returns
    -------
    dict
        ``max_rhat``, ``min_ess_bulk``, ``min_ess_tail`` (draws), ``divergences``
        (count), ``chains``, ``draws`` (per chain), and ``worst_rhat`` / ``worst_ess``
        naming the scalar that sets each extreme.
    """
    import arviz as az

    names = list(var_names) if var_names is not None else list(draws)
    post = {k: np.asarray(draws[k], dtype=float) for k in names}
    first = next(iter(post.values()))
    chains, n_draws = int(first.shape[0]), int(first.shape[1])
    data = az.convert_to_dataset(post)
    # Unrounded values (az.summary rounds R-hat to two decimals).
    per_var = {"rhat": az.rhat(data, method="rank"), "bulk": az.ess(data, method="bulk"),
               "tail": az.ess(data, method="tail")}

    def extreme(kind: str, worst: str) -> tuple[float, str]:
        best_v, best_n = None, ""
        for name in names:
            arr = np.asarray(per_var[kind][name].values, dtype=float).ravel()
            # A constant chain gives NaN: count it as not converged.
            arr = np.where(np.isnan(arr), np.inf if worst == "max" else 0.0, arr)
            i = int(np.argmax(arr) if worst == "max" else np.argmin(arr))
            v = float(arr[i])
            if best_v is None or (v > best_v if worst == "max" else v < best_v):
                best_v, best_n = v, name if arr.size == 1 else f"{name}[{i}]"
        return float(best_v), best_n

    max_rhat, worst_rhat = extreme("rhat", "max")
    min_bulk, worst_ess = extreme("bulk", "min")
    min_tail, _ = extreme("tail", "min")
    n_div = 0 if diverging is None else int(np.asarray(diverging).sum())
    return {
        "max_rhat": max_rhat,
        "min_ess_bulk": min_bulk,
        "min_ess_tail": min_tail,
        "divergences": float(n_div),
        "chains": float(chains),
        "draws": float(n_draws),
        "worst_rhat": worst_rhat,
        "worst_ess": worst_ess,
    }


def convergence_validity(diag: Mapping[str, Any], label: str) -> list[Validity]:
    """The diagnostics of :func:`convergence` against their limits, as :class:`Validity`.

    Parameters
    ----------
    diag : mapping
        From :func:`convergence`.
    label : str
        The bridge (fit) they belong to.
    """
    min_ess = ESS_PER_CHAIN * float(diag["chains"])
    return [
        Validity(label, "max R-hat", float(diag["max_rhat"]), RHAT_LIMIT, "le"),
        Validity(label, "min bulk ESS", float(diag["min_ess_bulk"]), min_ess, "ge"),
        Validity(label, "min tail ESS", float(diag["min_ess_tail"]), min_ess, "ge"),
        Validity(label, "divergent transitions", float(diag["divergences"]), 0.0, "le"),
    ]
