"""What ``follow=statistics`` costs: SQL statements and time for 10, 100 and 1000 VMs.

For each size it seeds ``scale:N`` (half the VMs up), serves it with ``engine-emu serve`` in a
process of its own and measures in JSON with Basic credentials:

* ``GET /vms`` (the baseline, from documents),
* ``GET /vms?follow=statistics`` (every VM's 16 statistics inline, one optimized handler),
* the crawl a client without ``follow=`` makes: ``GET /vms``, then ``GET /vms/{id}/statistics``
  for every VM (timed once, sequentially, over one keep-alive connection),

and prints statements per request (the target: the same for every size), requests per second
with ``wrk -t1 -c1``, and the crawl's wall time against one followed request. It asserts nothing
about time.

    python3 bench/statistics.py [--sizes 10,100,1000] [--duration 10]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AUTH, BASIC, ROOT, Served, log, statement_count, wrk  # noqa: E402

JSON = {"Accept": "application/json"}
CONNECTIONS = 1



def _crawl(api: str) -> tuple[float, int, int]:
    """The crawl's wall time, requests and statements."""
    session = requests.Session()
    session.auth = AUTH
    started = time.perf_counter()
    listing = session.get(api + "/vms", headers=JSON, timeout=60)
    statements, requests_made = statement_count(listing), 1
    for vm in listing.json()["vm"]:
        answer = session.get(api + f"/vms/{vm['id']}/statistics", headers=JSON, timeout=60)
        answer.raise_for_status()
        statements += statement_count(answer)
        requests_made += 1
    return time.perf_counter() - started, requests_made, statements


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    headers = {"Authorization": BASIC, **JSON}
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="engine-emu-bench-statistics-") as scratch:
            database = f"sqlite:///{scratch}/engine.sqlite"
            log(f"seeding scale:{size}")
            subprocess.run([sys.executable, "-m", "engine_api.cli", "seed", f"scale:{size}", "--database", database],
                           check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
            command = [sys.executable, "-m", "engine_api.cli", "serve", "--port", "{port}", "--database", database,
                       "--state-dir", scratch, "--transition-delay", "0"]
            with Served("engine-emu serve", command, "/ovirt-engine/api") as engine:
                api = engine.base + "/ovirt-engine/api"
                for label, query in (("GET /vms", ""), ("GET /vms?follow=statistics", "?follow=statistics")):
                    url = api + "/vms" + query
                    answer = requests.get(url, headers=headers, timeout=120)
                    answer.raise_for_status()
                    vms = answer.json()["vm"]
                    if len(vms) != size or (query and any(len(vm["statistics"]["statistic"]) != 16 for vm in vms)):
                        raise RuntimeError(f"{url} did not answer {size} VMs with their statistics")
                    log(f"wrk {label} ({size} VMs)")
                    wrk(url, headers, 1, CONNECTIONS)
                    measured = wrk(url, headers, args.duration, CONNECTIONS)
                    rows.append((size, label, measured.requests_per_second, statement_count(answer),
                                 1, len(answer.content), 1 / measured.requests_per_second * CONNECTIONS))
                log(f"crawling {size} VMs' statistics one request each")
                seconds, made, statements = _crawl(api)
                rows.append((size, "crawl: /vms + /vms/{id}/statistics", 1 / seconds, statements, made, 0, seconds))
    print(f"\nfollow=statistics, JSON, SQLite, wrk -t1 -c{CONNECTIONS} -d{args.duration:g}s, {os.cpu_count()} cores")
    print(f"{'VMs':>6}  {'request':<38}{'req/s':>9}{'SQL':>7}{'HTTP':>7}{'KiB':>8}{'s each':>9}{'/ followed':>12}")
    followed = {size: seconds for size, label, _, _, _, _, seconds in rows if "follow" in label}
    for size, label, rate, statements, made, length, seconds in rows:
        ratio = seconds / followed[size]
        print(f"{size:>6}  {label:<38}{rate:>9.1f}{statements:>7}{made:>7}{length / 1024:>8.0f}{seconds:>9.3f}"
              f"{ratio:>11.2f}x")
    print("SQL: statements of one request (for the crawl, of all its requests); s each: seconds per request "
          f"under wrk ({CONNECTIONS} at a time), or the crawl's wall time; / followed: against one followed request")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
