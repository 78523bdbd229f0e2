"""Notebook conveniences: one-line errors for students, and showing dlcore's real source.

Nothing here is imported by the maths modules; it loads IPython only when called.
"""

import inspect

import numpy as np

from .checks import DLCoreError

__all__ = ["setup", "show_source", "show_code", "show_markdown", "one_line_errors"]


def _short_error(shell, etype, value, tb, tb_offset=None):
    """IPython custom exception handler: a dlcore input error is shown as one red line."""
    print(f"\x1b[31m{etype.__name__}: {value}\x1b[0m")
    return None


def one_line_errors(shell=None):
    """Show dlcore's input errors (``DLCoreError``) as one line instead of a traceback."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((DLCoreError,), _short_error)
    return True


def setup(seed=0):
    """The set-up every chapter runs: one-line input errors, and a seeded ``rng`` returned.

    It changes no matplotlib settings (the course's plots style themselves per figure).
    """
    one_line_errors()
    return np.random.default_rng(seed)


def show_source(obj):
    """Show the source of a dlcore function (or class) with syntax highlighting.

    In a notebook this displays highlighted HTML; elsewhere it prints the plain source. The
    source shown is the code that runs, so the notebook never keeps a second copy of it.
    """
    try:
        source = inspect.getsource(obj)
    except (TypeError, OSError):
        print(f"No source available for {obj!r}")
        return None
    module = getattr(obj, "__module__", "")
    name = getattr(obj, "__qualname__", repr(obj))
    # Markdown with a fenced block: highlighted in JupyterLab and in static renderers alike.
    show_markdown(f"*source of* `{module}.{name}`\n\n```python\n{source}```", plain=source)
    return None


def show_code(code, title=""):
    """Show a piece of Python code with syntax highlighting (plain text outside a notebook)."""
    head = f"*{title}*\n\n" if title else ""
    show_markdown(f"{head}```python\n{code}```", plain=code)
    return None


def show_markdown(text, plain=None):
    """Display Markdown in a notebook, with ``plain`` (default: the text itself) as the
    text/plain fallback that renderers without Markdown show; print it outside a notebook."""
    plain = text if plain is None else plain
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        print(plain)
        return None
    if get_ipython() is None:
        print(plain)
        return None
    display({"text/markdown": text, "text/plain": plain}, raw=True)
    return None
