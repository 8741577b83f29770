"""The official SDK's own examples, run against the demo scenario, each on a fresh engine.

The examples ship in the sdist of ovirt-engine-sdk-python (the pinned version), not in the wheel:
the session downloads it once with pip and caches it. Each example runs as its author wrote it, in a
subprocess with a timeout, in a directory of its own (with the examples' ``helpers/`` beside it and
a ``~/.config/ovirt.conf`` for those that read one). Only what must differ is rewritten, by the
tables below: the engine's URL, credentials and CA (``CONNECTION``), the names the examples expect
where the demo names them differently (``DEMO_NAMES``, ``Example.names``), and a handful of literal
rewrites, each with its reason (``Example.text``). Where an example expects something another
example makes (a tag, a template, a second storage domain), that example runs first on the same
engine (``Example.before``).

``NEEDS_OUTSIDE`` lists the examples that need an image-transfer daemon, OVA files on a host or an
external system: they are reported, not run. What an example expects that no example makes (more
versions of a template) is made through the API first, by ``SETUPS``. ``KNOWN_FAILURES`` names, for every other example
that fails today, the concrete gap it fails on; they are strict xfails, so one that starts to pass
fails the suite until it is taken off the table. The session ends with a summary (see
``tests/integration/conftest.py``): the pass count and every failure with the first line of its
error.

Deselect locally with ``-m "not sdk_examples"``; CI runs it.
"""
from __future__ import annotations

import fcntl
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

SDK_DISTRIBUTION = "ovirt-engine-sdk-python"
SDK_VERSION = importlib.metadata.version(SDK_DISTRIBUTION)
TIMEOUT = 60.0
STDERR_TAIL = 25

pytestmark = [
    pytest.mark.sdk_examples,
    pytest.mark.scenario("demo"),
]

# --- what the examples cannot have here -----------------------------------------------------------

IMAGEIO = "needs an image-transfer daemon (ovirt-imageio) to move the disk's bytes"
NEEDS_OUTSIDE: dict[str, str] = {
    "backup_vm.py": IMAGEIO + " (downloads the backup's disks; also a libvirt with incremental backup)",
    "cancel_transfer.py": "needs a paused image transfer on an image-transfer daemon (ovirt-imageio) to cancel",
    "checksum_disk.py": IMAGEIO + " (asks the daemon's /checksum endpoint)",
    "checksum_image.py": "needs the ovirt-imageio client and a local disk image; talks to no engine",
    "download_disk.py": IMAGEIO,
    "download_disk_snapshot.py": IMAGEIO,
    "image_transfer.py": IMAGEIO + " (reads from it until interrupted)",
    "upload_disk.py": IMAGEIO + " (and qemu-img and an image file to upload)",
    "upload_from_ova.py": "needs an OVA file and an image-transfer daemon (ovirt-imageio) to upload its disk to",
    "upload_ova_as_vm_or_template.py": "needs an OVA file and an image-transfer daemon (ovirt-imageio)",
    "import_vm_from_vmware.py": "needs a VMware vCenter (vpx://) to import from",
    "import_vm_from_ova.py": "needs an OVA file on a host (ova:///myvms/my.ova) to import",
    "import_template_from_ova.py": "needs an OVA file on a host (ova:///mytemplates/my.ova) to import",
    "export_vm_as_ova.py": "writes an OVA file into a directory of a real host",
    "export_template_as_ova.py": "writes an OVA file into a directory of a real host",
    "import_glance_image.py": "needs an OpenStack Glance repository (ovirt-image-repository) with images",
    "list_glance_images.py": "needs an OpenStack Glance repository (ovirt-image-repository) to list",
}

# --- how each example is run ----------------------------------------------------------------------

# Inside every ``sdk.Connection(...)``/``sdk.ConnectionBuilder(...)`` call: the engine the examples
# were written for becomes the live engine. It serves plain HTTP, so there is no CA to trust.
CONNECTION: tuple[tuple[str, str], ...] = (
    (r"url='https://[^']*/ovirt-engine/api'", "url='{url}'"),
    (r"username='[^']*'", "username='{username}'"),
    (r"(?<![\w])password='[^']*'", "password='{password}'"),
    (r"ca_file='[^']*'", "insecure=True"),
)

