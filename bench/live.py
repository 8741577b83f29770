"""Live queries against polling: change-to-patch latency for many live queries, and the CPU both cost.

In one run, against ``engine-emu serve`` (SQLite, one process, seeded with ``scale:100``):

* ``live``: ``--sockets`` WebSockets (default 100) each subscribe to the same ``--queries``
  distinct queries (default 100: ``/vms/{id}`` of as many VMs, or with ``--shape searches``
  ``/vms?search=name=…``, a collection query per VM that every VM change makes the engine
  evaluate again), so 10,000 live queries over 100 distinct ones. Then ``--writes`` VMs (one at a time, ``--rate`` a second) get a new
  description; each subscriber's receipt of the patch is timed from the moment the write was sent.
* ``poll 1 s``: the polling baseline at Hasura's interval on the same data, multiplexed as Hasura
  multiplexes: one poller per distinct query fetches it once a second (with ``If-None-Match``);
  a write's latency is the time from the write until its query's poller first sees it. Every
  subscriber of that query would see it then.

Each phase reports the latency p50/p99/max over every (subscriber, write) pair, and the CPU the
server process used (seconds of CPU per second of the phase). It asserts nothing about time.

    python3 bench/live.py [--sockets 100] [--queries 100] [--writes 100] [--rate 10] [--shape entities|searches]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import AUTH, BASIC, Served, log  # noqa: E402

JSON = {"Accept": "application/json", "Content-Type": "application/json"}
TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Server(Served):
    """``engine-emu serve`` on a free port over an SQLite file of its own, seeded with ``scale:N``."""

    def __init__(self, vms: int) -> None:
        self.state = tempfile.TemporaryDirectory(prefix="engine-emu-bench-live-")
        super().__init__("engine-emu serve",
                         [sys.executable, "-m", "engine_api.cli", "serve", "--port", "{port}", "--state-dir",
                          self.state.name, "--seed", f"scale:{vms}", "--idle-timeout", "120"],
                         "/ovirt-engine/api", env={"PYTHONUNBUFFERED": "1"})
        self.url = self.base + "/ovirt-engine/api"

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def stop(self) -> None:
        super().stop()
        self.state.cleanup()


def _writes(server: Server, ids: list[str], count: int, rate: float, sent: dict[str, float],
            done: threading.Event) -> None:
    """Give ``count`` VMs in turn a new description, ``rate`` a second; ``sent[description]`` is when."""
    session = requests.Session()
    session.auth = AUTH
    for number in range(count):
        vm_id = ids[number % len(ids)]
        description = f"bench {number}"
        sent[description] = time.monotonic()
        session.put(f"{server.url}/vms/{vm_id}", json={"description": description}, headers=JSON,
                    timeout=30).raise_for_status()
        time.sleep(max(0.0, 1 / rate - (time.monotonic() - sent[description])))
    done.set()


def _uri(vm: dict[str, str], shape: str) -> str:
    return f"/vms/{vm['id']}" if shape == "entities" else f"/vms?search=name%3D{vm['name']}"


def _description(answer: dict, shape: str) -> object:
    """The VM's description in the answer to its query."""
    found = answer if shape == "entities" else (answer.get("vm") or [{}])[0]
    return found.get("description")


async def _live(server: Server, vms: list[dict[str, str]], sockets: int, writes: int, rate: float,
                shape: str) -> tuple[list[float], float]:
    ids = [vm["id"] for vm in vms]
    uris = [_uri(vm, shape) for vm in vms]
    received: list[float] = []
    sent: dict[str, float] = {}
    url = server.base.replace("http", "ws", 1) + "/ovirt-engine/api/ws"
    connections = [await connect(url, additional_headers={"Authorization": BASIC}, max_size=None)
                   for _ in range(sockets)]
    log(f"live: {sockets} sockets × {len(uris)} queries = {sockets * len(uris)} live queries")
    for ws in connections:
        for index, uri in enumerate(uris):
            await ws.send(json.dumps({"op": "subscribe", "id": f"q{index}", "uri": uri}))
    for ws in connections:
        results = 0
        while results < len(uris):
            if json.loads(await ws.recv())["type"] == "result":
                results += 1
    log("live: every subscription has its result; writing")

    async def read(ws) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] != "patch":
                continue
            for op in message["patch"]:
                value = op.get("value")
                if op["path"].endswith("/description") and value in sent:
                    received.append(time.monotonic() - sent[value])

    readers = [asyncio.create_task(read(ws)) for ws in connections]
    done = threading.Event()
    cpu_before, started = server.cpu_seconds(), time.monotonic()
    writer = threading.Thread(target=_writes, args=(server, ids, writes, rate, sent, done))
    writer.start()
    while not done.is_set() or len(received) < writes * sockets:
        await asyncio.sleep(0.05)
        if done.is_set() and time.monotonic() - started > writes / rate + 30:
            break
    elapsed, cpu = time.monotonic() - started, server.cpu_seconds() - cpu_before
    writer.join()
    for task in readers:
        task.cancel()
    for ws in connections:
        await ws.close()
    log(f"live: {len(received)} patches received of {writes * sockets}")
    return received, cpu / elapsed


