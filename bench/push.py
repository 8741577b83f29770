"""Push against polling: the change feed's write-to-receipt latency and memory, and pollers' staleness.

In one run, against ``engine-emu serve`` (SQLite, one process, a fresh server per phase):

* ``sse N`` for N = 1, 100, 1,000 and 10,000 subscribers: N Server-Sent Events subscribers
  (``GET /changes?collection=vms``, raw sockets in one asyncio client process) wait until they
  are live; the server's resident memory is read before and after they connect (the delta over
  N is the memory per idle subscriber); then one VM is updated ``--writes`` times and each
  subscriber's receipt of each change is timed from the moment the write was sent;
* ``poll 3 s`` and ``poll 5 s``: ``--pollers`` clients each fetch the VM every 3 s or 5 s (with
  ``If-None-Match``, as a polling client does at best) while the VM is updated once a second; a
  write's staleness for a poller is the time from the write until that poller first sees it.

It prints a table (latency p50/p99/max, memory per idle subscriber, requests made) and asserts
nothing about time.

    python3 bench/push.py [--subscribers 1,100,1000,10000] [--writes 30] [--pollers 30] [--poll-seconds 30]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import AUTH, BASIC, ROOT, Served, log  # noqa: E402

JSON = {"Accept": "application/json"}
RECEIPT = re.compile(rb"id: (\d+)\nevent: modified\n")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# -- the server -----------------------------------------------------------------------------------
class Server(Served):
    """``engine-emu serve`` on a free port, over an SQLite file of its own, seeded with the demo."""

    def __init__(self) -> None:
        self.state = tempfile.TemporaryDirectory(prefix="engine-emu-bench-push-")
        super().__init__("engine-emu serve",
                         [sys.executable, "-m", "engine_api.cli", "serve", "--port", "{port}", "--state-dir",
                          self.state.name, "--seed", "demo", "--idle-timeout", "60"],
                         "/ovirt-engine/api", env={"PYTHONUNBUFFERED": "1"})
        self.url = self.base + "/ovirt-engine/api"

    def stop(self) -> None:
        super().stop()
        self.state.cleanup()


def _vm(server: Server) -> dict:
    return requests.get(server.url + "/vms", params={"search": "name=myvm"}, auth=AUTH, headers=JSON,
                        timeout=10).json()["vm"][0]


def _describe(session: requests.Session, server: Server, vm_id: str, number: int) -> None:
    answer = session.put(f"{server.url}/vms/{vm_id}", json={"description": f"bench {number}"}, headers=JSON,
                         timeout=30)
    answer.raise_for_status()


def _revisions_of_writes(server: Server, since: int, vm_href: str) -> dict[int, int]:
    """Write number -> the revision of the VM's change it made, read back from the feed."""
    found: dict[int, int] = {}
    while True:
        page = requests.get(server.url + "/changes", params={"since": since, "collection": "vms", "max": 1000},
                            auth=AUTH, headers=JSON, timeout=10).json()
        for change in page["change"]:
            description = (change.get("document") or {}).get("description", "")
            if change["href"] == vm_href and description.startswith("bench "):
                found[int(description.split()[1])] = int(change["revision"])
        if int(page["revision"]) == since:
            return found
        since = int(page["revision"])


# -- the subscribers' process ---------------------------------------------------------------------
class _Subscriber(asyncio.Protocol):
    """One SSE subscriber on a raw socket: notes when each change event arrives."""

    def __init__(self, request: bytes, receipts: dict[int, list[float]], live: "asyncio.Future[None]") -> None:
        self.request = request
        self.receipts = receipts
        self.live = live
        self.tail = b""
        self.last = -1
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        now = time.time()
        text = self.tail + data
        if not self.live.done() and b"event: bookmark" in text:
            self.live.set_result(None)
        for match in RECEIPT.finditer(text):
            revision = int(match.group(1))
            if revision > self.last:
                self.last = revision
                self.receipts.setdefault(revision, []).append(now)
        self.tail = text[-96:]

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.lost = True
        if not self.live.done():
            self.live.set_exception(ConnectionError("the subscriber's connection closed"))