# Names the examples expect that the demo scenario names differently (whole words, in every example
# unless it lists the name in ``keep`` because it creates that entity itself).
DEMO_NAMES: dict[str, str] = {
    "mycluster": "Default",   # the demo's cluster (in data center Default)
    "mydc": "Default",        # the demo's data center
    "myvm0": "myvm",          # the demo's down VM with one disk and one NIC
}


@dataclass(frozen=True)
class Example:
    """What an example needs besides the connection rewrite."""

    names: dict[str, str] = field(default_factory=dict)  # whole-word renames on top of DEMO_NAMES
    keep: tuple[str, ...] = ()                           # DEMO_NAMES this example must not rename
    text: dict[str, str] = field(default_factory=dict)   # literal rewrites, each for a stated reason
    args: tuple[str, ...] = ()                           # command line ({vms:NAME}, {disks:NAME}, {url})
    before: tuple[str, ...] = ()                         # examples run first, to make what this one expects
    setup: tuple[str, ...] = ()                          # then SETUPS, for what no example makes
    stdin: str = ""
    keeps_running: float = 0.0                           # a poller: passes when still running after this


UP_VM = "demo-01"  # the first demo VM, up on a host
NEW = {"myvm": "myvm2"}  # the demo already has a VM named myvm: an example that adds one adds myvm2
# Password prompts (getpass) read standard input when there is no terminal.
PASSWORD_ON_STDIN = "{password}\n"

