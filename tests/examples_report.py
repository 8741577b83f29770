"""The end-of-session report of how the SDK's examples fared (a hook of ``tests/conftest.py``, the
conftest pytest-xdist's controller loads, which reports for every worker)."""
from __future__ import annotations

import re
from typing import Any

import pytest

_EXAMPLE_TEST = "test_sdk_examples.py::test_example["


def _example_of(report: Any) -> str:
    match = re.search(r"\[(?:[\w-]+-)?([\w.-]+\.py)(?:-[\w-]+)?\]$", report.nodeid)
    return match.group(1) if match else report.nodeid


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """``SDK examples: P passed of R run, S need outside systems``, then every failure with the first
    line of its error (known gaps, from KNOWN_FAILURES, marked as such)."""
    outcomes: dict[str, tuple[str, str]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if _EXAMPLE_TEST not in (getattr(report, "nodeid", None) or "") or not hasattr(report, "when"):
                continue
            name = _example_of(report)
            error = dict(getattr(report, "user_properties", ())).get("sdk_example_error", "")
            if report.skipped and not hasattr(report, "wasxfail"):
                outcomes[name] = ("outside", str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "")
            elif report.when != "call" and report.passed:
                continue
            elif report.skipped:  # xfailed: a known gap
                outcomes[name] = ("known", error or str(report.wasxfail))
            elif report.passed:
                outcomes[name] = ("xpassed" if hasattr(report, "wasxfail") else "passed", "")
            elif report.failed and "XPASS(strict)" in str(report.longrepr):
                outcomes[name] = ("xpassed", "")
            else:
                first = error or str(report.longrepr).strip().splitlines()[-1][:300]
                outcomes[name] = ("failed", f"{first}" + ("" if report.when == "call" else f" (in {report.when})"))
    if not outcomes:
        return
    kinds = [kind for kind, _ in outcomes.values()]
    outside = kinds.count("outside")
    passed = kinds.count("passed") + kinds.count("xpassed")
    run = len(kinds) - outside
    write = terminalreporter.write_line
    terminalreporter.section("SDK examples")
    write(f"SDK examples: {passed} passed of {run} run, {outside} need outside systems")
    failures = sorted((name, kind, error) for name, (kind, error) in outcomes.items() if kind in ("known", "failed"))
    if failures:
        write(f"{len(failures)} failed ({kinds.count('known')} known gaps, {kinds.count('failed')} unexpected):")
        for name, kind, error in failures:
            write(f"  {'FAILED' if kind == 'failed' else 'known '} {name}: {error}")
    fixed = sorted(name for name, (kind, _) in outcomes.items() if kind == "xpassed")
    if fixed:
        write(f"passing now, to be taken off KNOWN_FAILURES: {', '.join(fixed)}")
