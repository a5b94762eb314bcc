"""Lattice kinetic Monte Carlo of hopping carriers (rejection-free BKL / n-fold way, Numba).

Carriers (ions, or atoms next to vacancies) occupy the sites of a periodic
:class:`~scaleweave.engines.lattice.sites.Lattice`; a carrier hops to an *empty* neighbour
(site blocking: a lattice gas at finite concentration). Every hop path ``(i, k)``
(site ``i``, neighbour slot ``k``) has the rate

``w_ik = Gamma_ik * exp(q E . d_ik / (2 kB T))``

with ``Gamma_ik`` the zero-field rate of the path (from the Arrhenius bridge), ``d_ik``
the hop vector and ``E`` an optional applied field (Bortz, Kalos & Lebowitz 1975,
J. Comput. Phys. 17, 10; the field bias splits the work ``q E . d`` symmetrically
between the forward and backward hop, so detailed balance holds in the tilted
potential).

Mechanisms
----------
``"interstitial"``: carriers at concentration ``c`` (fraction of sites) hop to empty
sites; ``"vacancy"``: the lattice is full of tracked atoms except a fraction ``c`` (or
a number) of vacancies, and an atom hops into a neighbouring vacancy (rate
``Gamma`` per atom-vacancy exchange). Both are one lattice gas: only which species is
tracked differs.

Rate structure
--------------
Paths are grouped into classes of equal rate (few: one per distinct projection of
the hop vector on the field). Each class keeps the list of its *enabled* paths
(occupied start, empty end) with O(1) insertion and swap-removal, and a binary sum
tree over the classes holds ``rate_c * count_c``. An event costs one tree descent
(log of the number of classes) and O(z) list updates around the two sites that
changed: independent of the number of sites, no linear scan. The Numba kernels are
in :mod:`~scaleweave.engines.lattice._kmc_kernels`; the lattice gas with adsorption
and desorption (:func:`run_lattice_gas`, the benchmark model) is in
:mod:`~scaleweave.engines.lattice.lattice_gas` and the study model
(:class:`KMCModel`) in :mod:`~scaleweave.engines.lattice.kmc_model`, both
re-exported here. What is left is one module because the estimators of
:func:`run_kmc` are the fields of :class:`KMCResult` and its set-up helpers check
that function's arguments.

Randomness: a replica is a function of one 32-bit seed (Numba's per-thread
generator, seeded at the kernel's start); replica seeds are drawn from the
``numpy.random.Generator`` the caller passes.

Estimators (see :class:`KMCResult`), all by block averaging over the blocks of
independent replicas: the tracer diffusivity from the carriers' squared
displacements over a block; the collective (charge) diffusivity
``D_sigma = <|sum_i dr_i|^2> / (2 d t N_c)`` and the drift velocity from the
centre-of-mass increments (exact at any block length for the lattice gas, whose
centre-of-mass increments are uncorrelated); the Haven ratio
``H = D* / D_sigma``; the tracer correlation factor ``f = sum |R|^2 / sum n a^2``
over blocks (a single periodic box with one vacancy couples the displacements of
whole rows of atoms through the vacancy's windings, so one long run does not
average down; many blocks do).

This module is the driver of one kernel (its kernels, the lattice gas and the
Model live beside it): set-up, replicas, checkpoints and block statistics of one
estimate belong together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from scaleweave.core.checks import Validity
from scaleweave.core.constants import BOLTZMANN, ELEMENTARY_CHARGE
from scaleweave.core.hashing import content_hash
from scaleweave.engines.lattice._kmc_kernels import _kmc_diffusion, _seeds
from scaleweave.engines.lattice.lattice_gas import LatticeGasResult as LatticeGasResult
from scaleweave.engines.lattice.lattice_gas import run_lattice_gas as run_lattice_gas
from scaleweave.engines.lattice.sites import Lattice
from scaleweave.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from scaleweave.core.checkpoint import Checkpoint

# KMCModel, LatticeGasResult and run_lattice_gas are importable from here too, but
# only their own modules list them: a name in two __all__ would be exported twice by
# scaleweave.engines (an error of its lazy exports).
__all__ = [
    "KMCResult",
    "hop_rate_classes",
    "linear_response_validity",
    "run_kmc",
]

Mechanism = Literal["interstitial", "vacancy"]


# ------------------------------------------------------------------------ set-up
def _field_vector(field: Any, direction: Any = (1.0, 0.0, 0.0)) -> np.ndarray:
    f = np.asarray(field, dtype=float)
    if f.ndim == 0:
        d = np.asarray(direction, dtype=float)
        return float(f) * d / np.linalg.norm(d)
    if f.shape != (3,):
        raise ConfigError(f"kMC: the field must be a number (V/m, along x) or a 3-vector, "
                          f"got shape {f.shape}")
    return f


def _check_temperature(temperature: float) -> float:
    t = float(temperature)
    if not (t > 0 and math.isfinite(t)):
        raise ConfigError(f"kMC: temperature must be positive and finite (K), got {t}")
    return t


def hop_rate_classes(lattice: Lattice, hop_rate: Any, temperature: float, field: Any = 0.0,
                     charge: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rates of every hop path and their grouping into classes of equal rate.

    Parameters
    ----------
    lattice : Lattice
        Sites and hop vectors.
    hop_rate : float or array of shape (N, z)
        Zero-field rate of each hop path (1/s).
    temperature : float
        Temperature (K), positive.
    field : float or 3-vector
        Applied electric field (V/m); a number points along x.
    charge : float
        Carrier charge in units of the elementary charge (signed).

    Returns
    -------
    rates : ndarray (N, z)
        Rate of each path (1/s; zero on padding).
    path_class : ndarray of int32 (N z,)
        Class of each path (-1 on padding).
    class_rate : ndarray
        Rate of each class (1/s).
    """
    temperature = _check_temperature(temperature)
    base = np.broadcast_to(np.asarray(hop_rate, dtype=float), lattice.neighbors.shape)
    valid = lattice.neighbors >= 0
    if np.any(~np.isfinite(base[valid])) or np.any(base[valid] <= 0):
        raise ConfigError("kMC: hop rates must be positive and finite (1/s)")
    e = _field_vector(field)
    work = charge * ELEMENTARY_CHARGE * (lattice.displacements @ e)  # J, q E.d
    rates = np.where(valid, base * np.exp(work / (2.0 * BOLTZMANN * temperature)), 0.0)
    key = np.round(np.log(rates[valid]), 11)
    _, inverse = np.unique(key, return_inverse=True)
    path_class = np.full(rates.size, -1, dtype=np.int32)
    path_class[valid.ravel()] = inverse.astype(np.int32)
    class_rate = np.bincount(inverse, weights=rates[valid]) / np.bincount(inverse)
    return rates, path_class, class_rate