def _poll(server: Server, vms: list[dict[str, str]], writes: int, rate: float,
          shape: str) -> tuple[list[float], float, int]:
    """One poller per distinct query, once a second; the latency of each write to its poller."""
    sent: dict[str, float] = {}
    seen: list[float] = []
    done = threading.Event()
    requests_made = [0]

    ids = [vm["id"] for vm in vms]

    def poller(vm: dict[str, str], offset: float) -> None:
        session = requests.Session()
        session.auth = AUTH
        etag, known = None, None
        time.sleep(offset)
        while not done.is_set() or time.monotonic() - last_write[0] < 2:
            tick = time.monotonic()
            answer = session.get(server.url + _uri(vm, shape),
                                 headers={**JSON, **({"If-None-Match": etag} if etag else {})}, timeout=30)
            requests_made[0] += 1
            if answer.status_code == 200:
                etag = answer.headers.get("ETag")
                description = _description(answer.json(), shape)
                if description != known and description in sent:
                    seen.append(time.monotonic() - sent[description])
                known = description
            time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

    last_write = [time.monotonic() + 3600]
    pollers = [threading.Thread(target=poller, args=(vm, index / len(vms)), daemon=True)
               for index, vm in enumerate(vms)]
    for thread in pollers:
        thread.start()
    time.sleep(1.5)
    cpu_before, started = server.cpu_seconds(), time.monotonic()
    _writes(server, ids, writes, rate, sent, threading.Event())
    last_write[0] = time.monotonic()
    done.set()
    for thread in pollers:
        thread.join()
    elapsed = time.monotonic() - started
    return seen, (server.cpu_seconds() - cpu_before) / elapsed, requests_made[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sockets", type=int, default=100)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0, help="writes a second")
    parser.add_argument("--shape", choices=("entities", "searches"), default="entities",
                        help="entities: /vms/{id}; searches: /vms?search=name=… (default entities)")
    args = parser.parse_args()
    rows = []

    def listed(server: Server) -> list[dict[str, str]]:
        return [{"id": vm["id"], "name": vm["name"]} for vm in requests.get(
            server.url + "/vms", auth=AUTH, headers=JSON, params={"max": str(args.queries)}, timeout=60).json()["vm"]]

    print(f"shape: {args.shape} ({_uri({'id': '{id}', 'name': '{name}'}, args.shape)})")
    with Server(args.queries) as server:
        vms = listed(server)
        latencies, cpu = asyncio.run(_live(server, vms, args.sockets, args.writes, args.rate, args.shape))
        rows.append((f"live ({args.sockets * len(vms)} queries, {len(vms)} distinct)", latencies, cpu, "-"))
    with Server(args.queries) as server:
        vms = listed(server)
        log(f"poll: {len(vms)} pollers, once a second")
        latencies, cpu, made = _poll(server, vms, args.writes, args.rate, args.shape)
        rows.append((f"poll 1 s ({len(vms)} pollers, one per query)", latencies, cpu, str(made)))
    print(f"{'phase':<44} {'samples':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'CPU':>6} {'requests':>9}")
    for name, values, cpu, made in rows:
        print(f"{name:<44} {len(values):>8} {percentile(values, 0.5) * 1000:>8.1f} "
              f"{percentile(values, 0.99) * 1000:>8.1f} {max(values, default=float('nan')) * 1000:>8.1f} "
              f"{cpu:>6.2f} {made:>9}")
    live, poll = rows[0][1], rows[1][1]
    if live and poll:
        print(f"\nlive p99 / poll p99: {percentile(live, 0.99) / percentile(poll, 0.99):.3f}; "
              f"server CPU live / poll: {rows[0][2] / rows[1][2]:.2f}")


if __name__ == "__main__":
    main()
