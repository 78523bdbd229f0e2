"""Interactive figures: sliders that redraw a matplotlib figure, the same way in every chapter.

An ``InteractiveFigure`` is three plain functions and a list of controls:

* ``compute(**values) -> data``: the maths for one setting of the sliders. Pure, fast, no
  matplotlib; tests and benchmarks call it directly.
* ``draw(fig) -> handles``: build the axes and artists once.
* ``update(handles, data) -> message or None``: move the existing artists (``set_data``,
  ``set_ydata``, ...). Return a short string such as "overflow: ..." to show on the figure
  instead of raising.

``fig_spec.show()`` (or ``fig_spec.widget()``) wires ipywidgets controls to these functions and
shows the figure as a PNG in an ``ipywidgets.Image``. The callback never raises: an exception
from ``compute`` or ``update`` becomes one line on the figure and under it, and the last good
drawing stays.

Chapters define their figures as module-level ``InteractiveFigure`` objects in
``dlcore/widgets/<topic>.py``; ``discover()`` finds them all, so the benchmarks and tests
pick up a new chapter's figures without editing a list.
"""

import base64
import importlib
import io
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..plots import COURSE_RC, PALETTE

__all__ = ["Slider", "Dropdown", "Checkbox", "InteractiveFigure", "discover"]


@dataclass(frozen=True)
class Slider:
    """A numeric slider. ``kind`` is "float", "int" or "log" (log10 scale: min/max are values)."""

    name: str
    min: float
    max: float
    value: float
    step: float = None
    description: str = None
    kind: str = "float"

    def sweep(self, n):
        """n values spread over [min, max] (geometric for a log slider)."""
        if self.kind == "log":
            vals = np.geomspace(self.min, self.max, n)
        else:
            vals = np.linspace(self.min, self.max, n)
        if self.kind == "int":
            return [int(round(v)) for v in vals]
        return [float(v) for v in vals]

    @property
    def extremes(self):
        return [self.min, self.value, self.max]

    def make(self):
        import ipywidgets as w

        common = dict(description=self.description or self.name, value=self.value,
                      continuous_update=True, style={"description_width": "initial"},
                      layout=w.Layout(width="auto"))
        if self.kind == "int":
            return w.IntSlider(min=int(self.min), max=int(self.max), step=int(self.step or 1),
                               **common)
        if self.kind == "log":
            return w.FloatLogSlider(base=10, min=np.log10(self.min), max=np.log10(self.max),
                                    step=self.step or 0.05, readout_format=".3g", **common)
        step = self.step or (self.max - self.min) / 100
        return w.FloatSlider(min=self.min, max=self.max, step=step, readout_format=".2f",
                             **common)


@dataclass(frozen=True)
class Dropdown:
    """A choice among ``options`` (a list of values, or of (label, value) pairs)."""

    name: str
    options: tuple
    value: Any
    description: str = None

    def _values(self):
        return [o[1] if isinstance(o, tuple) else o for o in self.options]

    def sweep(self, n):
        vals = self._values()
        return [vals[i % len(vals)] for i in range(n)]

    @property
    def extremes(self):
        vals = self._values()
        return [vals[0], self.value, vals[-1]]

    def make(self):
        import ipywidgets as w

        return w.Dropdown(options=list(self.options), value=self.value,
                          description=self.description or self.name,
                          style={"description_width": "initial"})


@dataclass(frozen=True)
class Checkbox:
    """An on/off switch."""

    name: str
    value: bool = False
    description: str = None

    def sweep(self, n):
        return [bool(i % 2) for i in range(n)]

    @property
    def extremes(self):
        return [False, self.value, True]

    def make(self):
        import ipywidgets as w

        return w.Checkbox(value=self.value, description=self.description or self.name,
                          indent=False)