def _n_vacancies(n_sites: int, mechanism: str, concentration: float | None,
                 n_carriers: int | None) -> int:
    """Number of carriers (tracked particles) from a concentration or a count."""
    if mechanism not in ("interstitial", "vacancy"):
        raise ConfigError(f"kMC: mechanism must be 'interstitial' or 'vacancy', "
                          f"got {mechanism!r}")
    if (concentration is None) == (n_carriers is None):
        raise ConfigError("kMC: give exactly one of concentration (fraction of sites, in (0, 1)) "
                          "and a count (n_carriers, or n_vacancies for the vacancy mechanism)")
    if concentration is not None:
        c = float(concentration)
        if not (0.0 < c < 1.0):
            raise ConfigError(f"kMC: concentration must lie in (0, 1) (fraction of sites "
                              f"{'vacant' if mechanism == 'vacancy' else 'occupied'}), got {c}")
        n = round(c * n_sites)
        if not 1 <= n <= n_sites - 1:
            raise ConfigError(f"kMC: concentration {c} on {n_sites} sites gives {n} "
                              f"{'vacancies' if mechanism == 'vacancy' else 'carriers'}; "
                              f"use a larger lattice")
    else:
        n = int(n_carriers)  # type: ignore[arg-type]
        if not 1 <= n <= n_sites - 1:
            raise ConfigError(f"kMC: need between 1 and {n_sites - 1} "
                              f"{'vacancies' if mechanism == 'vacancy' else 'carriers'} on "
                              f"{n_sites} sites, got {n}")
    return n_sites - n if mechanism == "vacancy" else n


