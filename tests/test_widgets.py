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
def test_redraw_at_extremes_runs_cleanly(name):
    """At every control's extreme the update itself succeeds: a message on the figure is one the
    figure means to show (from ``update``: "diverged", "no effect when K = 1"), never an
    exception that ``redraw`` caught."""
    spec = FIGURES[name]
    fig, handles = spec.new_figure()
    for values in spec.extreme_settings():
        msg = spec.redraw(fig, handles, **values)
        assert handles["error"] is None, f"{values}: {handles['error']}"
        assert msg is None or (isinstance(msg, str) and "\n" not in msg and len(msg) <= 160)
        assert spec.png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_a_control_without_effect_says_why(name):
    """In every extreme state of the others, moving a control across its range changes the
    picture, or the figure shows a message that says why it cannot."""
    spec = FIGURES[name]
    fig, handles = spec.new_figure()
    silent = []
    for state in spec.extreme_settings():
        for c in spec.controls:
            pictures, messages = set(), set()
            for v in c.extremes:
                msg = spec.redraw(fig, handles, **{**state, c.name: v})
                pictures.add(spec.png(fig))
                messages.add(msg)
            if len(pictures) == 1 and messages == {None}:
                silent.append(f"{c.name} with {state}")
    assert not silent, "controls that change nothing and say nothing: " + "; ".join(silent[:4])


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
    """A compute that fails (as with a student's bad input) is shown as one line on the figure,
    the last good drawing stays, and redraw returns the message instead of raising."""
    from dlcore.widgets import Slider

    def compute(a):
        if a > 0.5:
            raise ValueError("a must be at most 0.5")
        return a

    def draw(fig):
        ax = fig.subplots()
        (line,) = ax.plot([0, 1], [0, 0], animated=True)
        return {"line": line}

    def update(h, a):
        h["line"].set_ydata([a, a])

    spec = InteractiveFigure(name="test.bad", controls=(Slider("a", 0.0, 1.0, 0.2),),
                             compute=compute, draw=draw, update=update)
    fig, handles = spec.new_figure()
    assert spec.redraw(fig, handles, a=0.2) is None and handles["error"] is None
    good = spec.png(fig)
    msg = spec.redraw(fig, handles, a=0.9)
    assert msg == "ValueError: a must be at most 0.5" == handles["error"]
    assert handles["note"].get_visible() and handles["note"].get_text() == msg
    assert spec.png(fig) != good, "the message is drawn on the figure"
    assert list(handles["user"]["line"].get_ydata()) == [0.2, 0.2], "the last good drawing stays"
    assert spec.redraw(fig, handles, a=0.1) is None and not handles["note"].get_visible()


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_nan_settings_never_raise(name):
    spec = FIGURES[name]
    fig, handles = spec.new_figure()
    bad = {k: np.nan if isinstance(v, float) else v for k, v in spec.defaults().items()}
    msg = spec.redraw(fig, handles, **bad)
    assert msg is None or (isinstance(msg, str) and "\n" not in msg)
    assert spec.png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_setting_is_explained():
    spec = FIGURES[sorted(FIGURES)[0]]
    box = spec.widget(no_such_control=1)
    assert "unknown setting" in box.status.value and "no_such_control" in box.status.value
