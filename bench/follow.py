"""What follow= costs: optimized handlers, the generic resolver, a client crawl, the floor.

For N VMs (scenario ``scale:N``: 2 disks and 2 NICs each) it measures, in one run:

* ``floor``: rendering the same payload from objects already in memory (no database at all);
* ``optimized``: ``GET /vms?follow=disk_attachments.disk,nics`` with the handlers, in process
  (service and render) and over loopback HTTP;
* ``generic``: the same request with the handlers disabled (one query per entity and link);
* ``crawl``: the SDK listing the VMs and calling ``follow_link`` one request at a time;
* the SQL statements of ``GET /vms?follow=nics`` (assembled from stored documents);

and prints SQL statements, wall time and ratios. Then, with wrk and npm available, for the largest
N it serves the VMs as users do (``engine-emu seed`` and ``engine-emu serve`` in a process of
their own) and the same VMs and NICs with json-server 1.0 (NICs carrying ``vmId``), checks that
json-server really embeds the NICs, and measures the throughput of ``GET /vms?follow=nics`` in
JSON against json-server's ``GET /vms?_embed=nics`` with ``wrk -t1 -c4``, one server after the
other: engine-emu as served (a repeat at an unchanged head revision is answered with the listing it
kept) and with no listing kept (every request reads and assembles the documents). It prints; it
asserts no timing.

    python3 bench/follow.py [--sizes 10,100,1000] [--repeat 5] [--duration 10] [--no-json-server]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import requests
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine_api.api import registry  # noqa: E402
from engine_api.render import render  # noqa: E402
from engine_api.services import crud  # noqa: E402
from engine_api.services.context import Params, RequestContext  # noqa: E402
from engine_api.testing import LiveEngine  # noqa: E402
from engine_api.wire import XmlCodec  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BASIC, ROOT, Served, Throughput, log, statement_count, wrk  # noqa: E402

FOLLOW = "disk_attachments.disk,nics"
JSON_SERVER_VERSION = "1.0.0-beta.15"  # the newest 1.0 published (npm view json-server versions --json)
CONNECTIONS = 4


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)



class RequestStatements:
    """SQL statements run by request threads (the transition ticker's own queries left out),
    direct entity reads' lookups on the driver's cursor included."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self._through_sqlalchemy = 0
        self._lock = threading.Lock()
        event.listen(db.engine, "after_cursor_execute", self._after)

    @property
    def count(self) -> int:
        return self._through_sqlalchemy + self.db.driver_statements.count

    def _after(self, *args: Any) -> None:
        if threading.current_thread().name != "engine-emu-ticker":
            with self._lock:
                self._through_sqlalchemy += 1


@dataclass
class Row:
    size: int
    payload: int
    floor: float
    optimized_server: float
    optimized_statements_server: int
    optimized_http: float
    optimized_statements: int
    generic_http: float
    generic_statements: int
    crawl: float
    crawl_requests: int
    crawl_statements: int
    nics_statements: int


def in_process(live: LiveEngine, repeat: int) -> tuple[float, float, int]:
    """Median seconds of rendering alone (the floor) and of service plus render, and statements."""
    vms = registry().get("vms")
    codec = XmlCodec()

    def service() -> Any:
        with live.db.transaction() as session:
            ctx = RequestContext(session=session, params=Params(follow=FOLLOW), settings=live.engine.settings)
            return crud.list_entities(ctx, vms)

    loaded = service()  # detached objects already in memory: the same payload, no database
    floor = median_time(lambda: render(loaded, codec), repeat)
    live.db.counter.reset()
    render(service(), codec)
    count = live.db.counter.count
    optimized = median_time(lambda: render(service(), codec), repeat)
    return floor, optimized, count


def crawl(live: LiveEngine, counter: RequestStatements) -> tuple[float, int, int]:
    """The SDK following every link one request at a time: seconds, requests, SQL statements."""
    import ovirtsdk4 as sdk

    connection = sdk.Connection(url=live.url, username=live.username, password=live.password)
    connection.authenticate()
    before = counter.count
    started = time.perf_counter()
    count = 1
    vms = connection.system_service().vms_service().list()
    for vm in vms:
        for attachment in connection.follow_link(vm.disk_attachments):
            connection.follow_link(attachment.disk)
            count += 1
        connection.follow_link(vm.nics)
        count += 2
    elapsed = time.perf_counter() - started
    used = counter.count - before
    connection.close()
    return elapsed, count, used


def measure(live: LiveEngine, session: requests.Session, counter: RequestStatements, size: int,
            repeat: int) -> Row:
    log(f"N={size}: seeding scale:{size} …")
    live.reset(f"scale:{size}")
    log(f"N={size}: floor and optimized, in process …")
    floor, optimized_server, statements_server = in_process(live, repeat)
    log(f"N={size}: optimized and generic over HTTP …")
    url = live.url + "/vms"
    optimized = session.get(url, params={"follow": FOLLOW})
    optimized_http = median_time(lambda: session.get(url, params={"follow": FOLLOW}), repeat)
    with registry().handlers.disabled():
        generic = session.get(url, params={"follow": FOLLOW})
        generic_http = median_time(lambda: session.get(url, params={"follow": FOLLOW}), max(1, repeat // 2))
    if generic.content != optimized.content:
        raise SystemExit("the generic resolver answered differently from the optimized handlers")
    # twice, counting the second: credentials are then cached, as for every request of a client at work
    session.get(url, params={"follow": "nics"}).raise_for_status()
    nics = session.get(url, params={"follow": "nics"})
    nics.raise_for_status()
    log(f"N={size}: SDK crawl with follow_link, one request at a time …")
    crawl_time, crawl_requests, crawl_statements = crawl(live, counter)
    return Row(size, len(optimized.content), floor, optimized_server, statements_server, optimized_http,
               statement_count(optimized), generic_http, statement_count(generic), crawl_time, crawl_requests,
               crawl_statements, statement_count(nics))


def print_row(row: Row) -> None:
    kib = row.payload / 1024
    print(f"\nN={row.size}: {row.size} VMs, {2 * row.size} disk attachments with their disks, "
          f"{2 * row.size} NICs; {kib:,.0f} KiB of XML")
    print(f"  {'':34} {'SQL':>7} {'HTTP':>6} {'wall ms':>10} {'x floor':>8} {'x optimized':>12}")
    lines = [
        ("floor: render from memory", 0, 0, row.floor),
        ("optimized handlers, in process", row.optimized_statements_server, 0, row.optimized_server),
        ("optimized handlers, HTTP", row.optimized_statements, 1, row.optimized_http),
        ("generic resolver, HTTP", row.generic_statements, 1, row.generic_http),
        ("SDK follow_link crawl, HTTP", row.crawl_statements, row.crawl_requests, row.crawl),
    ]
    for label, sql, http, seconds in lines:
        print(f"  {label:34} {sql:>7} {http or '-':>6} {seconds * 1e3:10.1f} {seconds / row.floor:8.2f}"
              f" {seconds / row.optimized_http:12.2f}", flush=True)


def print_summary(rows: list[Row]) -> None:
    print("\nSummary (ratios from the same run; optimized/floor in process, the others over HTTP):")
    print(f"  {'N':>6} {'SQL opt':>8} {'SQL gen':>8} {'SQL crawl':>10} {'SQL nics':>9} {'opt/floor':>10}"
          f" {'gen/opt':>8} {'crawl/opt':>10}")
    for row in rows:
        print(f"  {row.size:>6} {row.optimized_statements:>8} {row.generic_statements:>8} {row.crawl_statements:>10}"
              f" {row.nics_statements:>9} {row.optimized_server / row.floor:10.2f}"
              f" {row.generic_http / row.optimized_http:8.2f} {row.crawl / row.optimized_http:10.1f}")
    print("  SQL nics: GET /vms?follow=nics, assembled from stored documents (credentials cached)")
    print("  targets at N=1000: opt/floor within 2, crawl/opt at least 20")


def json_server_db(vms: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """engine-emu's VMs and NICs as json-server wants them: two collections, each NIC with ``vmId``
    (json-server 1.0 embeds ``nics`` into ``vms`` by the foreign key ``vmId``)."""
    db: dict[str, list[dict[str, Any]]] = {"vms": [], "nics": []}
    for vm in vms:
        db["vms"].append({k: v for k, v in vm.items() if k != "nics"})
        db["nics"].extend({**nic, "vmId": vm["id"]} for nic in vm["nics"]["nic"])
    return db


def embedded_the_same(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> str | None:
    """Why json-server's ``_embed=nics`` answer differs from engine-emu's VMs and NICs, or None."""
    if len(theirs) != len(ours):
        return f"{len(theirs)} VMs, not {len(ours)}"
    for vm, other in zip(ours, theirs):
        nics = [{k: v for k, v in nic.items() if k != "vmId"} for nic in other.get("nics", [])]
        if nics != vm["nics"]["nic"]:
            return f"VM {vm['id']}: {len(nics)} NICs embedded, not its {len(vm['nics']['nic'])}"
        if {k: v for k, v in other.items() if k != "nics"} != {k: v for k, v in vm.items() if k != "nics"}:
            return f"VM {vm['id']} differs"
    return None


def json_server_comparison(size: int, seconds: float) -> None:
    """engine-emu served as users serve it against json-server 1.0 on the same VMs and NICs."""
    title = (f"\nThroughput, JSON, N={size} ({2 * size} NICs): engine-emu serve (its own process, SQLite) against "
             f"json-server {JSON_SERVER_VERSION}; wrk -t1 -c{CONNECTIONS} -d{seconds:g}s each, one after the other")
    print(title, flush=True)
    missing = [tool for tool in ("wrk", "npm", "node") if shutil.which(tool) is None]
    if missing:
        print(f"  skipped: {', '.join(missing)} not available (wrk: apt-get install -y wrk)")
        return
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-follow-") as scratch_name:
        scratch = Path(scratch_name)
        database = f"sqlite:///{scratch / 'engine.sqlite'}"
        log(f"N={size}: engine-emu seed scale:{size} into a file …")
        subprocess.run([sys.executable, "-m", "engine_api.cli", "seed", f"scale:{size}", "--database", database,
                        "--state-dir", str(scratch)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        log(f"N={size}: installing json-server@{JSON_SERVER_VERSION} into a temporary folder …")
        subprocess.run(["npm", "install", "--prefix", str(scratch / "npm"), "--no-save", "--no-audit", "--no-fund",
                        "--loglevel=error", "--no-update-notifier", f"json-server@{JSON_SERVER_VERSION}"],
                       check=True, stdout=subprocess.DEVNULL)
        json_server = scratch / "npm" / "node_modules" / "json-server" / "lib" / "bin.js"
        ours_url = "/ovirt-engine/api/vms?follow=nics"
        theirs_url = "/vms?_embed=nics"
        ours_headers = {"Authorization": BASIC, "Accept": "application/json"}
        serve = [sys.executable, "-m", "engine_api.cli", "serve", "--host", "127.0.0.1", "--port", "{port}",
                 "--database", database, "--state-dir", str(scratch), "--transition-delay", "0"]
        measured: dict[str, Throughput] = {}
        answers: dict[str, requests.Response] = {}
        # engine-emu as served (a repeat at an unchanged head answered with the kept listing), then
        # with nothing kept, so that every request reads and assembles the documents anew.
        for name, env in (("engine-emu", {}), ("engine-emu, assembled", {"ENGINE_EMU_LISTING_CACHE_BYTES": "0"})):
            log(f"N={size}: {name} serve …")
            with Served(name, serve, "/ovirt-engine/api", ROOT, env=env) as engine:
                requests.get(engine.base + ours_url, headers=ours_headers, timeout=60).raise_for_status()
                ours = requests.get(engine.base + ours_url, headers=ours_headers, timeout=60)  # credentials cached
                ours.raise_for_status()
                vms = ours.json()["vm"]
                if len(vms) != size or any(len(vm["nics"]["nic"]) != 2 for vm in vms):
                    raise RuntimeError(f"{name} did not answer every VM with its 2 NICs")
                answers[name] = ours
                log(f"N={size}: wrk against {name} (2 s warm-up, then {seconds:g} s) …")
                wrk(engine.base + ours_url, ours_headers, 2, CONNECTIONS)
                measured[name] = wrk(engine.base + ours_url, ours_headers, seconds, CONNECTIONS)
        if answers["engine-emu"].content != answers["engine-emu, assembled"].content:
            raise RuntimeError("the kept listing differs from the assembled one")
        vms = answers["engine-emu"].json()["vm"]
        data = scratch / "json-server"
        data.mkdir()
        (data / "db.json").write_text(json.dumps(json_server_db(vms)))
        log(f"N={size}: json-server {JSON_SERVER_VERSION} on node {node} …")
        with Served("json-server", ["node", str(json_server), "db.json", "--host", "127.0.0.1", "--port",
                                    "{port}"], "/vms", data) as theirs_server:
            theirs = requests.get(theirs_server.base + theirs_url, timeout=60)
            theirs.raise_for_status()
            wrong = embedded_the_same(vms, theirs.json())
            if wrong:
                raise RuntimeError(f"json-server did not embed the NICs as engine-emu answers them: {wrong}")
            log(f"N={size}: wrk against json-server (2 s warm-up, then {seconds:g} s) …")
            wrk(theirs_server.base + theirs_url, {}, 2, CONNECTIONS)
            measured["json-server"] = wrk(theirs_server.base + theirs_url, {}, seconds, CONNECTIONS)
    baseline = measured["json-server"].requests_per_second
    print(f"  {'':44} {'req/s':>8} {'VMs/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'KiB':>6} {'SQL':>4}"
          f" {'/ json-server':>14}")
    for name, label, size_bytes, sql in (
        ("json-server", f"json-server GET {theirs_url}", len(theirs.content), "-"),
        ("engine-emu", "engine-emu  GET /vms?follow=nics", len(answers["engine-emu"].content),
         str(statement_count(answers["engine-emu"]))),
        ("engine-emu, assembled", "  the same, every listing assembled", len(answers["engine-emu, assembled"].content),
         str(statement_count(answers["engine-emu, assembled"]))),
    ):
        m = measured[name]
        print(f"  {label:44} {m.requests_per_second:8.1f} {m.requests_per_second * size:9.0f} {m.p50_ms:8.1f}"
              f" {m.p99_ms:8.1f} {m.errors:>7} {size_bytes / 1024:6.0f} {sql:>4}"
              f" {m.requests_per_second / baseline:13.2f}x", flush=True)
    print(f"  engine-emu / json-server: {measured['engine-emu'].requests_per_second / baseline:.2f}x (target: at least 2),"
          f" {measured['engine-emu, assembled'].requests_per_second / baseline:.2f}x assembling every listing;"
          f" node {node}, {os.cpu_count()} CPUs shared by wrk and the server")
    print("  json-server embeds from memory (lowdb), indenting its JSON; engine-emu reads stored documents from SQLite,"
          " and answers a repeat at an unchanged head revision with the listing it kept (one statement)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000", help="comma-separated VM counts (default 10,100,1000)")
    parser.add_argument("--repeat", type=int, default=5, help="requests per median (default 5)")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of wrk per server in the json-server comparison (default 10)")
    parser.add_argument("--no-json-server", action="store_true", help="skip the json-server comparison")
    args = parser.parse_args()
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes takes comma-separated integers, not {args.sizes!r}")
    if not sizes or min(sizes) < 1 or args.repeat < 1 or args.duration <= 0:
        parser.error("sizes, --repeat and --duration must be positive")
    print(f"follow={FOLLOW}; median of {args.repeat} runs ({max(1, args.repeat // 2)} for the generic resolver,"
          f" 1 crawl); SQLite; Python {platform.python_version()}, {os.cpu_count()} CPUs", flush=True)
    rows: list[Row] = []
    started = time.perf_counter()
    with LiveEngine(transition_delay=0) as live:
        counter = RequestStatements(live.db)
        session = requests.Session()
        session.auth = (live.username, live.password)
        for size in sizes:
            rows.append(measure(live, session, counter, size, args.repeat))
            print_row(rows[-1])
        print_summary(rows)
    if not args.no_json_server:
        json_server_comparison(max(sizes), args.duration)
    log(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
