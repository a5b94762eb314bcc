"""The report rendered in a real browser: headless Chromium lays the page out, a script
measures it (every image loaded, no two elements on top of each other, nothing wider
than the window) and a screenshot shows the figures painted where the layout put them.

Skipped, with the reason, where Chromium is not installed (CI on a fresh machine has
only Python and pip); ``apt-get install chromium`` brings it on Debian.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure

from scaleweave.core.checks import Validity
from scaleweave.report import build_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM = next((path for name in BROWSERS if (path := shutil.which(name))), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")

#: Runs when the page has loaded every image; writes what it measured into the page.
CHECK_JS = r"""
<script>
for (const img of document.images) img.loading = "eager";
addEventListener("load", () => {
  const rect = (e) => e.getBoundingClientRect();
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : "");
  const visible = (e) => { const r = rect(e); return r.width > 0 && r.height > 0 &&
    getComputedStyle(e).visibility !== "hidden"; };
  const images = [...document.images].map((img) => ({
    src: img.getAttribute("src"), loaded: img.complete && img.naturalWidth > 0,
    shown: [rect(img).width, rect(img).height], natural: [img.naturalWidth, img.naturalHeight],
    box: [rect(img).left + scrollX, rect(img).top + scrollY, rect(img).width, rect(img).height]}));
  const overlaps = [];
  const blocks = "section, figure, .table-wrap, h1, h2, h3, p, dl, details, .case-head, " +
    ".figures, .badge, figcaption, img, td, th, dd, dt";
  const parents = new Set([...document.querySelectorAll(blocks)].map((e) => e.parentElement));
  for (const parent of parents) {
    const kids = [...parent.children].filter(visible);
    for (let i = 0; i < kids.length; i++) for (let j = i + 1; j < kids.length; j++) {
      const a = rect(kids[i]), b = rect(kids[j]);
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1)
        overlaps.push([name(kids[i]), name(kids[j]), Math.round(w), Math.round(h)]);
    }
  }
  const escaping = [];  // a child drawn outside its figure, section or table cell
  for (const e of document.querySelectorAll("figure > *, section > *, td > *, .case-head > *")) {
    if (!visible(e)) continue;
    const c = rect(e), p = rect(e.parentElement);
    if (c.left < p.left - 1 || c.right > p.right + 1)
      escaping.push([name(e), name(e.parentElement)]);
  }
  const out = document.createElement("pre");
  out.id = "sw-layout";
  out.textContent = JSON.stringify({images, overlaps, escaping,
    page: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
    window: innerWidth});
  document.body.appendChild(out);
});
</script>
"""


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with a fresh profile (removed after) and no network chatter."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="sw-chromium-") as profile:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                 f"--user-data-dir={profile}"]
        return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True,
                              timeout=120, check=False)


def _figure(path: Path, width: float, height: float, title: str) -> None:
    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2, 3], [0, 1, 0.3, 0.8], lw=3)
    ax.fill_between([0, 3], 0, 0.2, color="tab:orange")
    ax.set_title(title)
    fig.savefig(path, dpi=130)


def _results(root: Path) -> Path:
    """A results folder like a gallery's: figures of real sizes, long tables, every badge."""
    def case(folder: str, figures: dict[str, tuple[float, float]], **extra: Any) -> None:
        d = root / folder
        d.mkdir(parents=True)
        for stem, (w, h) in figures.items():
            _figure(d / f"{stem}.png", w, h, f"{folder}: {stem}")
        summary = {
            "case": folder, "title": f"The {folder} chain: atoms -> lattice -> cell, "
                                     "with error bars and no double counting",
            "description": "A case with a long description " * 6, "version": "0.1.0",
            "commit": "0123456789abcdef0123456789abcdef01234567", "seed": 0,
            "runtime_s": 12.5, "created": "2024-05-01T12:00:00+00:00",
            "parameters": {f"parameter_{i}": {"value": 1.5 * i, "unit": "m^2/s"}
                           for i in range(5)},
            "outputs": {
                "collective_diffusivity_over_the_lone_carrier_value": {
                    "value": 4.19e-14, "unit": "m^2/s", "lo": 3.5e-14, "hi": 4.8e-14,
                    "description": "kMC D_sigma, orientational average; 95% interval " * 3},
                "capacity_1C": {"value": 1.94, "unit": "A*h", "lo": None, "hi": None,
                                "description": "capacity at 1C"}},
            "references": [{
                "name": "a reference with a long name that wraps over several lines " * 2,
                "value": 1.94, "expected": 2.0, "tolerance": 0.1, "passed": True,
                "source": "Someone et al. (2004), Electrochem. Solid-State Lett. 7, A30 " * 3,
                "comparison": "abs", "unit": "A*h"}],
            "validity": [Validity("bridge", "ratio", 0.1, 1.0).as_dict(),
                         Validity("centred form (a deliberate counter-example)",
                                  "divergent transitions", 215, 0,
                                  counterexample=True).as_dict()],
            "figures": [f"{stem}.png" for stem in figures],
            "figure_captions": {f"{stem}.png": f"What {stem} shows, in one line"
                                for stem in figures},
            **extra}
        (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")

    case("alpha", {"headline": (12, 4.3), "narrow_a": (5.6, 4.1), "narrow_b": (5.6, 4.1),
                   "wide": (11, 4), "study-graph": (9, 10.6)})
    case("beta", {"voltage": (5.6, 4.7), "only_other": (6, 4)})
    (root / "skipped.json").write_text(json.dumps({"skipped": [{
        "case": "gamma", "missing": [{"module": "pybamm", "extra": "battery"}],
        "install": "pip install 'scaleweave[battery]'"}]}), encoding="utf-8")
    return root


def _measure(page: Path, width: int, extra_css: str = "") -> dict[str, Any]:
    """Lay ``page`` out in a window ``width`` px wide and return what CHECK_JS measured."""
    check = page.with_name(f"layout-check-{width}.html")
    text = page.read_text(encoding="utf-8")
    if extra_css:
        text = text.replace("</head>", f"<style>{extra_css}</style></head>")
    check.write_text(text.replace("</body>", CHECK_JS + "</body>"), encoding="utf-8")
    done = _chromium(f"--window-size={width},900", "--virtual-time-budget=10000",
                     "--dump-dom", check.as_uri())
    check.unlink()
    found = re.search(r'<pre id="sw-layout">(.*?)</pre>', done.stdout, re.S)
    assert found, f"no layout measured at {width} px: {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = _results(tmp_path_factory.mktemp("browser") / "results")
    page = build_report(root)
    measured = {width: _measure(page, width) for width in (1280, 480)}
    return {"root": root, "page": page, "measured": measured}


def test_the_layout_check_sees_an_overlap(rendered: dict[str, Any]) -> None:
    """The check itself: figures pulled up over the headline are caught."""
    broken = _measure(rendered["page"], 1280, ".figures { margin-top: -200px; }")
    assert any("figure" in a and "div.figures" in b for a, b, *_ in broken["overlaps"])


@pytest.mark.parametrize("width", [1280, 480])
def test_every_image_loads_at_a_readable_size(rendered: dict[str, Any], width: int) -> None:
    images = rendered["measured"][width]["images"]
    assert len(images) == 7
    assert [i["src"] for i in images if not i["loaded"]] == []
    if width == 1280:
        for img in images[1:]:  # not thumbnails: at least 60 % of the figure's own size
            # (or the full column), never a 230-px thumbnail
            scale = img["shown"][0] / img["natural"][0]
            assert scale >= 0.6 or img["shown"][0] >= 480, img


@pytest.mark.parametrize("width", [1280, 480])
def test_no_two_elements_overlap_and_nothing_overflows(rendered: dict[str, Any],
                                                       width: int) -> None:
    m = rendered["measured"][width]
    assert m["overlaps"] == []
    assert m["escaping"] == []
    assert m["page"][0] <= m["window"]  # no sideways scrolling of the page


def test_screenshot_shows_each_figure_where_the_layout_put_it(rendered: dict[str, Any]) -> None:
    from PIL import Image

    m = rendered["measured"][1280]
    shot = rendered["root"].parent / "report.png"
    height = min(int(m["page"][1]), 16000)
    done = _chromium(f"--window-size=1280,{height}", "--virtual-time-budget=10000",
                     f"--screenshot={shot}", rendered["page"].as_uri())
    assert shot.is_file(), done.stderr[-2000:]
    with Image.open(shot) as im:
        assert im.size == (1280, height)
        rgb = im.convert("RGB")
        for img in m["images"]:
            x, y, w, h = (round(v) for v in img["box"])
            if y + h > height:
                continue
            region = rgb.crop((x + 2, y + 2, x + w - 2, y + h - 2))
            colours = region.getcolors(maxcolors=1 << 16)
            # a painted plot: white, the line, the orange band, axes and text
            assert colours is None or len(colours) > 20, img["src"]
            orange = sum(n for n, c in colours or [] if c[0] > 200 and 90 < c[1] < 160
                         and c[2] < 80)
            assert colours is None or orange > 0, img["src"]
