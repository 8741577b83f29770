"""What follow= costs: optimized handlers, the generic resolver, a client crawl, the floor.

For N VMs (2 disks and 2 NICs each) it prints SQL statements and wall time of

* ``optimized``: ``GET /vms?follow=disk_attachments.disk,nics`` with the handlers;
* ``generic``: the same request with the handlers disabled (one query per entity and link);
* ``crawl``: the SDK listing the VMs and calling ``follow_link`` one request at a time;
* ``floor``: rendering the same payload from objects already in memory (no database);

as ratios measured in the same run. ``server`` times are in-process (service + render),
``http`` times are what a client on loopback waits for. With npm available it also serves the
same data with json-server and compares throughput with its one-level ``_embed``.

    python3 bench/follow.py [--sizes 10,100,1000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine_api.render import render  # noqa: E402
from engine_api.services import crud  # noqa: E402
from engine_api.services.context import Params, RequestContext  # noqa: E402
from engine_api.services.following import HANDLERS  # noqa: E402
from engine_api.services.registry import REGISTRY  # noqa: E402
from engine_api.testing import LiveEngine  # noqa: E402
from engine_api.wire import XmlCodec  # noqa: E402

FOLLOW = "disk_attachments.disk,nics"


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
    return int(re.search(r'desc="(\d+) statements"', answer.headers["Server-Timing"]).group(1))


def in_process(live: LiveEngine, render_only: bool, repeat: int) -> tuple[float, int]:
    """Median seconds of the service and render (or render alone) for the followed listing."""
    vms = REGISTRY.get("vms")
    codec = XmlCodec()
    engine = live.engine
    counter = live.db.counter

    def service() -> Any:
        with live.db.transaction() as session:
            ctx = RequestContext(session=session, params=Params(follow=FOLLOW), settings=engine.settings)
            return crud.list_entities(ctx, vms)

    if render_only:
        result = service()
        return median_time(lambda: render(result, codec), repeat), 0
    counter.reset()
    render(service(), codec)
    count = counter.count
    return median_time(lambda: render(service(), codec), repeat), count


def crawl(live: LiveEngine) -> tuple[float, int]:
    """A client following every link one request at a time; returns (seconds, requests)."""
    import ovirtsdk4 as sdk

    connection = sdk.Connection(url=live.url, username=live.username, password=live.password)
    connection.authenticate()
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
    connection.close()
    return elapsed, count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def json_server_comparison(live: LiveEngine, size: int, repeat: int) -> None:
    """json-server with the same VMs, NICs and disk attachments, one-level ``_embed``."""
    if shutil.which("npx") is None:
        log("json-server: npm is not available here; comparison skipped")
        return
    session = requests.Session()
    session.auth = (live.username, live.password)
    data = session.get(live.url + "/vms", params={"follow": "disk_attachments,nics"},
                       headers={"Accept": "application/json"}).json()["vm"]
    db = {"vms": [], "nics": [], "diskattachments": []}
    for vm in data:
        plain = {k: v for k, v in vm.items() if k not in ("nics", "disk_attachments")}
        db["vms"].append(plain)
        for nic in vm["nics"]["nic"]:
            db["nics"].append({**nic, "vmId": vm["id"]})
        for attachment in vm["disk_attachments"]["disk_attachment"]:
            db["diskattachments"].append({**attachment, "id": f"{vm['id']}-{attachment['id']}", "vmId": vm["id"]})
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "db.json"
        path.write_text(json.dumps(db))
        port = free_port()
        process = subprocess.Popen(["npx", "--yes", "json-server@0.17.4", "--host", "127.0.0.1", "--port",
                                    str(port), "--quiet", str(path)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, cwd=scratch)
        try:
            url = f"http://127.0.0.1:{port}/vms?_embed=nics&_embed=diskattachments"
            deadline = time.monotonic() + 120
            while True:
                try:
                    if requests.get(url, timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    log("json-server: did not start; comparison skipped")
                    return
                time.sleep(0.5)
            embedded = requests.get(url).json()
            assert len(embedded) == size and len(embedded[0]["nics"]) == 2
            theirs = median_time(lambda: requests.get(url), repeat)
            ours = median_time(lambda: session.get(live.url + "/vms", params={"follow": FOLLOW},
                                                   headers={"Accept": "application/json"}), repeat)
            print(f"  json-server _embed (one level: VMs+NICs+attachments): {size / theirs:10.0f} VMs/s"
                  f"   engine-emu follow (two levels, JSON): {size / ours:10.0f} VMs/s"
                  f"   engine-emu / json-server: {theirs / ours:5.2f}x")
        finally:
            process.terminate()
            process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-json-server", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"follow={FOLLOW}; median of {args.repeat} runs; times in ms")
    header = (f"{'N':>6} {'floor':>8} {'opt srv':>8} {'opt http':>9} {'gen http':>9} {'crawl':>9}"
              f" {'stmts opt':>9} {'stmts gen':>9} {'reqs crawl':>10} {'opt/floor':>9} {'gen/opt':>8}"
              f" {'crawl/opt':>9}")
    rows = []
    with LiveEngine(transition_delay=0) as live:
        session = requests.Session()
        session.auth = (live.username, live.password)
        for size in sizes:
            log(f"seeding scale:{size} …")
            live.reset(f"scale:{size}")
            log(f"N={size}: floor and in-process optimized …")
            floor, _ = in_process(live, True, args.repeat)
            opt_server, _ = in_process(live, False, args.repeat)
            log(f"N={size}: over HTTP, optimized and generic …")
            optimized = session.get(live.url + "/vms", params={"follow": FOLLOW})
            opt_http = median_time(lambda: session.get(live.url + "/vms", params={"follow": FOLLOW}), args.repeat)
            with HANDLERS.disabled():
                generic = session.get(live.url + "/vms", params={"follow": FOLLOW})
                assert generic.content == optimized.content
                gen_http = median_time(lambda: session.get(live.url + "/vms", params={"follow": FOLLOW}),
                                       max(1, args.repeat // 2))
            log(f"N={size}: client crawl with follow_link …")
            crawl_time, crawl_requests = crawl(live)
            rows.append((size, floor, opt_server, opt_http, gen_http, crawl_time, statements(optimized),
                         statements(generic), crawl_requests))
            if not args.no_json_server and size == sizes[-1]:
                log(f"N={size}: json-server …")
                json_server_comparison(live, size, args.repeat)
    print(header)
    for size, floor, opt_server, opt_http, gen_http, crawl_time, s_opt, s_gen, requests_count in rows:
        print(f"{size:>6} {floor * 1e3:8.1f} {opt_server * 1e3:8.1f} {opt_http * 1e3:9.1f} {gen_http * 1e3:9.1f}"
              f" {crawl_time * 1e3:9.1f} {s_opt:>9} {s_gen:>9} {requests_count:>10} {opt_server / floor:9.2f}"
              f" {gen_http / opt_http:8.2f} {crawl_time / opt_http:9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