EXAMPLES: dict[str, Example] = {
    "add_affinity_label.py": Example(),
    "add_bond.py": Example(),
    "add_cluster.py": Example(keep=("mycluster",)),
    "add_data_center.py": Example(keep=("mydc",)),
    "add_disks.py": Example(args=("--sd-name", "mydata", "--count", "3")),
    "add_fence_agent.py": Example(),
    "add_floating_disk.py": Example(),
    "add_group.py": Example(),
    "add_host.py": Example(names={"myhost": "myhost2"}),  # the demo has a host myhost
    "add_independet_vm.py": Example(before=("add_template.py",)),
    "add_instance_type.py": Example(),
    "add_iscsi_data_storage_domain.py": Example(names={"mydata": "myiscsi"}),  # the demo has mydata
    "add_logical_network.py": Example(keep=("mydc",), before=("add_data_center.py",)),  # Default has mynetwork
    "add_lun_disk_to_vm.py": Example(),
    "add_mac_pool.py": Example(),
    "add_nfs_data_storage_domain.py": Example(names={"mydata": "mynfs"}),  # the demo has mydata
    "add_nfs_iso_storage_domain.py": Example(),
    "add_openstack_image_provider.py": Example(),  # only records the provider; never contacts it
    "add_role.py": Example(),
    "add_tag.py": Example(),
    "add_template.py": Example(),
    "add_user_ssh_public_key.py": Example(names={"myuser": "admin"}),  # the demo's only user
    "add_vm.py": Example(names=NEW),
    "add_vm_disk.py": Example(),
    "add_vm_from_template_version.py": Example(names=NEW, before=("add_template.py",),
                                               setup=("two more versions of mytemplate",)),
    "add_vm_nic.py": Example(),
    "add_vm_pool.py": Example(before=("add_template.py",)),
    "add_vm_snapshot.py": Example(),
    "add_vm_with_sysprep.py": Example(names=NEW, before=("add_template.py",)),
    "add_vnc_console.py": Example(),
    "assign_affinity_label_to_vm.py": Example(before=("add_affinity_label.py",)),
    # The demo's clusters carry mynetwork already: assign it to a new cluster, as made by add_cluster.py.
    "assign_network_to_cluster.py": Example(keep=("mycluster",), before=("add_cluster.py",)),
    "assign_permission.py": Example(names={"myuser@mydomain-authz": "admin@internal-authz"}),
    "assign_permission_to_vms.py": Example(names={"myvm1": "demo-01", "myvm2": "demo-02", "myvm3": "demo-03",
                                                  "user2@internal-authz": "admin@internal-authz"}),
    "assign_tag_to_vm.py": Example(before=("add_tag.py",)),
    "asynchronous_inventory.py": Example(),
    "attach_nfs_data_storage_domain.py": Example(names={"mydata": "mynfs"},
                                                 before=("add_nfs_data_storage_domain.py",)),
    "attach_nfs_iso_storage_domain.py": Example(before=("add_nfs_iso_storage_domain.py",)),
    "change_host_cluster.py": Example(names={"mycluster": "cluster2"}),  # the demo's other cluster
    "change_master.py": Example(args=("Default", "mynfs"),
                                before=("add_nfs_data_storage_domain.py", "attach_nfs_data_storage_domain.py")),
    "change_vm_cd.py": Example(args=(UP_VM, "--disk-id", "my.iso")),  # current=true: a running VM
    "checkpoints.py": Example(args=("list", "{vms:myvm}")),
    "clone_vm_from_snapshot.py": Example(names={"mysnap": "My snapshot"}, before=("add_vm_snapshot.py",)),
    "connection_builder.py": Example(),
    # It deactivates the data center's domains back to back; the engine refuses to deactivate the
    # master while another domain is still preparing for maintenance, so each is waited for.
    "data_center_maintenance.py": Example(text={
        "    sd_service.deactivate()\n": "    sd_service.deactivate()\n"
                                         "    while sd_service.get().status == types.StorageDomainStatus"
                                         ".PREPARING_FOR_MAINTENANCE:\n        time.sleep(0.2)\n"}),
    "deactivate_disk_attachment.py": Example(names={"mydisk": "myvm_Disk1"}),  # myvm's disk in the demo
    "delete_disks.py": Example(args=("--sd-name", "mydata"), before=("add_disks.py",)),
    "disable_compression.py": Example(),
    "download_vm_ovf.py": Example(),  # reads the OVF from the API; no image transfer
    "enable_serial_console.py": Example(),
    "export_template.py": Example(before=("add_template.py",)),
    "export_vm.py": Example(),
    "extend_disk.py": Example(names={"bs-scsi-012": "mydata"}),  # the demo's data domain
    # ``dict.iteritems()`` is a Python 2 leftover of the example: on Python 3 it must read ``items()``.
    "fix_dup_nic_macs.py": Example(text={"mac_vms.iteritems()": "mac_vms.items()"}, args=("--url", "{url}"),
                                   stdin=PASSWORD_ON_STDIN),
    "follow_vm_links.py": Example(),
    # The demo's VMs have VNC consoles, not SPICE; a display ticket is for a running VM.
    "get_display_ticket.py": Example(names={"myvm": UP_VM}, text={"GraphicsType.SPICE": "GraphicsType.VNC"}),
    "get_vm_ip.py": Example(names={"myvm": UP_VM}),  # a running VM reports devices
    "import_vm.py": Example(),
    "list_affinity_labels.py": Example(before=("add_affinity_label.py", "assign_affinity_label_to_vm.py")),
    "list_cluster_networks.py": Example(),
    "list_disk_snapshots.py": Example(args=("{disks:myvm_Disk1}",)),
    "list_host_statistics.py": Example(),
    "list_roles.py": Example(),
    "list_storage_domains.py": Example(),
    "list_tags.py": Example(before=("add_tag.py",)),
    "list_tags_of_vm.py": Example(before=("add_tag.py", "assign_tag_to_vm.py")),
    "list_vm_disks.py": Example(),
    "list_vm_snapshots.py": Example(),
    "list_vms.py": Example(),
    "page_vms.py": Example(),
    "pin_vm.py": Example(),
    "poll_events.py": Example(keeps_running=12.0),  # polls forever, every 5 s
    "print_vm_mac_duplicates.py": Example(),
    "reduce_disk.py": Example(args=("{disks:myvm_Disk1}",)),
    "register_vm.py": Example(),
    # The engine removes only a host in maintenance, and a host that runs VMs gets there only once they have
    # migrated away; every demo host runs VMs, so it removes a new host, as made by add_host.py.
    "remove_host.py": Example(names={"myhost": "myhost2"}, before=("add_host.py",)),
    "remove_numa_nodes_from_vm.py": Example(),
    "remove_tag.py": Example(before=("add_tag.py",)),
    "remove_vm.py": Example(),
    # The example's VM is called ``vm``; without one it prints "VM doesn't exist" and exits 0. It wants
    # a VM on a template, not on the latest version: the VM add_independet_vm.py makes from mytemplate.
    "reprovision_stateless_vm_in_pool.py": Example(text={"vm_name = 'vm'": "vm_name = 'myclonedvm'"},
                                                   before=("add_template.py", "add_independet_vm.py")),
    "search_vms.py": Example(),
    "set_vm_lease_storage_domain.py": Example(),
    "set_vm_serial_number.py": Example(),
    "show_summary.py": Example(),
    "sparsify_disk.py": Example(names={"mydisk": "myvm_Disk1"}),
    "start_vm.py": Example(),
    "start_vm_with_boot_devices.py": Example(),
    "start_vm_with_cloud_init.py": Example(),
    "stop_vm.py": Example(names={"myvm": UP_VM}),  # myvm is down in the demo
    "test_connection.py": Example(),
    "unassign_tag_to_vm.py": Example(before=("add_tag.py", "assign_tag_to_vm.py")),
    "update_data_center.py": Example(),
    "update_fencing_options.py": Example(before=("add_fence_agent.py",)),
    "update_quota_limits.py": Example(),
    "upgrade_host.py": Example(),
    # The agent VM is any running VM; writing ``str.encode()`` to a text file is a Python 2 leftover.
    "vm_backup.py": Example(names={"myagent": UP_VM},
                            text={"API_URL = 'https://engine40.example.com/ovirt-engine/api'": "API_URL = '{url}'",
                                  "API_PASSWORD = 'redhat123'": "API_PASSWORD = '{password}'",
                                  "ca_file=API_CA_FILE": "insecure=True",
                                  "ovs_fd.write(ovf_data.encode('utf-8'))": "ovs_fd.write(ovf_data)"}),
}

