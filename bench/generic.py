"""What a list of the generic store costs against a list of a bespoke collection.

In one run it serves ``scale:N`` (N VMs, a bespoke collection: rows with their documents) with
``engine-emu serve`` in a process of its own, adds N VM pools through the API (a collection of the
generic store: documents only, filled with the attributes a pool is usually given), and measures
with ``wrk -t1 -c4`` over keep-alive connections, in JSON with Basic credentials:

* ``GET /vms`` and ``GET /vmpools``, every listing assembled anew (the engine started with
  ``ENGINE_EMU_LISTING_CACHE_BYTES=0``, so no kept listing answers a repeat);
* the same with ``search=name=…*`` (a search that matches every entity), compiled to SQL over rows
  for VMs and over documents for pools;

and prints requests per second, the bytes of each answer, the SQL statements of each, and the
cost of a generic listing against the bespoke one (time per request, generic / bespoke). Target:
within 1.5. It asserts nothing about time.

    python3 bench/generic.py [--entities 1000] [--duration 8]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AUTH, BASIC, ROOT, Served, log, statement_count, wrk  # noqa: E402

JSON = {"Accept": "application/json"}
CONNECTIONS = 4



def _add_pools(api: str, count: int) -> None:
    session = requests.Session()
    session.auth = AUTH
    cluster = session.get(api + "/clusters", headers=JSON, timeout=30).json()["cluster"][0]["id"]
    template = session.get(api + "/templates", headers=JSON, timeout=30).json()["template"][0]["id"]
    for number in range(count):
        body = {"name": f"pool{number:05d}", "description": f"bench pool {number}", "comment": "bench",
                "size": "4", "max_user_vms": "1", "prestarted_vms": "1", "type": "automatic",
                "stateful": "false", "soundcard_enabled": "false", "use_latest_template_version": "true",
                "cluster": {"id": cluster}, "template": {"id": template}}
        answer = session.post(api + "/vmpools", json=body, headers=JSON, timeout=30)
        if answer.status_code != 201:
            raise RuntimeError(f"adding a VM pool answered {answer.status_code}: {answer.text[:300]}")
        if (number + 1) % max(1, count // 10) == 0:
            log(f"  {number + 1}/{count} VM pools added")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=8.0)
    args = parser.parse_args()
    headers = {"Authorization": BASIC, **JSON}
    rows = []
    with tempfile.TemporaryDirectory(prefix="engine-emu-bench-generic-") as scratch:
        database = f"sqlite:///{scratch}/engine.sqlite"
        log(f"seeding scale:{args.entities}")
        subprocess.run([sys.executable, "-m", "engine_api.cli", "seed", f"scale:{args.entities}", "--database",
                        database], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        command = [sys.executable, "-m", "engine_api.cli", "serve", "--port", "{port}", "--database", database,
                   "--state-dir", scratch, "--transition-delay", "0"]
        with Served("engine-emu serve", command, "/ovirt-engine/api",
                    env={"ENGINE_EMU_LISTING_CACHE_BYTES": "0"}) as engine:
            api = engine.base + "/ovirt-engine/api"
            log(f"adding {args.entities} VM pools")
            _add_pools(api, args.entities)
            for label, path, search in (("bespoke", "/vms", "name=*"), ("generic", "/vmpools", "name=pool*")):
                for searched in (False, True):
                    url = api + path + (f"?search={search}" if searched else "")
                    answer = requests.get(url, headers=headers, timeout=60)
                    answer.raise_for_status()
                    items = next(iter(answer.json().values()))
                    if len(items) != args.entities:
                        raise RuntimeError(f"{url} answered {len(items)} entities, not {args.entities}")
                    log(f"wrk {path}{' with search' if searched else ''}")
                    wrk(url, headers, 1, CONNECTIONS)
                    measured = wrk(url, headers, args.duration, CONNECTIONS)
                    rows.append((label, path, searched, measured, len(answer.content), statement_count(answer)))
    print(f"\nlisting {args.entities} entities, JSON, every listing assembled; wrk -t1 -c{CONNECTIONS} "
          f"-d{args.duration:g}s, SQLite, {os.cpu_count()} cores")
    print(f"{'collection':<12}{'request':<26}{'req/s':>9}{'p99 ms':>9}{'errors':>8}{'KiB':>7}{'SQL':>5}"
          f"{'ms/entity':>11}{'cost / bespoke':>16}")
    bespoke = {searched: measured for label, _, searched, measured, _, _ in rows if label == "bespoke"}
    for label, path, searched, measured, size, statements in rows:
        request = f"GET {path}" + (" ?search" if searched else "")
        per_entity = 1000 / measured.requests_per_second / args.entities
        cost = bespoke[searched].requests_per_second / measured.requests_per_second
        print(f"{label:<12}{request:<26}{measured.requests_per_second:>9.1f}{measured.p99_ms:>9.1f}"
              f"{measured.errors:>8}{size / 1024:>7.0f}{statements:>5}{per_entity:>11.4f}{cost:>15.2f}x")
    print("cost / bespoke: the time of a request against the bespoke listing's, the same way "
          "(target for the generic store: within 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