# ------------------------------------------------------------------------ results
@dataclass(frozen=True)
class KMCResult:
    """What a lattice kMC run measured (SI units; ``*_err``: one standard error).

    Attributes
    ----------
    times : ndarray (S + 1,)
        Sample times (s), starting at 0.
    msd, msd_err : ndarray (S + 1,)
        Tracer mean-square displacement (m^2), mean and standard error over replicas.
    tracer_diffusivity, tracer_diffusivity_err : float
        ``D*`` (m^2/s): ``sum_i |dR_i|^2 / (2 d tau N_c)`` over blocks of length
        ``tau``, averaged over blocks and replicas (error: their standard error).
    collective_diffusivity, collective_diffusivity_err : float
        ``D_sigma`` (m^2/s): ``<|sum_i dr_i - N_c v tau|^2> / (2 d tau N_c)`` over blocks.
    haven_ratio, haven_ratio_err : float
        ``H = D* / D_sigma``.
    drift_velocity, drift_velocity_err : ndarray (3,)
        Mean carrier velocity (m/s) from block averaging.
    correlation_factor, correlation_factor_err : float
        Tracer correlation factor ``f = sum_i |dR_i|^2 / sum_i sum_jumps |d|^2`` of the
        carriers' displacements over a block, averaged over blocks and replicas
        (blocks must hold many hops per carrier: the correlations cut at block
        edges bias ``f`` by the inverse of that number).
    block_hops_per_carrier : float
        Mean hops per carrier in one block (want >= ~100 for ``f``).
    uncorrelated_diffusivity : float
        ``D0`` (m^2/s) of a lone carrier at zero field: the site average of
        ``sum_k Gamma_k |d_k|^2 / (2 d)``.
    field : ndarray (3,)
        Applied field (V/m).
    """

    times: np.ndarray
    msd: np.ndarray
    msd_err: np.ndarray
    tracer_diffusivity: float
    tracer_diffusivity_err: float
    collective_diffusivity: float
    collective_diffusivity_err: float
    haven_ratio: float
    haven_ratio_err: float
    drift_velocity: np.ndarray
    drift_velocity_err: np.ndarray
    correlation_factor: float
    correlation_factor_err: float
    block_hops_per_carrier: float
    uncorrelated_diffusivity: float
    n_carriers: int
    n_sites: int
    n_events: int
    n_replicas: int
    dim: int
    temperature: float
    charge: float
    field: np.ndarray
    volume: float
    mechanism: str
    seeds: np.ndarray = field(repr=False)

    @property
    def concentration(self) -> float:
        """Carriers per site."""
        return self.n_carriers / self.n_sites

    @property
    def carrier_density(self) -> float:
        """Carriers per volume (1/m^3)."""
        return self.n_carriers / self.volume

    @property
    def field_strength(self) -> float:
        """``|E|`` (V/m)."""
        return float(np.linalg.norm(self.field))

    def rescaled(self, factor: float) -> KMCResult:
        """The same run with every hop rate multiplied by ``factor`` (> 0).

        With one rate scale (every path's zero-field rate proportional to one hop
        rate) a kMC trajectory in time ``t`` at rates ``Gamma`` is the trajectory in
        time ``factor * t`` at ``factor * Gamma``: the same seed gives the same events.
        Times divide by ``factor``; diffusivities, velocities and mobilities multiply
        by it; the Haven ratio and the correlation factor do not change.
        """
        if not (factor > 0 and math.isfinite(factor)):
            raise ConfigError(f"kMC: the rate factor must be positive, got {factor}")
        k = float(factor)
        return replace(
            self, times=self.times / k,
            tracer_diffusivity=self.tracer_diffusivity * k,
            tracer_diffusivity_err=self.tracer_diffusivity_err * k,
            collective_diffusivity=self.collective_diffusivity * k,
            collective_diffusivity_err=self.collective_diffusivity_err * k,
            drift_velocity=self.drift_velocity * k, drift_velocity_err=self.drift_velocity_err * k,
            uncorrelated_diffusivity=self.uncorrelated_diffusivity * k)

    def mobility(self) -> tuple[float, float]:
        """Mobility (m^2/(V s)) and its error: drift ``v . E / |E|^2`` under a field.

        Without a field, the Einstein relation ``q D_sigma / (kB T)`` (signed by the
        charge) stands in.
        """
        e = self.field_strength
        if e > 0:
            unit = self.field / e
            v = float(self.drift_velocity @ unit)
            err = float(np.sqrt(np.sum((self.drift_velocity_err * unit) ** 2)))
            return v / e, err / e
        q_over_kt = self.charge * ELEMENTARY_CHARGE / (BOLTZMANN * self.temperature)
        return (q_over_kt * self.collective_diffusivity,
                abs(q_over_kt) * self.collective_diffusivity_err)


