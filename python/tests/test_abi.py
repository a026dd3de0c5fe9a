"""The ctypes declarations of rmm._lib against the C headers.

A probe program is generated from the declarations themselves: every Structure of
rmm._lib (its docstring names the C type) gets its sizeof and the offsetof and size
of each field printed, and every upper-case int constant NAME the value of RMM_NAME; the
debug-log levels are checked the same way. The probe is compiled with $CC against
include/ and run, so a struct or enum that changes on one side only fails here, and
declarations added later are covered without touching this file.
"""

import ctypes
import os
import shutil
import subprocess

import pytest

from rmm import _lib
from rmm.pylibrmm.logger import level_enum

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("RMM_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BUILD_DIR = os.environ.get("RMM_BUILD_DIR") or SOURCE_DIR


def structures():
    """(C type name, ctypes class) of every structure rmm._lib declares."""
    found = []
    for value in vars(_lib).values():
        if isinstance(value, type) and issubclass(value, ctypes.Structure) and value is not ctypes.Structure:
            name = (value.__doc__ or "").split()[0] if value.__doc__ else ""
            found.append((name, value))
    return sorted(found, key=lambda item: item[0])


def constants():
    """(C macro or enumerator, Python value) of every constant mirrored in Python."""
    found = [
        (f"RMM_{name}", value)
        for name, value in vars(_lib).items()
        if name.isupper() and not name.startswith("_") and type(value) is int
    ]
    found += [(f"RMM_LOG_{member.name.upper()}", int(member)) for member in level_enum]
    return sorted(found)


def probe_source():
    lines = ["#include <stddef.h>", "#include <stdint.h>", "#include <stdio.h>", "#include <rmm/rmm.h>", "int main(void)", "{"]
    for c_name, cls in structures():
        lines.append(f'  printf("sizeof {c_name} %zu\\n", sizeof({c_name}));')
        for field in cls._fields_:
            lines.append(f'  printf("offsetof {c_name}.{field[0]} %zu\\n", offsetof({c_name}, {field[0]}));')
            lines.append(f'  printf("fieldsize {c_name}.{field[0]} %zu\\n", sizeof((({c_name} *)0)->{field[0]}));')
    for c_name, _ in constants():
        lines.append(f'  printf("value {c_name} %lld\\n", (long long)(intptr_t)({c_name}));')
    lines += ["  return 0;", "}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    """What the compiled probe prints, as {key: int}."""
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler or not shutil.which(compiler.split()[0]):
        pytest.skip("no C compiler to build the ABI probe")
    work = tmp_path_factory.mktemp("abi")
    source = work / "abi_probe.c"
    source.write_text(probe_source())
    program = work / "abi_probe"
    includes = [f"-I{os.path.join(BUILD_DIR, 'include')}", f"-I{os.path.join(SOURCE_DIR, 'include')}"]
    build = subprocess.run(
        compiler.split() + ["-std=c17", *includes, str(source), "-o", str(program)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, f"the ABI probe does not compile:\n{build.stderr}"
    run = subprocess.run([str(program)], capture_output=True, text=True, check=True)
    printed = {}
    for line in run.stdout.splitlines():
        kind, key, value = line.split()
        printed[f"{kind} {key}"] = int(value)
    return printed


def test_every_structure_names_its_c_type():
    for c_name, cls in structures():
        assert c_name.startswith("rmm_") and c_name.endswith("_t"), f"{cls.__name__}: docstring {cls.__doc__!r}"


@pytest.mark.parametrize("c_name, cls", structures(), ids=[name for name, _ in structures()])
def test_structure_layout_matches_the_header(probe, c_name, cls):
    assert ctypes.sizeof(cls) == probe[f"sizeof {c_name}"], f"sizeof({c_name})"
    for field in cls._fields_:
        assert getattr(cls, field[0]).offset == probe[f"offsetof {c_name}.{field[0]}"], f"{c_name}.{field[0]}"
        assert getattr(cls, field[0]).size == probe[f"fieldsize {c_name}.{field[0]}"], f"size of {c_name}.{field[0]}"


@pytest.mark.parametrize("c_name, value", constants(), ids=[name for name, _ in constants()])
def test_constant_matches_the_header(probe, c_name, value):
    assert value == probe[f"value {c_name}"]


def test_probe_covers_what_python_declares():
    source = probe_source()
    assert "sizeof(rmm_resource_stats_t)" in source
    assert "offsetof(rmm_statistics_t, peak_bytes)" in source
    assert "(RMM_ERROR_OUT_OF_MEMORY)" in source and "(RMM_LOG_OFF)" in source
