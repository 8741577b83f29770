"""What device monitoring costs in the engine, against the database.

Seeds ``scale:2N`` (N running VMs with two disks and two NICs each) in a fresh SQLite file and
measures, in one run:

* ``launch``: building each running VM's run-VM XML from the database and starting it on the
  simulated host (VMs per second);
* ``first cycle``: a monitoring cycle that reads every VM's Domain XML (each hash is new) and
  writes the addresses, aliases and unmanaged devices it learns;
* ``quiet cycle``: a cycle when no hash changed (one query);
* ``1% cycle``: a cycle after hot-plugging a NIC into 1% of the VMs — it must read only those.

It prints VMs read per cycle, wall time and ratios; it asserts no timing.

    python3 bench/monitoring.py [--vms 1000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine_api import models as m  # noqa: E402
from engine_api.db import Database  # noqa: E402
from engine_api.services.context import RequestContext, Settings  # noqa: E402
from engine_api.vms import (  # noqa: E402
    libvirt_domains,
    monitoring,
    nics,  # noqa: E402
)
from fixtures import seed  # noqa: E402


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000, help="running VMs (default 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of the quiet and 1%% cycles (default 5)")
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="engine-emu-bench-") as scratch:
        db = Database(f"sqlite:///{scratch}/engine.sqlite")
        db.create_schema()
        log(f"seeding scale:{2 * args.vms} …")
        seed(db, f"scale:{2 * args.vms}")
        with db.transaction() as session:
            running = list(session.scalars(select(m.Vm).where(m.Vm.status == "up").order_by(m.Vm.name)))
            log(f"launching {len(running)} domains …")
            started = time.perf_counter()
            for vm in running:
                libvirt_domains.host_domain(session, vm)
            launch = time.perf_counter() - started

        db.counter.reset()
        started = time.perf_counter()
        first = monitoring.run_cycle(db, settings, limit=len(running))
        first_seconds = time.perf_counter() - started
        first_sql = db.counter.count

        quiet, changed = [], []
        for round_number in range(args.repeat):
            db.counter.reset()
            started = time.perf_counter()
            assert monitoring.run_cycle(db, settings) == []
            quiet.append((time.perf_counter() - started, db.counter.count))
            targets = running[round_number % 100::100]  # 1% of the VMs, others each round
            with db.transaction() as session:
                ctx = RequestContext(session=session)
                for vm in targets:
                    nics.add_vm_nic(ctx, {"name": f"hot{round_number}"}, vm.id)
            db.counter.reset()
            started = time.perf_counter()
            read = monitoring.run_cycle(db, settings)
            changed.append((time.perf_counter() - started, db.counter.count, len(read), len(targets)))
        db.dispose()

    quiet_ms = statistics.median(seconds for seconds, _ in quiet) * 1000
    changed_ms = statistics.median(seconds for seconds, *_ in changed) * 1000
    print(f"engine-emu device monitoring, {len(running)} running VMs (2 disks, 2 NICs), SQLite; "
          f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}")
    print(f"launch (build from the database + start on the host): {len(running) / launch:,.0f} VMs/s")
    print(f"{'cycle':<14}{'VMs read':>10}{'SQL':>8}{'ms':>10}{'ms/VM read':>12}")
    print(f"{'first':<14}{len(first):>10}{first_sql:>8}{first_seconds * 1000:>10.1f}"
          f"{first_seconds * 1000 / max(1, len(first)):>12.2f}")
    print(f"{'quiet':<14}{0:>10}{statistics.median(c for _, c in quiet):>8.0f}{quiet_ms:>10.2f}{'':>12}")
    read_counts = sorted({entry[2] for entry in changed})
    print(f"{'1% changed':<14}{'/'.join(map(str, read_counts)):>10}{statistics.median(e[1] for e in changed):>8.0f}"
          f"{changed_ms:>10.1f}{changed_ms / max(1, statistics.median(e[2] for e in changed)):>12.2f}")
    print(f"1% cycle read only the changed VMs: {all(entry[2] == entry[3] for entry in changed)}; "
          f"first/1% time: {first_seconds * 1000 / changed_ms:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