# --- the gaps: every example that fails today, with what it fails on --------------------------------

# Each reason starts with its kind: a route the engine does not serve, an attribute or link it does
# not render, a behaviour it lacks, or something the demo scenario does not have.
KNOWN_FAILURES: dict[str, str] = {
}


# What an example expects that no example makes, made through the API as a client would.
def _template_versions(engine: Any) -> None:
    """Versions 2 and 3 of mytemplate (add_template.py makes version 1), from myvm."""
    session = requests.Session()
    session.auth, session.headers["Accept"] = (engine.username, engine.password), "application/json"

    def one(collection: str, name: str) -> dict[str, Any]:
        answer = session.get(f"{engine.url}/{collection}", params={"search": f"name={name}"}, timeout=30)
        answer.raise_for_status()
        return next(iter(answer.json().values()))[0]

    base, vm = one("templates", "mytemplate"), one("vms", "myvm")
    for _ in range(2):
        added = session.post(f"{engine.url}/templates", json={
            "vm": {"id": vm["id"]}, "version": {"base_template": {"id": base["id"]}}}, timeout=30)
        added.raise_for_status()
        href = f"{engine.url}/templates/{added.json()['id']}"
        deadline = time.monotonic() + TIMEOUT
        while session.get(href, timeout=30).json()["status"] != "ok":
            assert time.monotonic() < deadline, "the template version never got ready"
            time.sleep(0.5)


SETUPS = {"two more versions of mytemplate": _template_versions}


# --- fixtures -------------------------------------------------------------------------------------

def _cache_dir(config: pytest.Config) -> Path:
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("sdk-examples"))
    path = Path(tempfile.gettempdir()) / "engine-emu-sdk-examples"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def sdk_examples(pytestconfig: pytest.Config) -> Path:
    """The ``examples/`` directory of the pinned SDK's sdist, downloaded once and cached."""
    cache = _cache_dir(pytestconfig)
    examples = cache / f"{SDK_DISTRIBUTION}-{SDK_VERSION}" / "examples"
    with open(cache / ".lock", "w") as lock:  # pytest-xdist's workers share the cache: one fetches it
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (examples / "helpers" / "common.py").is_file():
            _fetch_examples(cache, examples)
    return examples


