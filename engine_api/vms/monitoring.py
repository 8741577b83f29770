"""Device monitoring: what the engine learns from the Domain XML its hosts report.

A cycle asks which running VMs report a devices hash other than the one it applied last (one
query), reads the Domain XML of those VMs only, pairs the reported devices with the VM device
table by the engine's rules (:func:`domainxml.match`) and writes what changed: addresses,
aliases and guest names of matched devices, unmanaged devices libvirt added (controllers,
channels…), managed devices the host no longer reports (unplugged, their address cleared, the
NIC or disk attachment with them) and unmanaged devices that went away.

Each VM is handled in a transaction of its own under its row lock, the lock hot-plug and
hot-unplug take too, and its Domain XML is read after that lock is held: a report that is older
than a hot-plug can never unplug the device that was just plugged.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

import domainxml as dx
from engine_api import models as m
from engine_api.db import Database
from engine_api.faults import BadRequest, NotFound, cannot
from engine_api.services.context import RequestContext
from engine_api.services.results import RawResult, WireResult
from engine_api.vms import libvirt_domains

log = logging.getLogger(__name__)

#: VMs a cycle reads at most; the rest wait for the next cycle.
CYCLE_LIMIT = 500


@dataclass
class Applied:
    """A match result and what it did to the database."""

    result: dx.MatchResult
    devices_hash: str
    added_ids: list[str] = field(default_factory=list)

    def wire(self) -> dict[str, Any]:
        """The ``<domain_match>`` document: oVirt's wire shape, lists wrapped in their plural."""
        data = self.result.to_dict()
        for entry, device_id in zip(data["added"], self.added_ids, strict=True):
            entry["id"] = device_id
        wrapped: dict[str, Any] = {"devices_hash": self.devices_hash}
        for key in ("matched", "added", "unplugged", "removed", "ignored", "kept"):
            entries = [_wire_entry(entry) for entry in data[key]]
            wrapped[key] = {"device": entries} if entries else None
        wrapped["warnings"] = {"warning": data["warnings"]} if data["warnings"] else None
        return wrapped


def _wire_entry(entry: dict[str, Any]) -> dict[str, Any]:
    out = dict(entry)
    if "changes" in out:
        out["changes"] = {"change": out["changes"]} if out["changes"] else None
    if "params" in out:
        out["params"] = {key: value for key, value in out["params"].items() if not isinstance(value, dict)} or None
    return out


# -- one VM ------------------------------------------------------------------------------------

def _known(row: m.VmDevice, macs: dict[str, str]) -> dx.KnownDevice:
    params: dict[str, Any] = {}
    spec = row.spec_params or {}
    if row.type == "controller":
        if spec.get("index") not in (None, ""):
            params["index"] = int(spec["index"])
        if spec.get("model"):
            params["model"] = spec["model"]
    return dx.KnownDevice(id=row.id, type=row.type, device=row.device, alias=row.alias, address=row.address or None,
                          managed=row.managed, plugged=row.plugged, logical_name=row.logical_name,
                          mac=macs.get(row.id), params=params)


@dataclass
class Pairing:
    """A VM's reported devices paired with its device rows, before anything is written."""

    result: dx.MatchResult
    row_of: dict[int, m.VmDevice]
    nics: dict[str, m.Nic]
    attachments: dict[str, m.DiskAttachment]


def pair(session: Session, vm: m.Vm, reported: dx.ReportedDomain, rows: Sequence[m.VmDevice]) -> Pairing:
    """Pair the devices a host reports with the VM's device ``rows`` by the engine's rules."""
    nics = {nic.id: nic for nic in session.scalars(select(m.Nic).where(m.Nic.vm_id == vm.id))}
    attachments = {attachment.disk_id: attachment for attachment in session.scalars(
        select(m.DiskAttachment).where(m.DiskAttachment.vm_id == vm.id))}
    macs = {nic_id: (nic.mac or "").lower() for nic_id, nic in nics.items()}
    known = [_known(row, macs) for row in rows]
    result = dx.match(reported.devices, known)
    return Pairing(result, {id(device): row for device, row in zip(known, rows, strict=True)}, nics, attachments)