@dataclass(frozen=True)
class InteractiveFigure:
    """Controls + compute/draw/update: see the module docstring."""

    name: str
    controls: tuple
    compute: Callable[..., Any]
    draw: Callable[[Figure], Any]
    update: Callable[[Any, Any], Any]
    figsize: tuple = (8.0, 3.2)
    notes: str = ""
    extra: dict = field(default_factory=dict)

    # -- slider settings, for tests and benchmarks -----------------------------------------
    def defaults(self):
        return {c.name: c.value for c in self.controls}

    def extreme_settings(self):
        """Each control at its minimum, default and maximum, the others at their defaults."""
        out = [self.defaults()]
        for c in self.controls:
            for v in c.extremes:
                out.append({**self.defaults(), c.name: v})
        return out

    def sweep_settings(self, n=24):
        """At least n settings: each control swept over its range in turn (others default)."""
        per = max(3, -(-n // max(1, len(self.controls))))
        out = []
        for c in self.controls:
            out += [{**self.defaults(), c.name: v} for v in c.sweep(per)]
        return out or [self.defaults()]

    # -- drawing without a browser -----------------------------------------------------------
    def new_figure(self):
        """A figure that pyplot does not manage (so nothing is shown twice) and its handles.

        Artists that ``draw`` marks ``animated=True`` are the ones ``update`` moves: the rest
        (axes, ticks, labels) is rendered once and reused, so an update redraws only what
        changed (blitting). If ``update`` changes an axis range, the whole figure is redrawn.
        """
        with mpl.rc_context(COURSE_RC):
            fig = Figure(figsize=self.figsize, layout="constrained")
            FigureCanvasAgg(fig)
            handles = self.draw(fig)
            note = fig.text(0.5, 0.5, "", ha="center", va="center", fontsize=11, zorder=20,
                            color=PALETTE["vermillion"], animated=True,
                            bbox={"facecolor": "white", "alpha": 0.9,
                                  "edgecolor": PALETTE["vermillion"]})
        note.set_visible(False)
        fig.canvas.draw()  # fix the layout once, then keep it: sliders must not shift axes
        fig.set_layout_engine("none")
        state = {"user": handles, "note": note, "background": None, "limits": None,
                 "animated": fig.findobj(lambda a: a.get_animated())}
        return fig, state

    @staticmethod
    def _limits(fig):
        return [(ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale())
                for ax in fig.axes]

    def _blit(self, fig, state):
        """Draw the figure: the static background once, then the animated artists on it."""
        canvas = fig.canvas
        limits = self._limits(fig)
        if state["background"] is None or limits != state["limits"]:
            canvas.draw()  # animated artists are skipped by a full draw
            state["background"] = canvas.copy_from_bbox(fig.bbox)
            state["limits"] = limits
        else:
            canvas.restore_region(state["background"])
        for artist in state["animated"]:
            if artist.get_visible():
                fig.draw_artist(artist)

    def redraw(self, fig, handles, **values):
        """compute + update + draw for one setting; returns the one-line message shown, or None.

        Never raises: an exception becomes the message and the last good drawing stays; it is
        also kept in ``handles["error"]`` (None when the update ran cleanly), so tests can tell
        a message the figure means to show ("diverged") from a failure.
        """
        handles["error"] = None
        try:
            data = self.compute(**values)
            msg = self.update(handles["user"], data)
        except Exception as exc:  # a slider or a student's input must never crash the figure
            msg = handles["error"] = _one_line(exc)
        note = handles["note"]
        note.set_text(msg or "")
        note.set_visible(bool(msg))
        try:
            self._blit(fig, handles)
        except Exception as exc:  # e.g. an artist given NaN limits
            msg = handles["error"] = _one_line(exc)
        return msg

    def png(self, fig):
        """Encode what is on the canvas as PNG bytes (fast zlib level, as a browser needs)."""
        from PIL import Image

        w, h = fig.canvas.get_width_height(physical=True)
        img = Image.frombuffer("RGBA", (w, h), fig.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        img.convert("RGB").save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def render(self, **values):
        """A fresh figure drawn at ``values`` (defaults for the rest): (png bytes, message)."""
        fig, handles = self.new_figure()
        msg = self.redraw(fig, handles, **{**self.defaults(), **values})
        return self.png(fig), msg

    def time_updates(self, settings):
        """Milliseconds per update (compute + redraw + PNG encode) for each setting."""
        fig, handles = self.new_figure()
        self.redraw(fig, handles, **self.defaults())
        self.png(fig)  # warm-up: the first draw builds font caches and the background
        times = []
        for values in settings:
            t0 = time.perf_counter()
            self.redraw(fig, handles, **values)
            self.png(fig)
            times.append(1000 * (time.perf_counter() - t0))
        return times

    # -- the widget ---------------------------------------------------------------------------
    def widget(self, **initial):
        """An ipywidgets box: the controls, the figure as an image, and a status line."""
        return _build_widget(self, initial)

    def show(self, **initial):
        """Display the widget (in a notebook)."""
        from IPython.display import display

        box = self.widget(**initial)
        display(box)
        return None


def _one_line(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:160]


def _build_widget(spec, initial):
    import ipywidgets as w

    class FigureBox(w.VBox):
        """A VBox whose notebook output also carries a PNG, for readers without a kernel."""

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            if isinstance(bundle, tuple):
                data, meta = bundle
            else:
                data, meta = bundle, {}
            data = dict(data)
            data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
            return data, meta

    unknown = set(initial) - {c.name for c in spec.controls}
    controls = {}
    for c in spec.controls:
        ctl = c.make()
        if c.name in initial:
            ctl.value = initial[c.name]
        controls[c.name] = ctl
    fig, handles = spec.new_figure()
    width = int(spec.figsize[0] * fig.dpi)
    image = w.Image(format="png", layout=w.Layout(width=f"{width}px", max_width="100%"))
    status = w.HTML(value="")
    image.add_class("dlcore-figure")

    def refresh(_change=None):
        values = {name: ctl.value for name, ctl in controls.items()}
        msg = spec.redraw(fig, handles, **values)
        image.value = spec.png(fig)
        status.value = (f"<span style='color:{PALETTE['vermillion']}'>{msg}</span>"
                        if msg else "")

    for ctl in controls.values():
        ctl.observe(refresh, names="value")
    refresh()
    if unknown:
        status.value = (f"<span style='color:{PALETTE['vermillion']}'>unknown setting(s) "
                        f"{sorted(unknown)}; expected some of {[c.name for c in spec.controls]}"
                        "</span>")
    n = len(controls)
    cols = 1 if n <= 2 else (2 if n <= 6 else 3)
    grid = w.GridBox(list(controls.values()),
                     layout=w.Layout(grid_template_columns=f"repeat({cols}, minmax(0, 1fr))",
                                     grid_gap="2px 16px", width=f"{max(width, 480)}px",
                                     max_width="100%"))
    box = FigureBox([grid, image, status])
    box.image, box.controls, box.figure, box.refresh = image, controls, fig, refresh
    box.status = status
    box.add_class("dlcore-interactive")
    box.add_class("dlcore-name-" + spec.name.replace(".", "--"))  # found by the browser tests
    return box


def discover():
    """Every ``InteractiveFigure`` defined at module level in ``dlcore.widgets.*``, by name."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, InteractiveFigure):
                found[value.name] = value
    return found
