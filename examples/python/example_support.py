"""What the Python examples share: the skip rule (exit 77, automake's skip) when there is
no usable GPU or a framework is not installed."""

import ctypes
import importlib
import sys

SKIP = 77


def skip(reason):
    """Says why the example cannot run here and exits with the skip status."""
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def require_gpu():
    """Exits with the skip status unless librmm sees at least one GPU."""
    from rmm._lib import lib

    count = ctypes.c_int(0)
    try:
        lib.rmm_get_num_devices(ctypes.byref(count))
    except Exception as error:  # noqa: BLE001 - any failure means no usable device
        skip(f"no usable GPU ({error})")
    if count.value == 0:
        skip("no usable GPU")


def require(module):
    """Imports ``module`` or exits with the skip status when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        skip(f"{module} is not installed ({error})")
