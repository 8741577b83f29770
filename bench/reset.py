"""What a per-test reset costs: restoring a scenario's seed against seeding it afresh.

For each scenario it starts an in-process engine (``LiveEngine``, SQLite in a temporary folder,
or ``--database`` for PostgreSQL), makes the changes a test typically makes (adds a VM, starts
one, removes one), and times, ``--rounds`` times each:

* the baseline: ``reset(scenario, fresh=True)`` — delete every row and seed the scenario anew;
* the per-test reset the pytest plugin does: ``reset(scenario)`` — restore what the first reset
  to it seeded (rows and documents, the changed documents logged);
* ``states.restore(name)`` of a snapshot saved by hand (the same work).

It prints the median and worst times and the ratio of the baseline's median to the reset's.
It asserts nothing about time.

    python3 bench/reset.py [--scenarios demo,scale:1000] [--rounds 20] [--database URL]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine_api.testing import LiveEngine  # noqa: E402


def _change(live: LiveEngine) -> None:
    """What a test typically does to the demo: add a VM, start one, remove one."""
    import ovirtsdk4 as sdk
    import ovirtsdk4.types as types

    connection = sdk.Connection(url=live.url, username=live.username, password=live.password, insecure=True)
    try:
        vms = connection.system_service().vms_service()
        vms.add(types.Vm(name=f"bench-{time.monotonic_ns()}", cluster=types.Cluster(name="Default"),
                         template=types.Template(name="Blank")))
        down = vms.list(search="status=down", max=2)
        if down:
            vms.vm_service(down[0].id).start()
        if len(down) > 1:
            vms.vm_service(down[1].id).remove()
    finally:
        connection.close()


def _time(rounds: int, live: LiveEngine, action: Callable[[], object]) -> list[float]:
    times = []
    for number in range(rounds):
        _change(live)
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
        print(f"\r  round {number + 1}/{rounds}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return times


def _median(times: list[float]) -> float:
    ordered = sorted(times)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _row(label: str, times: list[float]) -> str:
    return f"  {label:<44} median {_median(times) * 1000:8.1f} ms   max {max(times) * 1000:8.1f} ms"


def measure(scenario: str, rounds: int, database: Optional[str]) -> None:
    with LiveEngine(database) as live:
        print(f"{scenario}: seeding", file=sys.stderr)
        live.reset(scenario)
        live.states.save("bench")
        fresh = _time(rounds, live, lambda: live.reset(scenario, fresh=True))
        live.reset(scenario)
        restored = _time(rounds, live, lambda: live.reset(scenario))
        snapshot = _time(rounds, live, lambda: live.states.restore("bench"))
        documents = live.states.get("bench").documents
    print(f"{scenario} ({documents} documents, {rounds} rounds, {'SQLite' if database is None else database})")
    print(_row("baseline: reset(fresh=True), seeding anew", fresh))
    print(_row("per-test reset: reset(), restoring the seed", restored))
    print(_row("states.restore(name)", snapshot))
    print(f"  ratio baseline / per-test reset (medians): {_median(fresh) / _median(restored):.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default="demo,scale:1000")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database", default=None, help="an empty PostgreSQL database URL (default: SQLite)")
    args = parser.parse_args()
    for scenario in args.scenarios.split(","):
        measure(scenario.strip(), args.rounds, args.database)


if __name__ == "__main__":
    main()
