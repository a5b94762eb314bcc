"""The NumPyro model of a hierarchical calibration and its compiled NUTS sampler.

:func:`build_model` writes the model for one structure (levels, group counts,
pooling, likelihood, priors); the data and the centring of each level come as
arguments, so every fit of the same structure shares one model. :func:`sampler`
jits one chain's warm-up and draws once per model and settings. Both are cached, so
a second fit of the same structure and data shapes does not compile again.
"""

from __future__ import annotations

import functools
from typing import Any

from scaleweave.bridges.inference.priors import Prior

__all__ = ["build_model", "sampler"]


@functools.lru_cache(maxsize=32)
def build_model(levels: tuple[str, ...], n_groups: tuple[int, ...], pooling: str,
                 likelihood: str, priors: tuple[tuple[str, Prior], ...], has_sigma: bool,
                 n_cov: int) -> Any:
    """The NumPyro model for a fixed structure; data (and the centring) come as arguments.

    Each level is sampled in the partially centred form of Papaspiliopoulos, Roberts
    & Skold (2003): ``raw ~ N(w loc, tau^w)``, ``theta = loc + tau^(1-w) (raw - w loc)``,
    exact for every ``w`` in [0, 1]; ``w = 1`` is centred, ``w = 0`` non-centred. With
    ``w`` an argument, both share one compiled sampler.
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    pri = dict(priors)

    def model(y, idx, parent_idx, w, sigma, log_exposure, x):  # pragma: no cover - traced
        mu = numpyro.sample("mu", pri["mu"].to_numpyro())
        if pooling == "complete":
            eta = jnp.broadcast_to(mu, idx.shape)
        elif pooling == "none":
            with numpyro.plate(levels[-1], n_groups[-1]):
                theta = numpyro.sample(f"theta_{levels[-1]}", pri["mu"].to_numpyro())
            eta = theta[idx]
        else:
            loc = mu
            for k, level in enumerate(levels):
                tau = numpyro.sample(f"tau_{level}", pri[f"tau_{level}"].to_numpyro())
                centre = mu if k == 0 else loc[parent_idx[k]]
                wk = w[k]
                with numpyro.plate(level, n_groups[k]):
                    raw = numpyro.sample(f"raw_{level}",
                                         dist.Normal(wk * centre, jnp.power(tau, wk)))
                theta = numpyro.deterministic(
                    f"theta_{level}", centre + jnp.power(tau, 1.0 - wk) * (raw - wk * centre))
                loc = theta
            eta = loc[idx]
        if n_cov:
            with numpyro.plate("covariate", n_cov):
                beta = numpyro.sample("beta", pri["beta"].to_numpyro())
            eta = eta + x @ beta
        # Scalars shared by all rows are sampled outside the data plate.
        if likelihood == "normal":
            sd = sigma if has_sigma else numpyro.sample("sigma", pri["sigma"].to_numpyro())
        elif likelihood == "negbinomial":
            phi = numpyro.sample("phi", pri["phi"].to_numpyro())
        with numpyro.plate("data", idx.shape[0]):
            if likelihood == "normal":
                numpyro.sample("y", dist.Normal(eta, sd), obs=y)
            elif likelihood == "poisson":
                numpyro.sample("y", dist.Poisson(jnp.exp(eta + log_exposure)), obs=y)
            else:
                numpyro.sample("y", dist.NegativeBinomial2(jnp.exp(eta + log_exposure), phi),
                               obs=y)

    return model


@functools.lru_cache(maxsize=32)
def sampler(model: Any, warmup: int, draws: int, target_accept: float,
             max_tree_depth: int) -> tuple[Any, Any]:
    """A NUTS kernel and one chain's jitted warm-up + sampling, compiled once per structure.

    NumPyro's ``MCMC.run`` builds fresh closures, so JAX compiles again on every call
    (and for every chain with ``chain_method="sequential"``). Here one chain's loop is
    jitted once and reused for every chain and every fit with the same model and
    data shapes; only the (cheap) initialisation runs per chain.
    """
    import jax
    from jax import lax
    from numpyro.infer import NUTS

    kernel = NUTS(model, target_accept_prob=target_accept, max_tree_depth=max_tree_depth)

    @jax.jit
    def chain(state: Any, args: tuple) -> tuple[Any, Any, Any]:  # pragma: no cover - traced
        def warm(s, _):
            return kernel.sample(s, args, {}), None

        def keep(s, _):
            s = kernel.sample(s, args, {})
            return s, (s.z, s.diverging, s.num_steps)

        state, _ = lax.scan(warm, state, None, length=warmup)
        state, (z, diverging, steps) = lax.scan(keep, state, None, length=draws)
        return jax.vmap(kernel.postprocess_fn(args, {}))(z), diverging, steps

    return kernel, chain