def _fetch_examples(cache: Path, examples: Path) -> None:
    """Download the sdist (unless cached) and extract its ``examples/``."""
    archives = sorted(cache.glob(f"ovirt_engine_sdk_python-{SDK_VERSION}.tar.gz"))
    if not archives:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps",
                        f"{SDK_DISTRIBUTION}=={SDK_VERSION}", "-d", str(cache)], check=True, timeout=600)
        archives = sorted(cache.glob(f"ovirt_engine_sdk_python-{SDK_VERSION}.tar.gz"))
    scratch = Path(tempfile.mkdtemp(dir=cache))
    with tarfile.open(archives[0]) as archive:
        members = [m for m in archive.getmembers() if "/examples/" in m.name and (m.isfile() or m.isdir())]
        archive.extractall(scratch, members=members, filter="data")
    extracted = next(scratch.glob("*/examples"))
    shutil.rmtree(examples, ignore_errors=True)
    examples.parent.mkdir(parents=True, exist_ok=True)
    extracted.rename(examples)
    shutil.rmtree(scratch, ignore_errors=True)


# --- running one example --------------------------------------------------------------------------

@dataclass
class Outcome:
    returncode: int | None
    stdout: str
    stderr: str
    error: str = ""  # the first line of the error, for the summary

    @property
    def ok(self) -> bool:
        return not self.error


def _connection_calls(source: str) -> Iterator[tuple[int, int]]:
    """The spans of the ``Connection(...)``/``ConnectionBuilder(...)`` calls' arguments."""
    for match in re.finditer(r"\bConnection(?:Builder)?\(", source):
        depth, index = 1, match.end()
        while depth and index < len(source):
            depth += {"(": 1, ")": -1}.get(source[index], 0)
            index += 1
        yield match.end(), index


def rewrite(name: str, source: str, values: dict[str, str]) -> str:
    """The example with only what must differ rewritten; fails when the table no longer fits it."""
    spec = EXAMPLES[name]
    for old, new in spec.text.items():
        assert old in source, f"{name}: the text to rewrite {old!r} is not in the example"
        source = source.replace(old, new.format(**values))
    pieces, last = [], 0
    for start, end in _connection_calls(source):
        arguments = source[start:end]
        for pattern, replacement in CONNECTION:
            arguments = re.sub(pattern, replacement.format(**values), arguments)
        pieces += [source[last:start], arguments]
        last = end
    source = "".join(pieces) + source[last:]
    names = {k: v for k, v in DEMO_NAMES.items() if k not in spec.keep} | spec.names
    for old, new in names.items():
        pattern = rf"(?<![\w-]){re.escape(old)}(?![\w-])"
        if old in spec.names:
            assert re.search(pattern, source), f"{name}: the name {old!r} is not in the example"
        source = re.sub(pattern, new, source)
    return source


def _resolve(argument: str, engine: Any) -> str:
    """``{vms:myvm}`` → the id of the VM named myvm (likewise any collection); ``{url}`` → the engine's."""
    def lookup(match: re.Match[str]) -> str:
        collection, entity = match.group(1), match.group(2)
        answer = requests.get(f"{engine.url}/{collection}", params={"search": f"name={entity}"},
                              auth=(engine.username, engine.password), headers={"Accept": "application/json"},
                              timeout=30)
        answer.raise_for_status()
        items = next(iter(answer.json().values()), [])
        assert items, f"no {collection} named {entity} in the demo"
        return items[0]["id"]

    argument = re.sub(r"\{(\w+):([^}]+)\}", lookup, argument)
    return argument.replace("{url}", engine.url)


