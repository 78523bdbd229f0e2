"""Every interactive figure of the course, found by discovery: its update runs at every
control's minimum, default and maximum without raising, and the figure really changes."""

import numpy as np
import pytest

from dlcore.widgets import InteractiveFigure, discover

FIGURES = discover()


def test_figures_are_discovered():
    assert FIGURES, "no interactive figures found under dlcore.widgets"
    for name, spec in FIGURES.items():
        assert isinstance(spec, InteractiveFigure)
        assert name.startswith("ch"), "figure names start with their chapter, e.g. ch01.x"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_compute_at_extremes(name):
    spec = FIGURES[name]
    for values in spec.extreme_settings():
        spec.compute(**values)  # the plain function: must not raise at any slider extreme


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_redraw_at_extremes_never_raises(name):
    spec = FIGURES[name]
    fig, handles = spec.new_figure()
    for values in spec.extreme_settings():
        msg = spec.redraw(fig, handles, **values)
        assert msg is None or not msg.startswith(("Exception", "TypeError", "KeyError")), msg
        assert spec.png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_control_changes_the_figure(name):
    spec = FIGURES[name]
    base, _ = spec.render()
    for c in spec.controls:
        lo = spec.render(**{c.name: c.extremes[0]})[0]
        hi = spec.render(**{c.name: c.extremes[-1]})[0]
        assert lo != base or hi != base, f"control {c.name} changes nothing"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_widget_builds_and_responds(name):
    spec = FIGURES[name]
    box = spec.widget()
    first = box.image.value
    assert first[:4] == b"\x89PNG"
    ctl = next(iter(box.controls.values()))
    c = spec.controls[0]
    ctl.value = c.extremes[-1] if ctl.value != c.extremes[-1] else c.extremes[0]
    assert box.image.value != first, "moving the first control did not redraw"
    bundle = box._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "image/png" in data and "application/vnd.jupyter.widget-view+json" in data


def test_bad_input_is_shown_not_raised():
    spec = next(iter(FIGURES.values()))
    fig, handles = spec.new_figure()
    bad = {k: np.nan if isinstance(v, float) else v for k, v in spec.defaults().items()}
    spec.redraw(fig, handles, **bad)  # must not raise
