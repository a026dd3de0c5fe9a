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
        "readme.py",
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


def test_readme_python_lines_are_in_an_example():
    """Every line of the README's Python block appears in examples/python/readme.py, so
    the example that runs on the GPU runs what the README shows."""
    readme = (EXAMPLES.parents[1] / "README").read_text().splitlines()
    start = next(i for i, line in enumerate(readme) if line.startswith("Python (installed"))
    block = []
    for line in readme[start + 1 :]:
        if line.startswith("    "):
            block.append(line[4:])
        elif block and line.strip():
            break
    assert "import rmm" in block
    example = (EXAMPLES / "readme.py").read_text().splitlines()
    for line in block:
        assert line in example, f"README line not in examples/python/readme.py: {line!r}"
