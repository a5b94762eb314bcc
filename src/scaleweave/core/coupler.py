"""Concurrent coupling: submodels that advance together, each with its own step.

A :class:`Coupler` advances its :class:`Submodel` s over macro steps of length
``H``. Inside a macro step each submodel subcycles with its own step ``dt`` (``H``
must be a whole multiple of every ``dt``). Submodels advance *slowest first*: when
a fast submodel runs, its slow partners have already reached the end of the macro
step, so the fast one reads their boundary data from a :class:`Waveform`
interpolated in time (linear by default, cubic Hermite on request). A partner that
has not advanced yet is known only at the start of the step; its waveform refuses
later reads, so an ordering mistake is an error, not a silent loss of accuracy.
After all have advanced, each submodel's :meth:`Submodel.synchronize` gets its
partners' values at the end of the step (velocity Verlet closes its last half-kick
there).

Before running, :meth:`Coupler.validate` checks the wiring (every import fed once,
units of one dimension) and refuses any explicit submodel whose step exceeds its
stability limit, giving the limit.

How to write a submodel
-----------------------
1. Subclass :class:`Submodel`; declare ``imports`` / ``exports`` as ports with units.
2. Set ``dt`` (s), ``explicit``, and implement :meth:`Submodel.stability_limit`.
3. Implement :meth:`Submodel.export` (current SI values of the export ports),
   :meth:`Submodel.advance` and, if needed, :meth:`Submodel.synchronize`.
4. Count work in ``self.work`` (e.g. node updates) so cost can be compared.
5. For checkpoints, :meth:`Submodel.state` must return everything that determines
   the future of the submodel and :meth:`Submodel.restore` put it back. The default
   deep-copies every attribute (arrays, clock, counters, random generators);
   override it when attributes are views of one another (a copy breaks the view),
   large and derivable, or not picklable.

Checkpoints
-----------
``Coupler.run(t_end, checkpoint=Checkpoint(folder, key, every=K))`` writes the state
of every submodel (and of the ``observe`` callable, when it has ``state`` /
``restore``) every K macro steps, and a run started again with the same key resumes
from the last one: the result is identical to an uninterrupted run.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scaleweave.core.model import Port, _first_bad
from scaleweave.core.units import dimensionality, format_unit
from scaleweave.core.waveform import INTERPOLATIONS, HoldWaveform, Waveform
from scaleweave.errors import CouplingError, NonFiniteError, StabilityError

__all__ = ["Coupler", "CouplerStats", "Exchange", "Submodel"]


class Submodel:
    """A time-stepping model inside a :class:`Coupler`.

    Attributes
    ----------
    name : str
        Instance name, used as ``name.port`` in exchanges.
    imports, exports : tuple of Port
        Boundary data received from and offered to partners.
    dt : float
        Own time step (s).
    explicit : bool
        True if the step is limited by stability (checked before running).
    work : int
        Cost counter the submodel increments (units are the submodel's, e.g. node updates).
    """

    imports: tuple[Port, ...] = ()
    exports: tuple[Port, ...] = ()
    explicit: bool = True

    def __init__(self, name: str, dt: float) -> None:
        self.name = name
        self.dt = float(dt)
        self.t = 0.0
        self.work = 0

    def stability_limit(self) -> float | None:
        """Largest stable step (s) of the explicit scheme, or None if unlimited."""
        return None

    def stability_formula(self) -> str:
        """How :meth:`stability_limit` is computed, for the error message."""
        return "the scheme's stability limit"

    def export(self) -> dict[str, Any]:
        """Current SI values of every export port."""
        raise NotImplementedError

    def export_rate(self) -> dict[str, Any]:
        """Time derivatives of the exports (only needed for Hermite waveforms)."""
        raise NotImplementedError(f"submodel {self.name!r} does not export rates")

    def advance(self, t0: float, t1: float, boundary: Mapping[str, Waveform]) -> None:
        """Advance from ``t0`` to ``t1`` with own step, reading imports from ``boundary``."""
        raise NotImplementedError

    def synchronize(self, t1: float, boundary: Mapping[str, Any]) -> None:
        """Receive every partner's value at ``t1`` once all have advanced (default: no-op)."""

    def state(self) -> dict[str, Any]:
        """Everything that determines the submodel's future (a deep copy; picklable)."""
        return copy.deepcopy(vars(self))

    def restore(self, state: Mapping[str, Any]) -> None:
        """Put back what :meth:`state` returned."""
        vars(self).update(copy.deepcopy(dict(state)))


@dataclass(frozen=True)
class Exchange:
    """Export ``source`` ("submodel.port") feeds import ``target``, interpolated in time."""

    source: str
    target: str
    interpolation: str = "linear"


@dataclass
class CouplerStats:
    """Counters of a coupled run.

    Attributes
    ----------
    macro_steps : int
        Synchronisation points passed.
    work : dict
        Each submodel's ``work`` counter.
    wall_s : float
        Wall time (s) of :meth:`Coupler.run`.
    """

    macro_steps: int = 0
    work: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0


class Coupler:
    """Advance submodels together with macro step ``macro_dt`` (s).

    Parameters
    ----------
    submodels : sequence of Submodel
        The partners; advanced in order of decreasing ``dt`` (slowest first).
    exchanges : iterable of Exchange
        Which export feeds which import.
    macro_dt : float, optional
        Synchronisation interval (s); defaults to the largest submodel step.
    check_finite : bool
        Check exported values for NaN/inf at every synchronisation point.
    """

    def __init__(
        self,
        submodels: Sequence[Submodel],
        exchanges: Iterable[Exchange] = (),
        macro_dt: float | None = None,
        *,
        check_finite: bool = True,
    ) -> None:
        self.submodels = {s.name: s for s in submodels}
        if len(self.submodels) != len(submodels):
            raise CouplingError("two submodels share a name")
        self.exchanges = list(exchanges)
        self.macro_dt = float(macro_dt if macro_dt is not None else max(s.dt for s in submodels))
        self.check_finite = check_finite
        self.order = sorted(submodels, key=lambda s: -s.dt)
        self.t = 0.0

    def describe(self) -> dict[str, Any]:
        """The coupling as plain data, in the shape of
        :meth:`scaleweave.core.study.Study.describe` (submodels slowest first, each with
        its step; exchanges as links), for ``scaleweave show`` and the report."""
        models = {}
        for sub in self.order:
            models[sub.name] = {
                "identity": f"{type(sub).__name__} (dt = {sub.dt:.4g} s)",
                "scale_m": None,
                "inputs": [[p.name, format_unit(p.unit)] for p in sub.imports],
                "outputs": [[p.name, format_unit(p.unit)] for p in sub.exports],
                "diagnostics": ([f"stability: dt <= {sub.stability_formula()}"]
                                if sub.explicit else []),
            }
        return {"models": models, "links": [[e.source, e.target] for e in self.exchanges],
                "parameters": {}, "inputs": {"macro_dt": f"{self.macro_dt:.6g} s"},
                "concurrent": True}

    # -- checking ---------------------------------------------------------------------
    def _lookup(self, ref: str, kind: str) -> tuple[Submodel, Port] | str:
        if ref.count(".") != 1:
            return f"exchange end {ref!r} must be written 'submodel.port'"
        name, pname = ref.split(".")
        sub = self.submodels.get(name)
        if sub is None:
            return f"{ref}: no submodel named {name!r}; submodels are {list(self.submodels)}"
        ports = sub.exports if kind == "export" else sub.imports
        for p in ports:
            if p.name == pname:
                return sub, p
        return f"submodel {name!r} has no {kind} port {pname!r}; its {kind}s: " + str(
            [p.name for p in ports]
        )

    def validate(self) -> list[str]:
        """Every wiring and set-up problem, one line each (stability excluded)."""
        problems: list[str] = []
        fed: dict[str, list[str]] = {}
        if not (self.macro_dt > 0 and math.isfinite(self.macro_dt)):
            problems.append(f"macro step must be a positive number of seconds, got {self.macro_dt}")
            return problems
        for ex in self.exchanges:
            src, dst = self._lookup(ex.source, "export"), self._lookup(ex.target, "import")
            for end in (src, dst):
                if isinstance(end, str):
                    problems.append(end)
            if ex.interpolation not in INTERPOLATIONS:
                problems.append(
                    f"exchange {ex.source} -> {ex.target}: unknown interpolation "
                    f"{ex.interpolation!r}; choose from {sorted(INTERPOLATIONS)}"
                )
            if isinstance(src, str) or isinstance(dst, str):
                continue
            fed.setdefault(ex.target, []).append(ex.source)
            if dimensionality(src[1].unit) != dimensionality(dst[1].unit):
                problems.append(
                    f"unit mismatch on {ex.source} -> {ex.target}: "
                    f"[{format_unit(src[1].unit) or 'dimensionless'}] does not fit "
                    f"[{format_unit(dst[1].unit) or 'dimensionless'}]"
                )
        for name, sub in self.submodels.items():
            for p in sub.imports:
                ref = f"{name}.{p.name}"
                if ref not in fed:
                    problems.append(f"submodel {name!r} import {p.name!r} is not fed")
                elif len(fed[ref]) > 1:
                    problems.append(
                        f"submodel {name!r} import {p.name!r} is fed twice: by "
                        + " and by ".join(fed[ref])
                    )
            if not (sub.dt > 0 and math.isfinite(sub.dt)):
                problems.append(f"submodel {name!r}: step must be positive, got {sub.dt} s")
                continue
            ratio = self.macro_dt / sub.dt
            if abs(ratio - round(ratio)) > 1e-9 * max(ratio, 1.0) or round(ratio) < 1:
                problems.append(
                    f"submodel {name!r}: macro step {self.macro_dt:.6g} s is not a whole "
                    f"multiple of its step {sub.dt:.6g} s (ratio {ratio:.6g})"
                )
        return problems

    def check(self) -> None:
        """Raise on wiring problems, then on any explicit step above its stability limit."""
        problems = self.validate()
        if problems:
            raise CouplingError(problems)
        for sub in self.order:
            limit = sub.stability_limit() if sub.explicit else None
            if limit is not None and sub.dt > limit * (1 + 1e-12):
                raise StabilityError(
                    f"submodel {sub.name!r}: step {sub.dt:.6g} s exceeds its explicit "
                    f"stability limit {limit:.6g} s ({sub.stability_formula()}); use a step "
                    f"<= {limit:.6g} s, e.g. at least {math.ceil(self.macro_dt / limit)} "
                    f"substeps per macro step of {self.macro_dt:.6g} s"
                )

    # -- running ----------------------------------------------------------------------
    def _sources(self) -> dict[str, list[tuple[Exchange, Submodel, str, str]]]:
        per_target: dict[str, list[tuple[Exchange, Submodel, str, str]]] = {}
        for ex in self.exchanges:
            s_name, s_port = ex.source.split(".")
            t_name, t_port = ex.target.split(".")
            per_target.setdefault(t_name, []).append(
                (ex, self.submodels[s_name], s_port, t_port)
            )
        return per_target

    def run(
        self,
        t_end: float,
        *,
        observe: Callable[[float, Coupler], None] | None = None,
        observe_every: int = 1,
        progress: Callable[[int], None] | None = None,
        checkpoint: Any = None,
    ) -> CouplerStats:
        """Advance every submodel from the current time to ``t_end`` (s).

        Parameters
        ----------
        t_end : float
            End time (s); rounded to a whole number of macro steps.
        observe : callable, optional
            ``observe(t, coupler)`` after every ``observe_every`` synchronisations
            (and at t=0 and the end).
        progress : callable, optional
            Called with the number of macro steps just done (for progress bars).
        checkpoint : Checkpoint, optional
            Resume from its saved state if it has one, save every ``checkpoint.every``
            macro steps, and remove it when the run completes
            (:class:`~scaleweave.core.checkpoint.Checkpoint`).

        Raises
        ------
        CouplingError, StabilityError
            Before the first step, for wiring or stability problems.
        NonFiniteError
            When an exported value turns NaN or infinite; names submodel, port, time.
        """
        import time

        self.check()
        start = time.perf_counter()
        n_macro = round((t_end - self.t) / self.macro_dt)
        sources = self._sources()
        H = self.macro_dt
        stats = CouplerStats()
        rate_sources = {
            src.name
            for feeds in sources.values()
            for ex, src, _, _ in feeds
            if INTERPOLATIONS[ex.interpolation].needs_rate
        }
        first = 0
        saved = checkpoint.load() if checkpoint is not None else None
        if saved is not None:
            self._restore(saved, observe)
            first = int(checkpoint.resumed_at)
            if progress is not None:
                progress(first)
        elif observe is not None:
            observe(self.t, self)
        stats.macro_steps = first
        for step in range(first, n_macro):
            t0 = self.t
            t1 = t0 + H
            at_start = {name: sub.export() for name, sub in self.submodels.items()}
            rates = {name: self.submodels[name].export_rate() for name in rate_sources}
            at_end: dict[str, dict[str, Any]] = {}
            for sub in self.order:
                boundary: dict[str, Waveform] = {}
                for ex, src, s_port, t_port in sources.get(sub.name, ()):
                    y0 = at_start[src.name][s_port]
                    if src.name not in at_end:
                        boundary[t_port] = HoldWaveform(t0, y0)
                        continue
                    cls = INTERPOLATIONS[ex.interpolation]
                    y1 = at_end[src.name][s_port]
                    if cls.needs_rate:
                        boundary[t_port] = cls(t0, y0, rates[src.name][s_port], t1, y1,
                                               src.export_rate()[s_port])
                    else:
                        boundary[t_port] = cls(t0, y0, t1, y1)
                sub.advance(t0, t1, boundary)
                sub.t = t1
                at_end[sub.name] = sub.export()
            for sub in self.order:
                sub.synchronize(
                    t1,
                    {t_port: at_end[src.name][s_port]
                     for _, src, s_port, t_port in sources.get(sub.name, ())},
                )
            self.t = t1
            if self.check_finite:
                self._check_finite(t1)
            stats.macro_steps += 1
            if progress is not None:
                progress(1)
            if observe is not None and ((step + 1) % observe_every == 0 or step + 1 == n_macro):
                observe(t1, self)
            if checkpoint is not None and (step + 1) % checkpoint.every == 0 and \
                    step + 1 < n_macro:
                checkpoint.save(step + 1, self._state(observe))
        if checkpoint is not None:
            checkpoint.clear()
        stats.work = {name: sub.work for name, sub in self.submodels.items()}
        stats.wall_s = time.perf_counter() - start
        return stats

    def _state(self, observe: Any) -> dict[str, Any]:
        """What a checkpoint holds: every submodel, the clock, an observer's records."""
        watcher = observe if callable(getattr(observe, "state", None)) else None
        return {"t": self.t, "submodels": {n: s.state() for n, s in self.submodels.items()},
                "observer": None if watcher is None else watcher.state()}

    def _restore(self, saved: Mapping[str, Any], observe: Any) -> None:
        """Put a checkpoint back (submodels, clock, observer)."""
        if set(saved["submodels"]) != set(self.submodels):
            raise CouplingError(f"checkpoint holds submodels {sorted(saved['submodels'])}, "
                                f"the coupler has {sorted(self.submodels)}")
        for name, state in saved["submodels"].items():
            self.submodels[name].restore(state)
        self.t = saved["t"]
        if saved["observer"] is not None and callable(getattr(observe, "restore", None)):
            observe.restore(saved["observer"])

    def _check_finite(self, t: float) -> None:
        for sub in self.order:
            for port, value in sub.export().items():
                if isinstance(value, float) and math.isfinite(value):
                    continue  # scalar fast path (numpy float64 is a float)
                bad = _first_bad(value)
                if bad is not None:
                    raise NonFiniteError(
                        f"submodel {sub.name!r} export {port!r} is not finite ({bad}) at "
                        f"t={t:.6g} s"
                    )