def _error_line(stderr: str) -> str:
    """The exception a traceback ends with (or the last line written to stderr)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    unindented = [line for line in lines if not line[0].isspace()]
    line = (unindented or lines or [""])[-1]
    return line[:300]


class Workspace:
    """A directory for one test's examples: their helpers, a config for those that read one."""

    def __init__(self, root: Path, examples: Path, engine: Any) -> None:
        self.root, self.examples, self.engine = root, examples, engine
        shutil.copytree(examples / "helpers", root / "helpers")
        # The engine serves plain HTTP: the CA file the helpers insist on exists but is never read.
        (root / "ca.pem").write_text("")
        base = engine.url.removesuffix("/ovirt-engine/api")
        config = root / ".config" / "ovirt.conf"
        config.parent.mkdir()
        config.write_text(f"[engine]\nengine_url = {base}\nusername = {engine.username}\n"
                          f"password = {engine.password}\ncafile = {root / 'ca.pem'}\n")
        self.values = {"url": engine.url, "username": engine.username, "password": engine.password}

    def run(self, name: str) -> Outcome:
        spec = EXAMPLES[name]
        source = (self.examples / name).read_text()
        script = self.root / name
        script.write_text(rewrite(name, source, self.values))
        args = [_resolve(a, self.engine) for a in spec.args]
        if "from helpers import common" in source:
            args = ["-c", "engine", *args]
        env = {**os.environ, "HOME": str(self.root), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
        command = [sys.executable, str(script), *args]
        stdin = spec.stdin.format(**self.values)
        if spec.keeps_running:
            return self._run_poller(command, env, stdin, spec.keeps_running)
        try:
            done = subprocess.run(command, check=False, cwd=self.root, env=env, input=stdin, capture_output=True,
                                  text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired as expired:
            out, err = (_text(expired.stdout), _text(expired.stderr))
            last = _error_line(err) or (out.strip().splitlines() or [""])[-1]
            error = f"timed out after {TIMEOUT:.0f} s" + (f"; last output: {last}" if last else "")
            return Outcome(None, out, err, error)
        error = "" if done.returncode == 0 else (_error_line(done.stderr) or f"exit code {done.returncode}")
        return Outcome(done.returncode, done.stdout, done.stderr, error)

    def _run_poller(self, command: list[str], env: dict[str, str], stdin: str, seconds: float) -> Outcome:
        process = subprocess.Popen(command, cwd=self.root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            out, err = process.communicate(stdin, timeout=seconds)
        except subprocess.TimeoutExpired:
            process.terminate()
            out, err = process.communicate(timeout=TIMEOUT)
            error = _error_line(err) if "Traceback" in err else ""
            return Outcome(None, out, err, error)
        return Outcome(process.returncode, out, err,
                       f"stopped polling (exit code {process.returncode}): {_error_line(err)}")


def _text(data: Any) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def _params() -> list[Any]:
    params = []
    for name in sorted(set(EXAMPLES) | set(NEEDS_OUTSIDE)):
        marks = []
        if name in NEEDS_OUTSIDE:
            marks.append(pytest.mark.skip(reason=NEEDS_OUTSIDE[name]))
        elif name in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[name]))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


# --- the tests ------------------------------------------------------------------------------------

def test_the_tables_cover_every_example(sdk_examples: Path) -> None:
    shipped = {p.name for p in sdk_examples.glob("*.py")}
    listed = set(EXAMPLES) | set(NEEDS_OUTSIDE)
    assert not set(EXAMPLES) & set(NEEDS_OUTSIDE)
    assert shipped == listed, f"not listed: {sorted(shipped - listed)}; not shipped: {sorted(listed - shipped)}"
    assert set(KNOWN_FAILURES) <= set(EXAMPLES)
    assert all(b in EXAMPLES for spec in EXAMPLES.values() for b in spec.before)
    assert all(s in SETUPS for spec in EXAMPLES.values() for s in spec.setup)


# SQLite only: the shared live engine's SQLite instance, whatever ENGINE_EMU_TEST_BACKENDS says.
@pytest.mark.parametrize("live_engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize("example", _params())
def test_example(example: str, engine: Any, sdk_examples: Path, tmp_path: Path,
                 record_property: Any, request: pytest.FixtureRequest) -> None:
    """The example exits 0 against the demo scenario on a fresh engine (after the examples it needs)."""
    record_property("sdk_example", example)
    workspace = Workspace(tmp_path, sdk_examples, engine)
    for before in EXAMPLES[example].before:
        outcome = workspace.run(before)
        if not outcome.ok:
            record_property("sdk_example_error", f"{before} (run first) failed: {outcome.error}")
            pytest.fail(f"{before}, run first to make what {example} expects, failed:\n"
                        f"{_tail(outcome.stderr or outcome.stdout)}", pytrace=False)
    for setup in EXAMPLES[example].setup:
        SETUPS[setup](engine)
    outcome = workspace.run(example)
    if not outcome.ok:
        record_property("sdk_example_error", outcome.error)
        pytest.fail(f"{example} failed: {outcome.error}\n--- stderr (tail) ---\n{_tail(outcome.stderr)}"
                    f"\n--- stdout (tail) ---\n{_tail(outcome.stdout)}", pytrace=False)


def _tail(text: str) -> str:
    return "\n".join(text.splitlines()[-STDERR_TAIL:])
