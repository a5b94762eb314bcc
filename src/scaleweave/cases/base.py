"""What a case is: declared parameters, a study's wiring, references, analysis, figures.

A case is a template: it declares data and wiring, and :class:`Case` runs it.

How to write a case
-------------------
1. Subclass :class:`Case` (in ``cases/<name>/__init__.py``) and declare ``name``
   (the results folder), ``title``, ``summary`` (the one line ``scaleweave list``
   prints), ``parameters`` (each a :class:`~scaleweave.core.parameters.Parameter`,
   with the ``"model.port"`` inputs it ``binds`` and the ``scale`` it belongs to),
   ``quick`` (overrides for the fast
   gallery run), ``requires`` (``(module, extra)`` pairs) and, for a case with an
   ensemble, ``samples_parameter`` (what ``--samples`` sets).
2. Implement the hooks: in a case package, as functions of the same name and
   signature in its modules (:attr:`Case.hook_modules`: ``study``, ``sampling`` and
   ``analyse`` in ``study.py``, ``references`` in ``references.py``, ``figures`` in
   ``figures.py``), so the declaration holds no code; in a single-file case, as
   methods.

   * :meth:`Case.study` -- wiring only: the models, bridges and links, as one
     :class:`~scaleweave.core.study.Study` or several by label. Nothing runs here,
     so ``scaleweave show`` can print the graph. A concurrent coupling (a
     :class:`~scaleweave.core.coupler.Coupler`) may stand beside the studies: the
     base records its graph and hands it to :meth:`Case.analyse` unrun, since its
     run needs the context (checkpoints, progress). A study may bind a value that an
     earlier study's nominal run supplies (:class:`Upstream`: an expensive lower
     scale run once, then fed to a sampled study).
   * :meth:`Case.sampling` -- how each study's uncertain parameters are sampled and
     which outputs get Sobol' indices (default: ``samples_parameter`` samples).
   * :meth:`Case.references` -- the analytic or published values, computed from the
     parameters alone (:class:`~scaleweave.core.checks.Reference`, or
     :class:`~scaleweave.core.checks.SkippedReference` with the reason it does not
     apply).
   * :meth:`Case.analyse` -- the outputs and the Dataset from the studies' runs; a
     case's stages that are not a study graph (a concurrent coupled run, an MCMC
     fit) run here, through the context (seeds, workers, checkpoints).
   * :meth:`Case.figures` -- drawn from ``result.nc`` alone, so
     ``scaleweave report --redraw DIR`` redraws any results folder.

The base does what every case needs: requirements, ``--samples``, binding the
parameters to their ports, propagating the uncertain ones (resumable campaigns,
Dask), Sobol' indices per parameter and per declared scale, collecting every
bridge's validity, stage timings, checking the references and recording the study
graph.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import statistics
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from scaleweave.cases.context import RunContext
from scaleweave.cases.hooks import Analysis, CaseRuns, Sampling, StudyRun, Upstream
from scaleweave.core.checks import Reference, ReferenceCheck, SkippedReference, Validity
from scaleweave.core.parameters import Parameter, ParameterValues
from scaleweave.core.results import CaseResult, Output
from scaleweave.errors import ConfigError, MissingExtraError

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

    from scaleweave.core.study import Study
    from scaleweave.uq.sensitivity import SobolResult

__all__ = ["Analysis", "Case", "CaseRuns", "RunContext", "Sampling", "StudyRun",
           "Upstream"]


class Case:
    """A runnable study from the essay: declared data and wiring; the base runs it."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    quick: ClassVar[dict[str, Any]] = {}
    requires: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: The parameter ``--samples`` sets (the case's ensemble size); None: no ensemble.
    samples_parameter: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "run" in vars(cls):
            raise TypeError(f"case {cls.__name__} overrides Case.run; implement study(), "
                            "references(), analyse() and figures() instead")

    # -- declaration checks ----------------------------------------------------------
    @classmethod
    def samples_override(cls, samples: int | None) -> dict[str, int] | None:
        """``--samples N`` as a value of :attr:`samples_parameter` (checked like any other).

        Raises
        ------
        ConfigError
            The case has no ensemble size for ``--samples`` to set.
        """
        if samples is None:
            return None
        if cls.samples_parameter is None:
            raise ConfigError(f"case {cls.name!r} has no ensemble size, so --samples does not "
                              "apply to it; set its parameters with --set")
        return {cls.samples_parameter: samples}

    @classmethod
    def missing_requirements(cls) -> list[tuple[str, str]]:
        """The ``(module, extra)`` pairs of :attr:`requires` whose module is not installed."""
        return [(module, extra) for module, extra in cls.requires
                if importlib.util.find_spec(module) is None]

    @classmethod
    def check_requirements(cls) -> None:
        """Raise :class:`MissingExtraError` naming the extra for a missing module."""
        missing = cls.missing_requirements()
        if missing:
            module, extra = missing[0]
            raise MissingExtraError(
                f"case {cls.name!r} needs the optional package {module!r}: "
                f"pip install 'scaleweave[{extra}]'"
            )

    # -- the hooks a case implements ---------------------------------------------------
    #: Hook -> the module of the case's package that defines a function of that name
    #: with the method's signature. A case package holds only its declaration in
    #: ``__init__.py``; a single-file case overrides the methods instead.
    hook_modules: ClassVar[Mapping[str, str]] = {
        "study": "study", "sampling": "study", "analyse": "study",
        "references": "references", "figures": "figures"}

    def _hook(self, name: str) -> Any:
        """The package function implementing hook ``name``, or None."""
        module = sys.modules[type(self).__module__]
        if getattr(module, "__path__", None) is None:  # a module, not a case package
            return None
        modules = {**Case.hook_modules, **type(self).hook_modules}
        target = f"{module.__name__}.{modules[name]}"
        try:
            return getattr(importlib.import_module(target), name, None)
        except ModuleNotFoundError as exc:
            if exc.name != target:
                raise
            return None

    def study(self, params: ParameterValues, ctx: RunContext) -> Study | Mapping[str, Any]:
        """The case's study graph(s) (and couplers): models, bridges and links; nothing
        is run.

        Parameters declared with ``binds`` are bound by the base (into the study that
        holds all their target models); do not bind them here.
        """
        hook = self._hook("study")
        return hook(params, ctx) if hook else {}

    def sampling(self, label: str, params: ParameterValues) -> Sampling:
        """How study ``label``'s uncertain parameters are propagated."""
        hook = self._hook("sampling")
        if hook:
            return hook(label, params)
        n = params[self.samples_parameter] if self.samples_parameter in params else 1024
        return Sampling(n=int(n))

    def references(self, params: ParameterValues) -> list[Reference | SkippedReference]:
        """Analytic or published values for the case's outputs, from ``params`` alone."""
        hook = self._hook("references")
        return hook(params) if hook else []

    def analyse(self, runs: CaseRuns, ctx: RunContext) -> Analysis:
        """The outputs and the Dataset, from the studies' runs (see the module docstring)."""
        hook = self._hook("analyse")
        if hook is None:
            raise NotImplementedError(f"case {self.name!r} implements no analyse()")
        return hook(runs, ctx)

    def figures(self, dataset: xr.Dataset) -> dict[str, Figure]:
        """Figures (file stem -> figure, headline first) from ``result.nc``'s Dataset.

        Each figure's one-line caption in the report is its ``caption`` attribute
        (``fig.caption = "..."``), else its suptitle, else its axes' titles.
        """
        hook = self._hook("figures")
        return hook(dataset) if hook else {}

    # -- the template ----------------------------------------------------------------
    def report_figures(self, dataset: xr.Dataset) -> dict[str, Figure]:
        """:meth:`figures`, then the drawing of the study graph(s) the run recorded."""
        from scaleweave.report.graph import study_graph_figure

        figures = dict(self.figures(dataset))
        graph = study_graph_figure(dataset.attrs.get("study_graph"))
        if graph is not None:
            figures.setdefault("study-graph", graph)
        return figures

    def studies(self, params: ParameterValues, ctx: RunContext) -> dict[str, Study]:
        """:meth:`study` by label, with the declared parameters bound (nothing run)."""
        from scaleweave.core.study import Study

        built = self.study(params, ctx)
        studies = dict(built) if isinstance(built, Mapping) else {"study": built}
        for p in self.parameters:
            if not p.binds:
                continue
            models = {t.partition(".")[0] for t in p.binds}
            holders = [s for s in studies.values()
                       if isinstance(s, Study) and models <= set(s.models)]
            if not holders:
                raise ConfigError(f"case {self.name!r}: parameter {p.name!r} binds "
                                  f"{list(p.binds)}, but no study has the models {sorted(models)}")
            holders[0].bind(p.name, *p.binds, value=params.quantity(p.name))
        return studies

    def run(self, params: ParameterValues, ctx: RunContext) -> CaseResult:
        """Run the studies, the analysis and the reference checks (do not override)."""
        timings: dict[str, float] = {}
        runs = CaseRuns(params)
        for index, (label, study) in enumerate(self.studies(params, ctx).items()):
            _resolve_upstream(label, study, runs)
            runs.runs[label] = self._run_study(label, study, params, ctx, index)
            timings[label] = runs.runs[label].seconds
        tic = time.perf_counter()
        analysis = self.analyse(runs, ctx)
        timings.update(analysis.timings)
        timings["analyse"] = time.perf_counter() - tic - sum(analysis.timings.values())
        outputs = dict(analysis.outputs)
        withheld: set[str] = set()
        for run in runs.values():
            if run.sobol is not None:
                indices, check, bad = sobol_outputs(run.sobol, f"{run.label} (Sobol')")
                outputs.update(indices)
                run.validity.append(check)
                withheld |= bad
        checks, skipped = [], []
        for ref in self.references(params):
            if isinstance(ref, SkippedReference):
                skipped.append(ref)
            elif ref.output in withheld:  # an index outside [0, 1]: no value to compare
                checks.append(ReferenceCheck(ref.name, math.nan, ref.expected, ref.tolerance,
                                             ref.source, ref.comparison))
            else:
                checks.append(ref.check(outputs))
        ds = self._dataset(analysis, runs, skipped)
        validity = [v for run in runs.values() for v in run.validity] + list(analysis.validity)
        failed = analysis.failed_samples + sum(
            run.propagation.n_failed for run in runs.values() if run.propagation is not None)
        return CaseResult(dataset=ds, outputs=outputs, references=checks, validity=validity,
                          timings=timings, failed_samples=failed, files=dict(analysis.files),
                          skipped=skipped)

    def _run_study(self, label: str, study: Study, params: ParameterValues, ctx: RunContext,
                   index: int) -> StudyRun:
        from scaleweave.core.study import Study
        from scaleweave.uq.propagate import propagate

        tic = time.perf_counter()
        if not isinstance(study, Study):  # a coupler: the case's analyse runs it
            return StudyRun(label, study)
        uncertain = {n: params.uncertain[n] for n in study.bindings if n in params.uncertain}
        run = StudyRun(label, study, uncertain)
        if not uncertain:
            cacheable = any(m.cacheable for m in study.models.values())
            run.result = study.run(validity="record",
                                   cache=ctx.model_cache() if cacheable else None)
            run.validity = list(run.result.validity)
            run.seconds = time.perf_counter() - tic
            return run
        smp = self.sampling(label, params)
        run.propagation = propagate(
            study, uncertain, n=smp.n, method=smp.method, n_outer=smp.n_outer,
            n_inner=smp.n_inner, seed=ctx.seed + smp.seed_offset,
            evaluator=ctx.evaluator(study, label))
        ds = run.propagation.dataset
        run.validity = study.diagnose({k: ds[k].values for k in ds.data_vars})
        ordinary = [n for n, d in uncertain.items() if not d.is_interval]
        if smp.sobol and run.propagation.mode == "distribution" and len(ordinary) >= 2:
            run.sobol = self._sobol(label, study, uncertain, smp, ctx)
        run.seconds = time.perf_counter() - tic
        return run

    def _sobol(self, label: str, study: Study, uncertain: dict[str, Any], smp: Sampling,
               ctx: RunContext) -> SobolResult:
        """Sobol' indices per parameter and, where every one declares a scale, per scale."""
        from scaleweave.uq.sensitivity import sobol_indices

        declared = {p.name: p.scale for p in self.parameters}
        groups = ({n: declared[n] for n in uncertain}
                  if all(declared.get(n) for n in uncertain) else None)
        return sobol_indices(study, uncertain, outputs=smp.sobol, groups=groups,
                             n_base=smp.n_base, seed=ctx.seed,
                             evaluator=ctx.evaluator(study, f"{label}-sobol"))

    def _dataset(self, analysis: Analysis, runs: CaseRuns,
                 skipped: list[SkippedReference]) -> xr.Dataset:
        import xarray as xr

        parts = [analysis.dataset] + [run.sobol.to_dataset() for run in runs.values()
                                      if run.sobol is not None]
        ds = xr.merge(parts, compat="override") if len(parts) > 1 else analysis.dataset.copy()
        ds.attrs.update(analysis.dataset.attrs)
        notes = list(analysis.notes) + [f"reference {s.name!r} skipped: {s.reason}"
                                        for s in skipped]
        if notes:
            ds.attrs["notes"] = "; ".join(notes)
        if "n_evaluations" not in ds.attrs:
            ds.attrs["n_evaluations"] = int(sum(
                (run.propagation.n_evaluations if run.propagation is not None else
                 int(run.result is not None))
                + (run.sobol.n_evaluations if run.sobol is not None else 0)
                for run in runs.values()))
        ds.attrs["study_graph"] = json.dumps({label: run.study.describe()
                                              for label, run in runs.items()})
        return ds


def _resolve_upstream(label: str, study: Any, runs: CaseRuns) -> None:
    """Bind the :class:`Upstream` values of ``study`` from the earlier studies' runs."""
    from scaleweave.core.study import Study
    from scaleweave.core.units import Quantity

    if not isinstance(study, Study):
        return
    for name, value in study.parameter_values.items():
        if not isinstance(value, Upstream):
            continue
        source = runs.runs.get(value.label)
        if source is None or source.result is None:
            raise ConfigError(f"study {label!r}: parameter {name!r} takes {value.port} from "
                              f"study {value.label!r}, which must come before it and be run "
                              "once (nothing uncertain in it)")
        unit = Quantity(1.0, source.result.units[value.port] or "dimensionless")
        study.parameter_values[name] = Quantity(source.result.si[value.port],
                                                unit.to_base_units().units)


def sobol_outputs(sobol: SobolResult, label: str = "sobol"
                  ) -> tuple[dict[str, Output], Validity, set[str]]:
    """Outputs ``S1_<param>``, ``ST_<param>``, ``S1_scale_<scale>``, ``ST_scale_<scale>``
    (suffixed ``_<output>`` when there are several Sobol' outputs) with their intervals,
    a validity entry for the lot, and the names withheld.

    An index is a fraction of a variance, so it lies in [0, 1]; one outside by more
    than its confidence half-width is an estimate the design is too small for
    (typically an output that hardly varies). It is withheld from the outputs, and
    the validity entry (the largest distance outside [0, 1] beyond the interval,
    limit 0) fails, naming it, with the advice to raise the base sample size.
    """
    out: dict[str, Output] = {}
    withheld: dict[str, float] = {}
    # The bootstrap half-width over its normal quantile: the index's standard error.
    z = statistics.NormalDist().inv_cdf(0.5 + sobol.conf_level / 2)
    for o in sobol.outputs:
        suffix = "" if len(sobol.outputs) == 1 else f"_{o}"
        tables = [("", sobol.parameters, sobol.by_parameter[o], "")]
        if sobol.groups:
            tables.append(("scale_", sobol.groups, sobol.by_group[o], "closed "))
        for prefix, names, idx, closed in tables:
            for j, n in enumerate(names):
                of = f"the {n} scale's inputs" if prefix else n
                for kind, value, conf, what in (
                        ("S1", idx.S1[j], idx.S1_conf[j], f"{closed}first-order"),
                        ("ST", idx.ST[j], idx.ST_conf[j], "total")):
                    key = f"{kind}_{prefix}{n}{suffix}"
                    outside = max(0.0, float(-(value + conf)), float(value - conf - 1.0))
                    if outside > 0.0:
                        withheld[key] = outside
                    else:
                        out[key] = Output(value, "", value - conf, value + conf,
                                          f"{what} Sobol' index of {of}", error=conf / z)
    worst = max(withheld.values(), default=0.0)
    names = ", ".join(sorted(withheld)) or "none"
    check = Validity(label, f"Sobol' indices outside [0, 1] beyond their interval ({names}; "
                            f"raise the base sample size n_base = {sobol.n_base})", worst, 0.0)
    return out, check, set(withheld)