def match_only(session: Session, vm: m.Vm, xml: str | bytes) -> dx.MatchResult:
    """What monitoring would do with ``xml`` as the VM's report, without doing it."""
    return pair(session, vm, dx.parse(xml), _rows(session, vm.id)).result


def apply_report(ctx: RequestContext, vm: m.Vm, reported: dx.ReportedDomain, devices_hash: str,
                 rows: Sequence[m.VmDevice]) -> Applied:
    """Pair the devices a host reports with the VM's device ``rows`` and write the outcome."""
    session = ctx.session
    pairing = pair(session, vm, reported, rows)
    result, row_of, nics, attachments = pairing.result, pairing.row_of, pairing.nics, pairing.attachments
    applied = Applied(result, devices_hash)

    for matched in result.matched:
        row = row_of[id(matched.known)]
        changes = matched.changes
        if not changes:
            continue
        row.plugged = True
        row.address = matched.address
        row.alias = matched.alias
        row.logical_name = matched.logical_name
        attachment = attachments.get(row.id) if row.type == "disk" else None
        if attachment is not None:
            attachment.logical_name = matched.logical_name
        if "plugged" in changes:
            _plugged_by_host(ctx, vm, row, nics.get(row.id), attachment, True)
    for device in result.added:
        added = m.VmDevice(id=m.new_id(), vm_id=vm.id, type=device.type, device=device.device, alias=device.alias,
                           address=dict(device.address) if device.address else None, managed=False, plugged=True,
                           logical_name=device.logical_name, spec_params=dict(device.params) or None)
        session.add(added)
        applied.added_ids.append(added.id)
    for device in result.unplugged:
        row = row_of[id(device)]
        row.plugged = False
        row.address = None
        _plugged_by_host(ctx, vm, row, nics.get(row.id), attachments.get(row.id), False)
    for device in result.removed:
        session.delete(row_of[id(device)])
    for ignored in result.ignored:
        log.debug("VM %s: reported %s %s ignored: %s", vm.name, ignored.reported.type, ignored.reported.device,
                    ignored.reason)
    for warning in result.warnings:
        log.warning("VM %s: %s", vm.name, warning)
    vm.devices_hash = devices_hash
    return applied


def _plugged_by_host(ctx: RequestContext, vm: m.Vm, row: m.VmDevice, nic: Optional[m.Nic],
                     attachment: Optional[m.DiskAttachment], plugged: bool) -> None:
    """A NIC or disk the host plugged or unplugged by itself: the entity follows, an event says so."""
    host = ctx.session.get(m.Host, vm.host_id) if vm.host_id else None
    by = f" (reported by Host {host.name})." if host is not None else " (reported by its host)."
    severity = "normal" if plugged else "warning"
    if nic is not None:
        nic.plugged = plugged
        libvirt_domains.nic_plug_event(ctx, vm, nic, plugged, by, severity)
    elif attachment is not None:
        attachment.active = plugged
        disk = ctx.session.get(m.Disk, attachment.disk_id)
        libvirt_domains.disk_plug_event(ctx, vm, disk.name if disk else row.id, plugged, by, severity)


def _lock(session: Session, vm_id: str) -> Optional[m.Vm]:
    return session.scalars(select(m.Vm).where(m.Vm.id == vm_id).with_for_update()
                           .execution_options(populate_existing=True)).first()


def _domain(session: Session, vm_id: str) -> Optional[m.VmDomain]:
    return session.scalars(select(m.VmDomain).where(m.VmDomain.vm_id == vm_id)
                           .execution_options(populate_existing=True)).first()


def _rows(session: Session, vm_id: str) -> list[m.VmDevice]:
    return list(session.scalars(select(m.VmDevice).where(m.VmDevice.vm_id == vm_id)
                                .order_by(m.VmDevice.type, m.VmDevice.id)
                                .execution_options(populate_existing=True)))


# -- the cycle ---------------------------------------------------------------------------------

def changed_vms(session: Session, limit: int = CYCLE_LIMIT) -> list[str]:
    """The VMs whose reported devices hash differs from the one monitoring applied last."""
    return list(session.scalars(
        select(m.VmDomain.vm_id).join(m.Vm, m.Vm.id == m.VmDomain.vm_id)
        .where(m.Vm.devices_hash.is_distinct_from(m.VmDomain.devices_hash))
        .order_by(m.VmDomain.reported_at, m.VmDomain.vm_id).limit(limit)
    ))