async def _subscribe_all(port: int, count: int, since: int) -> None:
    import uvloop  # noqa: F401  (the loop is uvloop's: see subscribers_main)

    loop = asyncio.get_running_loop()
    receipts: dict[int, list[float]] = {}
    request = (f"GET /ovirt-engine/api/changes?since={since}&collection=vms HTTP/1.1\r\nHost: engine\r\n"
               f"Accept: text/event-stream\r\nAuthorization: {BASIC}\r\n\r\n").encode()
    gate = asyncio.Semaphore(200)
    subscribers: list[_Subscriber] = []
    started = time.monotonic()

    async def subscribe() -> None:
        async with gate:
            live: asyncio.Future[None] = loop.create_future()
            _, protocol = await loop.create_connection(lambda: _Subscriber(request, receipts, live),
                                                       "127.0.0.1", port)
            subscribers.append(protocol)
            await asyncio.wait_for(live, 120)

    done = 0
    for batch_start in range(0, count, 1000):
        await asyncio.gather(*(subscribe() for _ in range(min(1000, count - batch_start))))
        done = min(count, batch_start + 1000)
        print(f"PROGRESS {done}", flush=True)
    gc.collect()
    gc.freeze()
    print(f"READY {len(subscribers)} {time.monotonic() - started:.1f}", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    print(json.dumps({"receipts": receipts, "lost": sum(s.lost for s in subscribers)}), flush=True)


def subscribers_main(port: int, count: int, since: int) -> None:
    import uvloop

    raise_open_files_limit()
    uvloop.run(_subscribe_all(port, count, since))


# -- measures -------------------------------------------------------------------------------------
@dataclass
class PushMeasure:
    subscribers: int
    latencies_ms: list[float]
    expected: int
    rss_per_subscriber_kib: Optional[float]
    connect_seconds: float
    lost: int
    spreads_ms: list[float] = field(default_factory=list)
    """Per write, from the first subscriber's receipt to the last's."""


@dataclass
class PollMeasure:
    interval: float
    pollers: int
    staleness_ms: list[float] = field(default_factory=list)
    requests: int = 0
    not_modified: int = 0
    seconds: float = 0.0


def measure_push(count: int, writes: int, spacing: float) -> PushMeasure:
    server = Server()
    try:
        session = requests.Session()
        session.auth = AUTH
        vm = _vm(server)
        for number in range(3):  # warm up the write path and the feed
            _describe(session, server, vm["id"], -1 - number)
            requests.get(server.url + "/changes", auth=AUTH, headers=JSON, timeout=10)
        since = int(requests.get(server.url + "/changes", auth=AUTH, headers=JSON, timeout=10).json()["revision"])
        time.sleep(0.5)
        rss_before = server.rss_kib()
        client = subprocess.Popen([sys.executable, __file__, "--subscribers-process", str(server.port), str(count),
                                   str(since)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert client.stdout is not None and client.stdin is not None
        while True:
            line = client.stdout.readline()
            if not line:
                raise SystemExit("the subscribers' process ended early")
            if line.startswith("PROGRESS"):
                log(f"  sse {count}: {line.split()[1]}/{count} subscribers live")
            if line.startswith("READY"):
                connect_seconds = float(line.split()[2])
                break
        time.sleep(1.0)
        rss_after = server.rss_kib()
        log(f"  sse {count}: {writes} writes, {spacing:g}s apart")
        sent: dict[int, float] = {}
        for number in range(writes):
            sent[number] = time.time()
            _describe(session, server, vm["id"], number)
            time.sleep(spacing)
        time.sleep(1.0 + count / 5000)
        client.stdin.write("done\n")
        client.stdin.flush()
        report = json.loads(client.stdout.readline())
        client.wait(timeout=60)
        revision_of = _revisions_of_writes(server, since, vm["href"])
        receipts = {int(revision): times for revision, times in report["receipts"].items()}
        latencies = [(received - sent[number]) * 1000 for number, revision in revision_of.items()
                     for received in receipts.get(revision, [])]
        per_subscriber = (rss_after - rss_before) / count if count >= 100 else None
        spreads = [(max(receipts[revision]) - min(receipts[revision])) * 1000
                   for revision in revision_of.values() if receipts.get(revision)]
        return PushMeasure(count, latencies, count * len(revision_of), per_subscriber, connect_seconds,
                           report["lost"], spreads)
    finally:
        server.stop()


def _poller(server: Server, vm_id: str, interval: float, stop: threading.Event,
            seen: list[tuple[float, int]], counts: list[int]) -> None:
    session = requests.Session()
    session.auth = AUTH
    etag: Optional[str] = None
    stop.wait(random.uniform(0, interval))
    while not stop.is_set():
        headers = {**JSON, **({"If-None-Match": etag} if etag else {})}
        answer = session.get(f"{server.url}/vms/{vm_id}", headers=headers, timeout=30)
        now = time.time()
        counts[0] += 1
        if answer.status_code == 304:
            counts[1] += 1
        else:
            etag = answer.headers.get("ETag")
            description = answer.json().get("description", "")
            if description.startswith("bench "):
                seen.append((now, int(description.split()[1])))
        stop.wait(interval)


def measure_polling(intervals: tuple[float, ...], pollers: int, seconds: float) -> list[PollMeasure]:
    server = Server()
    try:
        session = requests.Session()
        session.auth = AUTH
        vm = _vm(server)
        stop = threading.Event()
        groups = []
        for interval in intervals:
            measure = PollMeasure(interval, pollers)
            views: list[list[tuple[float, int]]] = [[] for _ in range(pollers)]
            counts = [[0, 0] for _ in range(pollers)]
            threads = [threading.Thread(target=_poller, args=(server, vm["id"], interval, stop, views[i], counts[i]),
                                        daemon=True) for i in range(pollers)]
            groups.append((measure, views, counts, threads))
        for _, _, _, threads in groups:
            for thread in threads:
                thread.start()
        time.sleep(max(intervals))
        sent: dict[int, float] = {}
        started = time.monotonic()
        number = 0
        log(f"  polling: one write a second for {seconds:g}s, {pollers} pollers per interval")
        while time.monotonic() - started < seconds:
            sent[number] = time.time()
            _describe(session, server, vm["id"], number)
            number += 1
            time.sleep(1.0)
        time.sleep(max(intervals) + 1)
        stop.set()
        elapsed = time.monotonic() - started
        for measure, views, counts, threads in groups:
            for thread in threads:
                thread.join(timeout=30)
            measure.seconds = elapsed
            measure.requests = sum(c[0] for c in counts)
            measure.not_modified = sum(c[1] for c in counts)
            for view in views:
                for write, at in sent.items():
                    first = next((when for when, latest in view if latest >= write and when >= at), None)
                    if first is not None:
                        measure.staleness_ms.append((first - at) * 1000)
        return [group[0] for group in groups]
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", default="1,100,1000,10000")
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--pollers", type=int, default=30)
    parser.add_argument("--poll-seconds", type=float, default=30)
    parser.add_argument("--subscribers-process", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.subscribers_process:
        subscribers_main(*args.subscribers_process)
        return 0
    limit = raise_open_files_limit()
    counts = [int(part) for part in args.subscribers.split(",")]
    if max(counts) + 100 > limit:
        raise SystemExit(f"the open-files limit ({limit}) is too low for {max(counts)} subscribers")
    push: list[PushMeasure] = []
    for count in counts:
        log(f"sse: {count} subscribers")
        push.append(measure_push(count, args.writes if count < 10000 else max(10, args.writes * 2 // 3),
                                 0.3 if count < 10000 else 1.0))
    log("polling")
    polling = measure_polling((3.0, 5.0), args.pollers, args.poll_seconds)

    print(f"\npush against polling, engine-emu serve on SQLite (1 process), {os.cpu_count()} cores")
    print(f"{'client':<16}{'clients':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'received':>12}"
          f"{'KiB/idle sub':>14}{'requests':>10}{'req/client/min':>16}")
    for measure in push:
        received = f"{len(measure.latencies_ms)}/{measure.expected}"
        memory = f"{measure.rss_per_subscriber_kib:.1f}" if measure.rss_per_subscriber_kib is not None else "-"
        print(f"{'sse':<16}{measure.subscribers:>8}{percentile(measure.latencies_ms, 0.5):>9.1f}"
              f"{percentile(measure.latencies_ms, 0.99):>9.1f}{max(measure.latencies_ms, default=float('nan')):>9.1f}"
              f"{received:>12}{memory:>14}{measure.subscribers:>10}{'-':>16}")
    for measure in polling:
        per_minute = measure.requests / measure.pollers / (measure.seconds / 60)
        print(f"{'poll ' + format(measure.interval, 'g') + ' s':<16}{measure.pollers:>8}"
              f"{percentile(measure.staleness_ms, 0.5):>9.1f}{percentile(measure.staleness_ms, 0.99):>9.1f}"
              f"{max(measure.staleness_ms, default=float('nan')):>9.1f}{len(measure.staleness_ms):>12}"
              f"{'-':>14}{measure.requests:>10}{per_minute:>16.1f}")
    for measure in polling:
        print(f"poll {measure.interval:g} s: {measure.not_modified}/{measure.requests} polls answered 304 Not Modified")
    for poll in polling:
        for sse in push:
            print(f"poll {poll.interval:g} s against sse {sse.subscribers}: staleness / latency "
                  f"p50 {percentile(poll.staleness_ms, 0.5) / percentile(sse.latencies_ms, 0.5):.0f}x, "
                  f"p99 {percentile(poll.staleness_ms, 0.99) / percentile(sse.latencies_ms, 0.99):.0f}x")
    print("sse latency: from sending the write to the subscriber's receipt of its change event; "
          "poll latency: from sending the write to a poller's first answer showing it (staleness)")
    for measure in push:
        print(f"sse {measure.subscribers}: all live in {measure.connect_seconds:.1f}s, "
              f"{measure.lost} connections lost, first to last receipt of a write: "
              f"p50 {percentile(measure.spreads_ms, 0.5):.1f} ms, max {max(measure.spreads_ms, default=0):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
