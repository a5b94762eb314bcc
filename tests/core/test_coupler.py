"""The multi-rate coupler: wiring checks, stability refusal, waveforms, order of accuracy."""

import numpy as np
import pytest

from scaleweave.core.coupler import Coupler, Exchange, Submodel
from scaleweave.core.model import Port
from scaleweave.core.waveform import HermiteWaveform, HoldWaveform, LinearWaveform
from scaleweave.errors import CouplingError, ModelError, NonFiniteError, StabilityError


class Decay(Submodel):
    """Explicit Euler for dy/dt = -lam y + c u(t): stability limit 2/lam."""

    imports = (Port("u", ""),)
    exports = (Port("y", ""),)

    def __init__(self, name, dt, lam, c=0.0, y0=1.0):
        super().__init__(name, dt)
        self.lam, self.c, self.y = lam, c, y0

    def stability_limit(self):
        return 2.0 / self.lam

    def export(self):
        return {"y": self.y}

    def advance(self, t0, t1, boundary):
        n = round((t1 - t0) / self.dt)
        h = (t1 - t0) / n
        for j in range(n):
            u = boundary["u"](t0 + j * h)
            self.y += h * (-self.lam * self.y + self.c * u)
        self.work += n


def pair(dt_slow=0.1, dt_fast=0.01, lam_fast=50.0):
    slow = Decay("slow", dt_slow, 1.0, c=0.0)
    fast = Decay("fast", dt_fast, lam_fast, c=1.0, y0=0.0)
    ex = [Exchange("slow.y", "fast.u"), Exchange("fast.y", "slow.u")]
    return slow, fast, ex


def test_stability_refused_with_the_limit():
    slow, fast, ex = pair(dt_fast=0.05, lam_fast=50.0)  # limit 0.04 s
    with pytest.raises(StabilityError, match=r"'fast': step 0.05 s exceeds .* limit 0.04 s"):
        Coupler([slow, fast], ex, 0.1).run(1.0)


def test_macro_step_must_be_multiple():
    slow, fast, ex = pair(dt_fast=0.03)
    with pytest.raises(CouplingError, match="not a whole multiple"):
        Coupler([slow, fast], ex, 0.1).run(1.0)


def test_wiring_problems_all_reported():
    slow, fast, _ = pair()
    c = Coupler([slow, fast], [Exchange("slow.y", "fast.u"), Exchange("slow.y", "fast.u"),
                               Exchange("slow.z", "fast.u", "cubic")], 0.1)
    problems = c.validate()
    assert any("fed twice" in p for p in problems)
    assert any("no export port 'z'" in p for p in problems)
    assert any("unknown interpolation 'cubic'" in p for p in problems)
    assert any("submodel 'slow' import 'u' is not fed" in p for p in problems)


def test_unit_mismatch_in_exchange():
    class Metres(Decay):
        exports = (Port("y", "m"),)

    slow = Metres("slow", 0.1, 1.0)
    fast = Decay("fast", 0.01, 10.0, c=1.0)
    c = Coupler([slow, fast], [Exchange("slow.y", "fast.u"), Exchange("fast.y", "slow.u")])
    assert any("unit mismatch" in p for p in c.validate())


def test_fast_partner_sees_linear_interpolation_of_slow():
    # Fast model driven by the slow exact exponential: with linear interpolation the
    # coupled answer converges at first order (Euler) to the monolithic solution.
    errs = []
    for H in (0.1, 0.05, 0.025):
        slow = Decay("slow", H, 1.0)
        fast = Decay("fast", H / 10, 5.0, c=1.0, y0=0.0)
        c = Coupler([slow, fast], [Exchange("slow.y", "fast.u"), Exchange("fast.y", "slow.u")])
        c.run(1.0)
        # exact: y_s = exp(-t), y_f' = -5 y_f + exp(-t) -> y_f = (exp(-t) - exp(-5t)) / 4
        errs.append(abs(fast.y - (np.exp(-1.0) - np.exp(-5.0)) / 4))
    assert errs[0] / errs[1] == pytest.approx(2.0, rel=0.15)
    assert errs[1] / errs[2] == pytest.approx(2.0, rel=0.1)


def test_work_counted_and_slowest_first():
    slow, fast, ex = pair()
    c = Coupler([fast, slow], ex)
    assert [s.name for s in c.order] == ["slow", "fast"]
    stats = c.run(1.0)
    assert stats.macro_steps == 10
    assert stats.work == {"slow": 10, "fast": 100}


def test_nan_from_a_submodel_is_named():
    slow, fast, ex = pair()
    fast.lam = float("nan")
    fast.stability_limit = lambda: None
    with pytest.raises(NonFiniteError, match=r"submodel 'fast' export 'y' is not finite .* t=0.1"):
        Coupler([slow, fast], ex).run(1.0)


def test_hold_waveform_refuses_future_reads():
    w = HoldWaveform(1.0, 3.0)
    assert w(1.0) == 3.0
    with pytest.raises(ModelError, match="has not advanced"):
        w(1.5)


def test_waveforms_reproduce_polynomials_of_their_order():
    lin = LinearWaveform(0.0, 1.0, 2.0, 5.0)
    assert lin(1.5) == pytest.approx(4.0)
    herm = HermiteWaveform(1.0, 1.0, 3.0, 2.0, 8.0, 12.0)  # y = t^3
    for t in np.linspace(1.0, 2.0, 7):
        assert herm(t) == pytest.approx(t**3, rel=1e-13)
