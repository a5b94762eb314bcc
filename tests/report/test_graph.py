"""Drawing and printing study graphs from their recorded description."""

import json

from scaleweave.core.model import model_from_function
from scaleweave.core.study import Study
from scaleweave.report.graph import format_study_graphs, study_graph_figure


def _graph():
    a = model_from_function(lambda x: {"y": 2 * x}, inputs={"x": "eV"}, outputs={"y": "eV"},
                            name="a")
    b = model_from_function(lambda y: {"z": y}, inputs={"y": "eV"}, outputs={"z": "J"},
                            name="b")
    study = Study([a, b]).connect_by_name().bind("x", "a.x", value="1 eV")
    return json.dumps({"main": study.describe()})


def test_text_names_models_ports_units_links_and_parameters():
    lines = format_study_graphs(_graph())
    assert lines[0] == "study 'main':"
    assert "  a (core.function)" in lines and "    in:  x [eV]" in lines
    assert "  a.y -> b.y" in lines and "  parameter x -> a.x" in lines


def test_figure_has_one_panel_per_study_and_none_without_models():
    fig = study_graph_figure(_graph())
    assert fig is not None and len(fig.axes) == 1
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"a", "b", "y [eV]"} <= texts
    assert study_graph_figure(None) is None
    assert study_graph_figure(json.dumps({"empty": Study().describe()})) is None
