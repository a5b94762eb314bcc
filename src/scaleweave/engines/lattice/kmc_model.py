"""Lattice kMC as a study model: :class:`KMCModel` (hop rate and field to transport).

The model wraps :func:`~scaleweave.engines.lattice.kmc.run_kmc`: it runs kMC once
per (temperature, field) at a hop rate of 1/s and rescales the result to every
sampled hop rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scaleweave.core.model import Diagnostic, Model, Port
from scaleweave.engines.lattice.kmc import (
    KMCResult,
    Mechanism,
    _n_vacancies,
    linear_response_validity,
    run_kmc,
)
from scaleweave.engines.lattice.sites import Lattice
from scaleweave.errors import ConfigError

__all__ = ["KMCModel"]


class KMCModel(Model):
    """Lattice kMC as a study model: hop rate (and optionally a field) to transport.

    Ports
    -----
    Inputs: ``hop_rate`` [1/s] (zero-field rate of one hop path), ``temperature`` [K],
    ``electric_field`` [V/m] (along ``field_direction``; tagged
    ``driving_force="electric_field"``, default 0 = not applied).
    Outputs: ``tracer_diffusivity``, ``collective_diffusivity`` [m^2/s], ``haven_ratio``
    [-], ``drift_velocity`` [m/s] (along the field direction), ``mobility``
    [m^2/(V s)] (drift / field under a field, Einstein ``q D_sigma / kT`` without),
    ``correlation_factor`` [-] (the carriers' tracer correlation factor over the
    blocks), each with its ``*_err`` (one standard error), and ``carrier_density``
    [1/m^3].
    Also ``uncorrelated_diffusivity`` [m^2/s] (a lone carrier), ``concentration``
    [-] (carriers per site), the tracer MSD curve ``msd_time`` [s], ``msd`` and
    ``msd_err`` [m^2] (``n_msd`` = ``n_samples + 1`` points), and the linear-response
    diagnostic ``field_work_over_kT`` = ``|q| E a / kT`` (declared in
    :attr:`diagnostics`, limit 0.1; zero without a field). Everything a case needs
    later is an output: nothing is kept on the model, which may run on a worker.

    Vectorized by time rescaling: every path's rate is proportional to ``hop_rate``,
    so the model runs kMC once per (temperature, field) at 1/s, memoises it, and
    scales (:meth:`KMCResult.rescaled`; exact, the same seed gives the same events).
    An ensemble over an uncertain barrier therefore costs one kMC run per
    temperature, not one per sample.

    Parameters
    ----------
    lattice : Lattice
        The lattice (:func:`~scaleweave.engines.lattice.sites.standard_lattice` or
        :func:`~scaleweave.engines.lattice.sites.lattice_from_atoms`).
    concentration, n_carriers, mechanism, charge, n_events, n_replicas, n_samples, n_blocks
        As in :func:`run_kmc`.
    seed : int
        Seed of the run (the model is deterministic given it, hence cacheable).
    field_direction : 3-vector
        Direction of the applied field.
    name : str
        Instance name.
    """

    inputs = (
        Port("hop_rate", "1/s", description="zero-field rate of one hop path"),
        Port("temperature", "K", description="absolute temperature"),
        Port("electric_field", "V/m", description="applied field along field_direction",
             driving_force="electric_field", default=0.0),
    )
    _PAIRS = (
        ("tracer_diffusivity", "m**2/s", "tracer diffusivity D*"),
        ("collective_diffusivity", "m**2/s", "collective (charge) diffusivity D_sigma"),
        ("haven_ratio", "", "Haven ratio D*/D_sigma"),
        ("drift_velocity", "m/s", "mean carrier velocity along the field direction"),
        ("mobility", "m**2/(V*s)", "carrier mobility (drift, or Einstein without field)"),
        ("correlation_factor", "", "tracer correlation factor f of the carriers"),
    )
    outputs = (
        *(Port(n, u, description=d) for base, u, d in _PAIRS for n in (base, f"{base}_err")),
        Port("carrier_density", "1/m**3", description="carriers per volume"),
        Port("uncorrelated_diffusivity", "m**2/s", description="D0 of a lone carrier"),
        Port("concentration", "", description="carriers per site"),
        Port("msd_time", "s", ("n_msd",), description="times of the tracer MSD curve"),
        Port("msd", "m**2", ("n_msd",), description="tracer mean-square displacement"),
        Port("msd_err", "m**2", ("n_msd",), description="standard error of the MSD"),
        Port("field_work_over_kT", "", description="linear-response diagnostic qEa/kT"),
    )
    cacheable = True
    vectorized = True
    code_version = "2"
    identity = "lattice.kmc"
    diagnostics = (Diagnostic("field work per hop over kT (qEa/kT)", "field_work_over_kT",
                              0.1),)
    _CURVES = ("msd_time", "msd", "msd_err")

    def __init__(self, *, lattice: Lattice, concentration: float | None = None,
                 n_carriers: int | None = None, mechanism: Mechanism = "interstitial",
                 charge: float = 1.0, n_events: int | None = None, n_replicas: int = 4,
                 n_samples: int = 100, n_blocks: int = 10, seed: int = 0,
                 field_direction: Any = (1.0, 0.0, 0.0), name: str = "kmc") -> None:
        self.lattice = lattice
        self.name = name
        self.concentration, self.n_carriers, self.mechanism = concentration, n_carriers, mechanism
        self.charge, self.n_events, self.n_replicas = charge, n_events, n_replicas
        self.n_samples, self.n_blocks = n_samples, n_blocks
        self._settings = {"concentration": concentration, "n_carriers": n_carriers,
                         "mechanism": mechanism, "charge": charge, "n_events": n_events,
                         "n_replicas": n_replicas, "n_samples": n_samples, "n_blocks": n_blocks}
        _n_vacancies(lattice.n_sites, mechanism, concentration, n_carriers)  # check early
        if n_replicas < 2:
            raise ConfigError(f"KMCModel {name!r}: n_replicas must be at least 2 for error "
                              f"bars, got {n_replicas}")
        self.seed = seed
        self.field_direction = field_direction
        d = np.asarray(field_direction, dtype=float)
        self._direction = d / np.linalg.norm(d)
        self.length_scale = lattice.hop_distance
        self._unit_runs: dict[tuple[float, float], KMCResult] = {}  # a memo, not a result

    def run_unit_rate(self, temperature: float, field: float) -> KMCResult:
        """The kMC run at a hop rate of 1/s (memoised per temperature and field)."""
        key = (float(temperature), float(field))
        if key not in self._unit_runs:
            self._unit_runs[key] = run_kmc(
                self.lattice, hop_rate=1.0, temperature=key[0],
                field=key[1] * self._direction, rng=int(self.seed), **self._settings)
        return self._unit_runs[key]

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        rate, temp, field = np.broadcast_arrays(
            *(np.asarray(inputs[k], dtype=float)
              for k in ("hop_rate", "temperature", "electric_field")))
        if np.any(~np.isfinite(rate)) or np.any(rate <= 0):
            raise ConfigError(f"model {self.name!r} input 'hop_rate' must be positive (1/s), "
                              f"got {rate.ravel()[:5].tolist()}")
        n_msd = int(self.n_samples) + 1
        out = {p.name: np.empty((*rate.shape, n_msd) if p.name in self._CURVES else rate.shape)
               for p in self.outputs}
        for idx in np.ndindex(rate.shape):
            unit = self.run_unit_rate(temp[idx], field[idx])
            res = unit.rescaled(rate[idx])
            mu, mu_err = res.mobility()
            values = {
                "tracer_diffusivity": res.tracer_diffusivity,
                "tracer_diffusivity_err": res.tracer_diffusivity_err,
                "collective_diffusivity": res.collective_diffusivity,
                "collective_diffusivity_err": res.collective_diffusivity_err,
                "haven_ratio": res.haven_ratio, "haven_ratio_err": res.haven_ratio_err,
                "correlation_factor": res.correlation_factor,
                "correlation_factor_err": res.correlation_factor_err,
                "drift_velocity": float(res.drift_velocity @ self._direction),
                "drift_velocity_err": float(np.sqrt(np.sum(
                    (res.drift_velocity_err * self._direction) ** 2))),
                "mobility": mu, "mobility_err": mu_err,
                "carrier_density": res.carrier_density,
                "uncorrelated_diffusivity": res.uncorrelated_diffusivity,
                "concentration": res.concentration,
                "msd_time": res.times, "msd": res.msd, "msd_err": res.msd_err,
                "field_work_over_kT": linear_response_validity(
                    float(field[idx]), self.lattice.hop_distance, res.temperature,
                    charge_number=float(self.charge)).value,
            }
            for name, value in values.items():
                out[name][idx] = value
        return {k: float(v) if v.ndim == 0 else v for k, v in out.items()}
