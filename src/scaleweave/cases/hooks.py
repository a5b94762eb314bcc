"""What a case's hooks take and return: sampling settings, study runs, the analysis.

:class:`~scaleweave.cases.base.Case` runs a case's studies into :class:`StudyRun`
records (by label, in :class:`CaseRuns`), hands them to the case's ``analyse``
hook, which returns an :class:`Analysis`; :class:`Sampling` says how a study's
uncertain parameters are propagated and :class:`Upstream` binds a value an
earlier study produces.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scaleweave.core.checks import Validity
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.results import Output

if TYPE_CHECKING:
    import xarray as xr

    from scaleweave.core.study import Study, StudyResult
    from scaleweave.uq.propagate import PropagationResult
    from scaleweave.uq.sensitivity import SobolResult

__all__ = ["Analysis", "CaseRuns", "Sampling", "StudyRun", "Upstream"]


@dataclass(frozen=True)
class Upstream:
    """A bound value that an earlier study's nominal run supplies.

    ``chain.bind("barrier_neb", "hop.barrier_neb", value=Upstream("neb", "barrier.barrier"))``:
    the base runs study ``"neb"`` (listed before ``chain``, nothing uncertain in it)
    once, then binds its output ``barrier.barrier`` (SI) before it runs or samples
    ``chain``. So an expensive lower scale runs once, outside the sampled study, and
    the graphs still say where the value comes from.

    Parameters
    ----------
    label : str
        The earlier study.
    port : str
        Its output, ``"model.port"``.
    """

    label: str
    port: str


@dataclass(frozen=True)
class Sampling:
    """How one study's uncertain parameters are propagated.

    Parameters
    ----------
    n : int
        Samples of a single loop (or of an interval box).
    method : {"qmc", "mc"}
        Sampler of the single and inner loops.
    n_outer, n_inner : int
        Double-loop sizes (p-boxes).
    seed_offset : int
        Added to the root seed, so the case's studies use independent streams.
    sobol : mapping of str -> str
        Sobol' output name -> ``"model.port"``; empty: no Sobol' indices.
    n_base : int
        Sobol' base sample size (a power of two).
    """

    n: int = 1024
    method: str = "qmc"
    n_outer: int = 32
    n_inner: int = 1024
    seed_offset: int = 0
    sobol: Mapping[str, str] = field(default_factory=dict)
    n_base: int = 1024


@dataclass
class StudyRun:
    """One study as the base ran it.

    Attributes
    ----------
    label : str
    study : Study or Coupler
        With the case's parameters bound; a Coupler is handed over unrun.
    uncertain : dict
        Parameter name -> distribution, for the parameters propagated.
    result : StudyResult or None
        The nominal run, when nothing in the study is uncertain.
    propagation : PropagationResult or None
        The sampled run, when something is.
    sobol : SobolResult or None
        Sobol' indices, when :meth:`Case.sampling` asked for them and they apply.
    validity : list of Validity
        Every model's diagnostics (the worst value over an ensemble).
    seconds : float
        Wall time of this study's runs.
    """

    label: str
    study: Study
    uncertain: dict[str, Any] = field(default_factory=dict)
    result: StudyResult | None = None
    propagation: PropagationResult | None = None
    sobol: SobolResult | None = None
    validity: list[Validity] = field(default_factory=list)
    seconds: float = 0.0

    def si(self, port: str) -> Any:
        """The nominal run's SI value of ``"model.port"``."""
        if self.result is None:
            raise KeyError(f"study {self.label!r} was propagated, not run once; read its "
                           "samples from .propagation")
        return self.result.si[port]


@dataclass
class CaseRuns(Mapping[str, StudyRun]):
    """The parameters and every study run of a case, by label (what ``analyse`` gets)."""

    params: ParameterValues
    runs: dict[str, StudyRun] = field(default_factory=dict)

    def __getitem__(self, label: str) -> StudyRun:
        return self.runs[label]

    def __iter__(self) -> Iterator[str]:
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.runs)


@dataclass
class Analysis:
    """What :meth:`Case.analyse` returns.

    Attributes
    ----------
    outputs : dict of str -> Output
        Headline numbers (references look ours up here by name).
    dataset : xarray.Dataset
        Everything the figures need, every variable with a ``units`` attribute.
    validity : list of Validity
        Diagnostics of stages the base did not run (MCMC R-hat, RVE residuals).
    notes : list of str
        One line each, kept in the dataset's ``notes`` attribute.
    files : dict of str -> callable
        Extra files beside ``result.nc`` (see :class:`~scaleweave.core.results.CaseResult`).
    failed_samples : int
        Samples of the case's own stages that failed.
    timings : dict of str -> float
        Wall times (s) of the case's own stages.
    """

    outputs: dict[str, Output]
    dataset: xr.Dataset
    validity: list[Validity] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: dict[str, Any] = field(default_factory=dict)
    failed_samples: int = 0
    timings: dict[str, float] = field(default_factory=dict)
