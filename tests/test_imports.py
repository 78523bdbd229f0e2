"""Layers point one way: maths modules load no matplotlib, ipywidgets or torch."""

import pkgutil
import subprocess
import sys

import pytest

import dlcore
import dlcore.exercises

NOT_MATHS = {"plots", "widgets", "notebook"}
MATHS = sorted(
    m.name for m in pkgutil.iter_modules(dlcore.__path__)
    if m.name not in NOT_MATHS and not m.name.endswith("_torch")
)
EXERCISE_MODULES = sorted(
    f"exercises.{m.name}" for m in pkgutil.iter_modules(dlcore.exercises.__path__)
)
HEAVY = ("matplotlib", "ipywidgets", "torch", "IPython")


@pytest.mark.parametrize("module", MATHS + EXERCISE_MODULES + [""])
def test_maths_module_is_light(module):
    name = f"dlcore.{module}" if module else "dlcore"
    code = (f"import sys, {name}; heavy = [m for m in {HEAVY!r} if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"importing {name} loaded {out.stdout.strip()}"


def test_maths_modules_found():
    assert "nets" in MATHS and "checks" in MATHS