def _block_stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = values.mean(axis=0)
    err = (values.std(axis=0, ddof=1) / math.sqrt(values.shape[0]) if values.shape[0] > 1
           else np.full_like(mean, np.nan))
    return mean, err


def run_kmc(lattice: Lattice, *, hop_rate: Any, temperature: float,
            concentration: float | None = None, n_carriers: int | None = None,
            mechanism: Mechanism = "interstitial", field: Any = 0.0, charge: float = 1.0,
            n_events: int | None = None, t_end: float | None = None, n_samples: int = 100,
            n_blocks: int = 10, n_replicas: int = 4,
            rng: np.random.Generator | int | None = None,
            checkpoint: Checkpoint | None = None) -> KMCResult:
    """Run independent replicas of lattice kMC and estimate transport coefficients.

    Parameters
    ----------
    lattice : Lattice
        Periodic lattice (:mod:`scaleweave.engines.lattice.sites`).
    hop_rate : float or array (N, z)
        Zero-field rate of one hop path (1/s), e.g. from
        :func:`~scaleweave.bridges.rates.arrhenius.arrhenius_rate`.
    temperature : float
        Temperature (K), positive.
    concentration : float, optional
        Fraction of sites in (0, 1) that are occupied by carriers (``interstitial``) or
        vacant (``vacancy``).
    n_carriers : int, optional
        Instead of ``concentration``: number of carriers (``interstitial``) or of
        vacancies (``vacancy``).
    mechanism : {"interstitial", "vacancy"}
        Which species is tracked (see the module docstring).
    field : float or 3-vector
        Applied electric field (V/m); a number points along x.
    charge : float
        Charge of a tracked carrier in units of ``e`` (signed).
    n_events : int, optional
        Expected number of events per replica (sets ``t_end`` from the initial total
        rate); default ``100 * n_blocks * N_c``, about 100 hops per carrier per block.
    t_end : float, optional
        Simulated time per replica (s), instead of ``n_events``.
    n_samples : int
        Sample times per replica (uniform in ``(0, t_end]``).
    n_blocks : int
        Blocks per replica for every estimate; keep >= ~100 hops per carrier in a
        block, since the tracer estimates (``D*``, ``f``) lose the correlations cut
        at block edges (see :attr:`KMCResult.block_hops_per_carrier`).
    n_replicas : int
        Independent replicas (independent initial configurations and seeds).
    rng : numpy.random.Generator or int, optional
        Source of the initial configurations and the replicas' kernel seeds.
    checkpoint : Checkpoint, optional
        Save the finished replicas every ``checkpoint.every`` replicas; a run started
        again with the same checkpoint (killed, or interrupted) recomputes only the
        replicas it had not finished, with results identical to an unbroken run. The
        saved state is also keyed on the exact inputs of the replicas (lattice, rates,
        initial configurations, seeds), so a checkpoint of another run is ignored. It
        is removed when the run completes.

    Returns
    -------
    KMCResult

    Raises
    ------
    ConfigError
        Non-positive temperature or rates, a concentration outside (0, 1), bad sizes.

    Examples
    --------
    >>> from scaleweave.engines.lattice.sites import standard_lattice
    >>> res = run_kmc(standard_lattice("square", 8, 3e-10), hop_rate=1e9, temperature=300,
    ...               n_carriers=1, n_events=2000, n_replicas=4, rng=1)
    >>> res.n_carriers, res.haven_ratio > 0
    (1, True)
    """
    temperature = _check_temperature(temperature)
    n_car = _n_vacancies(lattice.n_sites, mechanism, concentration, n_carriers)
    if n_samples < n_blocks or n_blocks < 1:
        raise ConfigError(f"kMC: need n_samples >= n_blocks >= 1, got {n_samples}, {n_blocks}")
    if n_replicas < 1:
        raise ConfigError(f"kMC: n_replicas must be at least 1, got {n_replicas}")
    rates, pclass, crate = hop_rate_classes(lattice, hop_rate, temperature, field, charge)
    e_vec = _field_vector(field)
    seeds, gen = _seeds(rng, n_replicas)
    configs = [np.sort(gen.permutation(lattice.n_sites)[:n_car]).astype(np.int64)
               for _ in range(n_replicas)]
    if t_end is None:
        n_ev = 100 * n_blocks * n_car if n_events is None else int(n_events)
        occ = np.zeros(lattice.n_sites, bool)
        occ[configs[0]] = True
        nbr = lattice.neighbors
        enabled = occ[:, None] & (nbr >= 0) & ~occ[np.where(nbr >= 0, nbr, 0)]
        total = float(rates[enabled].sum())
        if total <= 0:
            raise ConfigError("kMC: no hop is possible in the initial configuration")
        t_end = n_ev / total
    elif not (t_end > 0 and math.isfinite(t_end)):
        raise ConfigError(f"kMC: t_end must be positive (s), got {t_end}")
    t_samples = np.linspace(t_end / n_samples, t_end, n_samples)
    times = np.concatenate([[0.0], t_samples])
    msd = np.zeros((n_replicas, n_samples + 1))
    xsum = np.zeros((n_replicas, n_samples + 1, 3))
    edges = np.unique(np.round(np.linspace(0, n_samples, n_blocks + 1)).astype(int))
    f_blocks = []
    r2_blocks = np.zeros((n_replicas, edges.size - 1))
    events = 0
    dim = lattice.dim
    block_ends = (edges[1:] - 1).astype(np.int64)
    fingerprint = content_hash({"kernel": "kmc_diffusion", "lattice": (
        lattice.neighbors, lattice.reverse, lattice.displacements), "pclass": pclass,
        "crate": crate, "configs": configs, "t_samples": t_samples, "blocks": block_ends,
        "seeds": seeds})
    saved = checkpoint.load() if checkpoint is not None else None
    finished: dict[int, tuple] = (saved["replicas"] if saved and
                                  saved.get("fingerprint") == fingerprint else {})
    for r in range(n_replicas):
        if r not in finished:
            finished[r] = _kmc_diffusion(
                lattice.neighbors, lattice.reverse, lattice.displacements, pclass, crate,
                configs[r], t_samples, block_ends, int(seeds[r]))[3:]
            if checkpoint is not None and (r + 1) % checkpoint.every == 0:
                checkpoint.save(r + 1, {"fingerprint": fingerprint, "replicas": finished})
        msd_r, x_r, b_r2, b_hop2, ev = finished[r]
        msd[r, 1:], xsum[r, 1:] = msd_r, x_r
        f_blocks.extend(b_r2[b_hop2 > 0] / b_hop2[b_hop2 > 0])
        r2_blocks[r] = b_r2
        events += int(ev)
    if checkpoint is not None:
        checkpoint.clear()
    if events == 0:
        raise ModelError("kMC: no event happened; increase n_events or t_end")
    # Blocks of the centre-of-mass motion (sample index 0 is t = 0).
    tau = np.diff(times[edges])
    dx = np.diff(xsum[:, edges, :], axis=1).reshape(-1, 3)  # (R * B, 3)
    tau_all = np.tile(tau, n_replicas)
    v_blocks = dx / (n_car * tau_all[:, None])
    v, v_err = _block_stats(v_blocks)
    fluct = dx - n_car * v[None, :] * tau_all[:, None]
    n_b = fluct.shape[0]
    d_blocks = np.sum(fluct**2, axis=1) / (2 * dim * tau_all * n_car) * (n_b / max(n_b - 1, 1))
    d_sig, d_sig_err = _block_stats(d_blocks[:, None])
    d_tr, d_tr_err = _block_stats((r2_blocks.ravel() / (2 * dim * tau_all * n_car))[:, None])
    f_mean, f_err = _block_stats(np.asarray(f_blocks, dtype=float).reshape(-1, 1)) if f_blocks \
        else (np.array([np.nan]), np.array([np.nan]))
    d_sig, d_sig_err, d_tr, d_tr_err = (float(x[0]) for x in (d_sig, d_sig_err, d_tr, d_tr_err))
    haven = d_tr / d_sig
    haven_err = abs(haven) * math.hypot(d_tr_err / d_tr, d_sig_err / d_sig)
    rates0, _, _ = hop_rate_classes(lattice, hop_rate, temperature, 0.0, charge)
    d0 = float(np.mean(np.sum(rates0 * np.sum(lattice.displacements**2, -1), axis=1))) / (2 * dim)
    msd_mean, msd_err = _block_stats(msd)
    return KMCResult(
        times=times, msd=msd_mean, msd_err=msd_err,
        tracer_diffusivity=d_tr, tracer_diffusivity_err=d_tr_err,
        collective_diffusivity=d_sig, collective_diffusivity_err=d_sig_err,
        haven_ratio=haven, haven_ratio_err=haven_err,
        drift_velocity=v, drift_velocity_err=v_err,
        correlation_factor=float(f_mean[0]), correlation_factor_err=float(f_err[0]),
        block_hops_per_carrier=events / (n_replicas * (edges.size - 1) * n_car),
        uncorrelated_diffusivity=d0, n_carriers=n_car, n_sites=lattice.n_sites,
        n_events=events, n_replicas=n_replicas, dim=dim, temperature=temperature,
        charge=float(charge), field=e_vec, volume=lattice.volume, mechanism=mechanism,
        seeds=seeds)


def linear_response_validity(field: float, hop_distance: float, temperature: float, *,
                             charge_number: float = 1.0, limit: float = 0.1) -> Validity:
    """``|q| E a / (kB T)`` against ``limit``: is a drift measurement linear response?

    Examples
    --------
    >>> linear_response_validity(1e6, 3e-10, 300.0).ok
    True
    """
    ratio = abs(charge_number) * ELEMENTARY_CHARGE * abs(field) * hop_distance / (
        BOLTZMANN * temperature)
    return Validity("transport", "field work per hop over kT (qEa/kT)", ratio, limit)


def __getattr__(name: str) -> Any:
    """:class:`KMCModel`, imported on first use (its module imports this one)."""
    if name == "KMCModel":
        from scaleweave.engines.lattice.kmc_model import KMCModel

        return KMCModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