def run_cycle(db: Database, settings: Any, limit: int = CYCLE_LIMIT) -> list[str]:
    """One monitoring cycle; returns the ids of the VMs whose Domain XML it read.

    Each VM is monitored in a transaction of its own that holds the VM's lock from before the
    Domain XML is read until its outcome is written (on SQLite, the database's write lock), so
    a failure stays with its VM and no hot-plug can slip in between.
    """
    with db.transaction() as session:
        vm_ids = changed_vms(session, limit)
    read = []
    for vm_id in vm_ids:
        try:
            with db.transaction(immediate=True) as session:
                if monitor_vm(RequestContext(session=session, settings=settings), vm_id):
                    read.append(vm_id)
        except Exception as error:  # one VM's report must not stop the monitoring of the others
            if isinstance(error, dx.DomainXmlError):
                log.error("VM %s: the reported Domain XML cannot be read: %s", vm_id, error)
            else:
                log.exception("VM %s: applying the reported Domain XML failed", vm_id)
            with db.transaction(immediate=True) as session:
                _skip(session, vm_id)
            read.append(vm_id)
    return read


def monitor_vm(ctx: RequestContext, vm_id: str) -> bool:
    """Read and apply one VM's reported Domain XML if its hash changed; False when it had not."""
    session = ctx.session
    vm = _lock(session, vm_id)
    domain = _domain(session, vm_id)
    if vm is None or domain is None or vm.devices_hash == domain.devices_hash:
        return False
    apply_report(ctx, vm, dx.parse(domain.xml), domain.devices_hash, _rows(session, vm_id))
    return True


def _skip(session: Session, vm_id: str) -> None:
    """Take a report that cannot be applied as seen, so that it is not read again until it changes."""
    vm, domain = _lock(session, vm_id), _domain(session, vm_id)
    if vm is not None and domain is not None:
        vm.devices_hash = domain.devices_hash


# -- the API -----------------------------------------------------------------------------------

def _vm(ctx: RequestContext, vm_id: str) -> m.Vm:
    vm = ctx.session.get(m.Vm, vm_id)
    if vm is None:
        raise NotFound(f"Resource VM with id '{vm_id}' was not found")
    return vm


def domain_xml(ctx: RequestContext, vm_id: str) -> RawResult:
    """``GET /vms/{id}/domainxml``: the run-VM Domain XML of the VM as it is now."""
    return RawResult(libvirt_domains.run_xml(ctx.session, _vm(ctx, vm_id)).encode(), "application/xml")


def reported_domain_xml(ctx: RequestContext, vm_id: str) -> RawResult:
    """``GET /vms/{id}/reporteddomainxml``: the Domain XML the VM's host reports last."""
    reported = libvirt_domains.reported_xml(ctx.session, _vm(ctx, vm_id))
    if reported is None:
        raise cannot("get the reported Domain XML", "VM is not running")
    return RawResult(reported.encode(), "application/xml")


def report_domain_xml(ctx: RequestContext, vm_id: str, body: bytes) -> WireResult:
    """``PUT /vms/{id}/reporteddomainxml``: take a Domain XML as the host's report and monitor it now."""
    vm = _lock(ctx.session, vm_id)
    if vm is None:
        raise NotFound(f"Resource VM with id '{vm_id}' was not found")
    if vm.status not in libvirt_domains.DOMAIN_STATES or vm.host_id is None:
        raise cannot("accept a reported Domain XML", "VM is not running")
    try:
        root = dx.parse_xml(body, what="Domain XML")
        reported = dx.parse(root)
        devices_hash = dx.devices_hash(root)
    except dx.DomainXmlError as error:
        raise BadRequest(f"Invalid Domain XML: {error}") from None
    if reported.uuid and reported.uuid.lower() != vm.id.lower():
        raise BadRequest(f"The Domain XML describes domain {reported.uuid}, not VM {vm.id}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:  # declared in another encoding: keep the document as libxml2 read it
        text = etree.tostring(root, encoding="unicode")
    domain = libvirt_domains.replace_report(ctx.session, vm, text, devices_hash)
    applied = apply_report(ctx, vm, reported, domain.devices_hash, _rows(ctx.session, vm.id))
    return WireResult("domain_match", applied.wire())
