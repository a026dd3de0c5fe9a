"""The Python examples in examples/python run unchanged on a GPU; each skips (exit 77)
without a device or without its framework."""

import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if p.name != "example_support.py")


def test_examples_are_there():
    assert {p.name for p in SCRIPTS} >= {
        "device_buffer.py",
        "memory_resources.py",
        "use_cupy.py",
        "use_numba.py",
        "use_torch.py",
    }


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example(script):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    result = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300, cwd=EXAMPLES
    )
    if result.returncode == 77:
        pytest.skip(result.stdout.strip() or "skipped")
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.rstrip().endswith("OK"), result.stdout
