"""Default simulated-time timeout of cocotb tests (loaded inside the simulator).

cocotb 2.1 gives a test a timeout only through ``@cocotb.test(timeout_time=..., timeout_unit=...)``.
``harness.runner.run`` lists this module ahead of the test module in ``COCOTB_TEST_MODULES``;
importing it makes every cocotb test registered afterwards that has no timeout of its own
fail with cocotb's ``SimTimeoutError`` after ``$FOLIODMA_TEST_TIMEOUT_MS`` milliseconds of
simulated time (unset, empty or 0: no default). A test's own ``timeout_time`` wins. cocotb
warns that this module holds no tests; that is expected.
"""
from __future__ import annotations

import os

from cocotb.regression import RegressionManager

#: environment variable: default timeout of a cocotb test, simulated milliseconds
TIMEOUT_ENV = "FOLIODMA_TEST_TIMEOUT_MS"

_register_test = RegressionManager.register_test


def _register_test_with_timeout(self, test):
    """RegressionManager.register_test, giving ``test`` the default timeout if it has none."""
    ms = float(os.environ.get(TIMEOUT_ENV, "") or 0)
    if ms > 0 and getattr(test, "timeout", None) is None:
        test.timeout = (ms, "ms")
    return _register_test(self, test)


if getattr(RegressionManager.register_test, "__name__", "") != "_register_test_with_timeout":
    RegressionManager.register_test = _register_test_with_timeout  # type: ignore[method-assign]
