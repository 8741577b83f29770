"""What follow= costs: optimized handlers, the generic resolver, a client crawl, the floor.

For N VMs (scenario ``scale:N``: 2 disks and 2 NICs each) it measures, in one run:

* ``floor``: rendering the same payload from objects already in memory (no database at all);
* ``optimized``: ``GET /vms?follow=disk_attachments.disk,nics`` with the handlers, in process
  (service and render) and over loopback HTTP;
* ``generic``: the same request with the handlers disabled (one query per entity and link);
* ``crawl``: the SDK listing the VMs and calling ``follow_link`` one request at a time;

and prints SQL statements, wall time and ratios. With npm available it also serves the same data
with json-server and compares throughput with its one-level ``_embed``. It prints; it asserts no
timing.

    python3 bench/follow.py [--sizes 10,100,1000] [--repeat 5] [--no-json-server]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
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

from engine_api.render import render  # noqa: E402
from engine_api.services import crud  # noqa: E402
from engine_api.services.context import Params, RequestContext  # noqa: E402
from engine_api.services.following import HANDLERS  # noqa: E402
from engine_api.services.registry import REGISTRY  # noqa: E402
from engine_api.testing import LiveEngine  # noqa: E402
from engine_api.wire import XmlCodec  # noqa: E402

FOLLOW = "disk_attachments.disk,nics"
JSON_SERVER = "json-server@0.17.4"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def statements(answer: requests.Response) -> int:
    match = re.search(r'desc="(\d+) statements"', answer.headers["Server-Timing"])
    assert match, answer.headers["Server-Timing"]
    return int(match.group(1))


class RequestStatements:
    """SQL statements run by request threads (the transition ticker's own queries left out)."""

    def __init__(self, engine: Any) -> None:
        self.count = 0
        self._lock = threading.Lock()
        event.listen(engine, "after_cursor_execute", self._after)

    def _after(self, *args: Any) -> None:
        if threading.current_thread().name != "engine-emu-ticker":
            with self._lock:
                self.count += 1


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


def in_process(live: LiveEngine, repeat: int) -> tuple[float, float, int]:
    """Median seconds of rendering alone (the floor) and of service plus render, and statements."""
    vms = REGISTRY.get("vms")
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
    with HANDLERS.disabled():
        generic = session.get(url, params={"follow": FOLLOW})
        generic_http = median_time(lambda: session.get(url, params={"follow": FOLLOW}), max(1, repeat // 2))
    if generic.content != optimized.content:
        raise SystemExit("the generic resolver answered differently from the optimized handlers")
    log(f"N={size}: SDK crawl with follow_link, one request at a time …")
    crawl_time, crawl_requests, crawl_statements = crawl(live, counter)
    return Row(size, len(optimized.content), floor, optimized_server, statements_server, optimized_http,
               statements(optimized), generic_http, statements(generic), crawl_time, crawl_requests,
               crawl_statements)


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
    print(f"  {'N':>6} {'SQL opt':>8} {'SQL gen':>8} {'SQL crawl':>10} {'opt/floor':>10} {'gen/opt':>8}"
          f" {'crawl/opt':>10}")
    for row in rows:
        print(f"  {row.size:>6} {row.optimized_statements:>8} {row.generic_statements:>8} {row.crawl_statements:>10}"
              f" {row.optimized_server / row.floor:10.2f} {row.generic_http / row.optimized_http:8.2f}"
              f" {row.crawl / row.optimized_http:10.1f}")
    print("  targets at N=1000: opt/floor within 2, crawl/opt at least 20")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def json_server_db(session: requests.Session, live: LiveEngine) -> dict[str, list[dict[str, Any]]]:
    """The VMs, NICs and disk attachments as json-server wants them: children carry ``vmId``."""
    data = session.get(live.url + "/vms", params={"follow": "disk_attachments,nics"},
                       headers={"Accept": "application/json"}).json()["vm"]
    db: dict[str, list[dict[str, Any]]] = {"vms": [], "nics": [], "diskattachments": []}
    for vm in data:
        db["vms"].append({k: v for k, v in vm.items() if k not in ("nics", "disk_attachments")})
        for nic in vm["nics"]["nic"]:
            db["nics"].append({**nic, "vmId": vm["id"]})
        for attachment in vm["disk_attachments"]["disk_attachment"]:
            db["diskattachments"].append({**attachment, "id": f"{vm['id']}-{attachment['id']}", "vmId": vm["id"]})
    return db


def wait_until_serving(url: str, process: subprocess.Popen[bytes], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False


def json_server_comparison(live: LiveEngine, session: requests.Session, size: int, repeat: int) -> None:
    """engine-emu's JSON against json-server's ``_embed`` on the same VMs, NICs and attachments."""
    print(f"\njson-server ({JSON_SERVER}) against engine-emu, JSON, N={size}:")
    if shutil.which("npx") is None:
        print("  skipped: npm (npx) is not available on this machine")
        return
    db = json_server_db(session, live)
    with tempfile.TemporaryDirectory(prefix="bench-follow-") as scratch:
        Path(scratch, "db.json").write_text(json.dumps(db))
        port = free_port()
        log(f"N={size}: starting json-server on 127.0.0.1:{port} (npx may download it first) …")
        process = subprocess.Popen(["npx", "--yes", JSON_SERVER, "db.json", "--host", "127.0.0.1", "--port",
                                    str(port), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   cwd=scratch, env={**os.environ, "npm_config_update_notifier": "false"})
        try:
            theirs_url = f"http://127.0.0.1:{port}/vms?_embed=nics&_embed=diskattachments"
            if not wait_until_serving(theirs_url, process, 120):
                print("  skipped: json-server did not start")
                return
            embedded = requests.get(theirs_url).json()
            if len(embedded) != size or len(embedded[0]["nics"]) != 2 or len(embedded[0]["diskattachments"]) != 2:
                print("  skipped: json-server did not embed the NICs and attachments")
                return
            json_session = requests.Session()
            json_session.auth = session.auth
            json_session.headers["Accept"] = "application/json"
            plain = requests.Session()
            log(f"N={size}: json-server and engine-emu, {repeat} requests each …")
            theirs = median_time(lambda: plain.get(theirs_url), repeat)
            one_level = median_time(lambda: json_session.get(live.url + "/vms",
                                                             params={"follow": "disk_attachments,nics"}), repeat)
            two_levels = median_time(lambda: json_session.get(live.url + "/vms", params={"follow": FOLLOW}), repeat)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"  {'':52} {'wall ms':>9} {'VMs/s':>9} {'vs json-server':>15}")
    for label, seconds in (
        ("json-server ?_embed=nics&_embed=diskattachments", theirs),
        ("engine-emu ?follow=disk_attachments,nics", one_level),
        ("engine-emu ?follow=disk_attachments.disk,nics", two_levels),
    ):
        print(f"  {label:52} {seconds * 1e3:9.1f} {size / seconds:9.0f} {theirs / seconds:14.2f}x")
    print("  json-server embeds one level from memory; the second engine-emu line also inlines every disk.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000", help="comma-separated VM counts (default 10,100,1000)")
    parser.add_argument("--repeat", type=int, default=5, help="requests per median (default 5)")
    parser.add_argument("--no-json-server", action="store_true", help="skip the json-server comparison")
    args = parser.parse_args()
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes takes comma-separated integers, not {args.sizes!r}")
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        parser.error("sizes and --repeat must be positive")
    print(f"follow={FOLLOW}; median of {args.repeat} runs ({max(1, args.repeat // 2)} for the generic resolver,"
          f" 1 crawl); SQLite; Python {platform.python_version()}, {os.cpu_count()} CPUs", flush=True)
    rows: list[Row] = []
    started = time.perf_counter()
    with LiveEngine(transition_delay=0) as live:
        counter = RequestStatements(live.db.engine)
        session = requests.Session()
        session.auth = (live.username, live.password)
        for size in sizes:
            rows.append(measure(live, session, counter, size, args.repeat))
            print_row(rows[-1])
        print_summary(rows)
        if not args.no_json_server:
            json_server_comparison(live, session, sizes[-1], args.repeat)
    log(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
