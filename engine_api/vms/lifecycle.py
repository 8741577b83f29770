"""The power states of a VM and the actions that move it between them.

Every action validates the VM's state the way the engine does — a refused action answers 409
with the engine's kind of detail (``[Cannot run VM. VM is running.]``) and changes nothing —
then puts the VM into a transitional state, writes the engine's events and a job, and
schedules the next step as a transition. The engine's single ticker applies due steps (at
once when the delay is zero); each step first checks that the VM is still in the state it
expects, so a step that outlived its operation does nothing.

==================  =====================================================================
start               down → wait_for_launch → powering_up → up (``pause=true``: → paused);
                    suspended → restoring_state → up; paused → up (resumed)
stop                any running, paused or suspended state → down
shutdown            up, powering_up, reboot_in_progress, paused → powering_down → down
suspend             up → saving_state → suspended
reboot              up, powering_up → reboot_in_progress → up
reset               up, powering_up, reboot_in_progress, paused → up, on the same host
migrate             up → migrating → up on another host of the cluster
cancelmigration     migrating → up on the source host
==================  =====================================================================

Start places the VM on the host asked for (``<vm><placement_policy><hosts>`` in the action,
else the VM's own placement policy) or on the up host of its cluster that runs the fewest
VMs; migrate moves it to the ``<host>`` of the action or to another such host.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine_api import models as m
from engine_api.faults import Conflict, cannot
from engine_api.services import transitions
from engine_api.services.context import RequestContext
from engine_api.services.refs import resolve_ref
from engine_api.system import events, jobs
from engine_api.system.events import acting_user
from engine_api.types.fields import RefSpec, href_of
from engine_api.vms import libvirt_domains

#: States in which a VM occupies a host (and the host runs a domain for it).
RUNNING_STATES = libvirt_domains.DOMAIN_STATES

# Audit log codes (the engine's AuditLogType).
USER_RUN_VM = 32
USER_STOP_VM = 33
USER_RESUME_VM = 40
VM_DOWN = 61
VM_MIGRATION_START = 62
VM_MIGRATION_DONE = 63
USER_INITIATED_SHUTDOWN_VM = 73
USER_STOP_SUSPENDED_VM = 111
USER_STARTED_VM = 153
USER_REBOOT_VM = 157
VM_CANCEL_MIGRATION = 161
USER_SUSPEND_VM = 501
USER_SUSPEND_VM_FINISH_SUCCESS = 512
USER_RESET_VM = 11001

KIND = "vm"

_PHRASES = {
    "down": "down",
    "up": "running",
    "paused": "paused",
    "suspended": "suspended",
    "wait_for_launch": "waiting for launch",
    "powering_up": "powering up",
    "powering_down": "powering down",
    "reboot_in_progress": "rebooting",
    "migrating": "being migrated",
    "not_responding": "not responding",
    "unknown": "in an unknown state",
    "unassigned": "unassigned",
}


#: ``LocalizedVmStatus``: the ``$vmStatus`` each state reads as in the engine's messages.
_LOCALIZED_STATUS = {
    "unassigned": "Unassigned", "down": "Down", "up": "Up", "powering_up": "Powering Up", "paused": "Paused",
    "migrating": "Migrating", "unknown": "Unknown", "not_responding": "Not Responding",
    "wait_for_launch": "Wait for Launch", "reboot_in_progress": "Reboot in Progress", "saving_state": "Saving State",
    "restoring_state": "Restoring State", "suspended": "Suspended", "image_illegal": "Image Illegal",
    "image_locked": "Image Locked", "powering_down": "Powering Down",
}


def status_illegal(action: str, vm: m.Vm) -> Conflict:
    """``ACTION_TYPE_FAILED_VM_STATUS_ILLEGAL``: ``[Cannot restart VM because the VM is in Down status.]``."""
    return Conflict(f"[Cannot {action} VM because the VM is in {_LOCALIZED_STATUS.get(vm.status, '')} status.]")


def _not_running(action: str, vm: m.Vm) -> Conflict:
    """StopVmCommandBase's refusal: saving or restoring state, else not running."""
    if vm.status in ("saving_state", "restoring_state"):
        return cannot(action, "VM is in saving/restoring state.\n-Please try again when the VM is either up or down")
    return cannot(action, "VM is not running")


def lock_vm_row(session: Session, vm_id: str) -> None:
    session.execute(select(m.Vm.id).where(m.Vm.id == vm_id).with_for_update())


def refused(action: str, vm: m.Vm) -> Conflict:
    """The engine's refusal of ``action`` (``run VM``, ``migrate VM``…) in the VM's state."""
    status = vm.status
    if status == "image_locked":
        return cannot(action, "VM is locked. Please try again in a few minutes")
    if status == "down":
        return cannot(action, "VM is not running")
    if status in ("saving_state", "restoring_state"):
        return cannot(action, "VM is in saving/restoring state. Please try again in a few minutes")
    return cannot(action, f"VM is {_PHRASES.get(status, status.replace('_', ' '))}")


# -- shared pieces --------------------------------------------------------------------------

def _host_name(ctx: RequestContext, host_id: Optional[str]) -> str:
    host = ctx.session.get(m.Host, host_id) if host_id else None
    return host.name if host is not None else "N/A"


def _event(ctx: RequestContext, code: int, text: str, vm: m.Vm, payload: Optional[dict[str, Any]] = None,
           host_id: Optional[str] = None) -> None:
    payload = payload or {}
    events.record_event(
        ctx, code, text, correlation_id=payload.get("correlation_id"),
        vm_id=vm.id, host_id=host_id or vm.host_id, cluster_id=vm.cluster_id,
        **({"user_id": payload["user_id"]} if payload.get("user_id") else {}),
    )


def _begin(ctx: RequestContext, vm: m.Vm, description: str) -> m.Job:
    """End what the VM was doing and start the job of the new operation."""
    abandon(ctx, vm)
    return jobs.start_job(ctx, description)


def abandon(ctx: RequestContext, vm: m.Vm) -> None:
    """Forget the VM's pending steps; the jobs they would have ended are aborted."""
    for row in transitions.pending(ctx.session, KIND, vm.id):
        jobs.end_job(ctx, row.job_id or (row.payload or {}).get("job_id"), "aborted")
    transitions.cancel(ctx, KIND, vm.id)


def _next(ctx: RequestContext, vm: m.Vm, step: str, job: Optional[m.Job], **payload: Any) -> None:
    """Schedule ``step``; it applies only while the VM is still in its current state."""
    payload.setdefault("user_id", ctx.user_id)
    payload["expect"] = vm.status
    transitions.schedule(ctx, KIND, vm.id, step, payload=payload, job_id=job.id if job else None)


def _answer(job: Optional[m.Job]) -> dict[str, Any]:
    return {"job": {"href": href_of("jobs", job.id), "id": job.id}} if job is not None else {}


def lock_vm(ctx: RequestContext, vm: m.Vm) -> m.Vm:
    """The VM re-read under its row lock: the lock the ticker takes before a step, and device
    monitoring before it reads the VM's Domain XML."""
    ctx.session.refresh(vm, with_for_update=True)
    return vm


# -- placement ------------------------------------------------------------------------------

def _up_hosts_by_load(ctx: RequestContext, cluster_id: str) -> list[m.Host]:
    """Up hosts of a cluster, those running the fewest VMs first."""
    running = (
        select(m.Vm.host_id, func.count().label("vms"))
        .where(m.Vm.host_id.is_not(None), m.Vm.status.in_(RUNNING_STATES))
        .group_by(m.Vm.host_id)
        .subquery()
    )
    load = func.coalesce(running.c.vms, 0)
    return list(ctx.session.scalars(
        select(m.Host).outerjoin(running, running.c.host_id == m.Host.id)
        .where(m.Host.cluster_id == cluster_id, m.Host.status == "up")
        .order_by(load, m.Host.name, m.Host.id)
    ))


def _why_not(vm: m.Vm, host: m.Host, exclude: Optional[str]) -> Optional[str]:
    if host.cluster_id != vm.cluster_id:
        return f"Host {host.name} does not belong to the VM's Cluster"
    if host.id == exclude:
        return "The source and destination Hosts are the same"
    if host.status != "up":
        return f"Host {host.name} is not Up"
    return None


def place(ctx: RequestContext, vm: m.Vm, action: str, wanted: list[m.Host],
          exclude: Optional[str] = None) -> m.Host:
    """The host to run on: the first fitting one of ``wanted``, else the least loaded up host."""
    if wanted:
        reasons = [_why_not(vm, host, exclude) for host in wanted]
        for host, reason in zip(wanted, reasons, strict=True):
            if reason is None:
                return host
        raise cannot(action, "There is no host that satisfies current scheduling constraints",
                     *[r for r in reasons if r])
    for host in _up_hosts_by_load(ctx, vm.cluster_id):
        if host.id != exclude:
            return host
    raise cannot(action, "There are no available running Hosts in the Cluster")


def _hosts_asked_for(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> list[m.Host]:
    placement = (params.get("vm") or {}).get("placement_policy") or {}
    specs = placement.get("hosts") or []
    if specs:
        return [resolve_ref(ctx, spec) for spec in specs]
    if vm.placement_host_id:
        host = ctx.session.get(m.Host, vm.placement_host_id)
        return [host] if host is not None else []
    return []


def _check_disks(ctx: RequestContext, vm: m.Vm, action: str) -> None:
    locked = list(ctx.session.scalars(
        select(m.Disk.name).join(m.DiskAttachment, m.DiskAttachment.disk_id == m.Disk.id)
        .where(m.DiskAttachment.vm_id == vm.id, m.DiskAttachment.active.is_(True), m.Disk.status != "ok")
        .order_by(m.Disk.name)
    ))
    if locked:
        raise cannot(action, f"The following disks are locked: {', '.join(locked)}",
                     "Please try again in a few minutes")


# -- actions --------------------------------------------------------------------------------

def start_vm(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    vm = lock_vm(ctx, vm)
    if vm.status == "paused":
        return _resume(ctx, vm)
    if vm.status not in ("down", "suspended"):
        if vm.status in ("image_locked", "saving_state", "restoring_state"):
            raise refused("run VM", vm)
        raise cannot("run VM", "VM is running")
    _check_disks(ctx, vm, "run VM")
    host = place(ctx, vm, "run VM", _hosts_asked_for(ctx, vm, params))
    libvirt_domains.launch(ctx.session, vm, host.id)
    job = _begin(ctx, vm, f"Launching VM {vm.name}")
    resuming = vm.status == "suspended"
    vm.host_id = host.id
    vm.stop_reason = None
    _event(ctx, USER_STARTED_VM, f"VM {vm.name} was started by {acting_user(ctx)} (Host: {host.name}).", vm)
    if resuming:
        vm.status = "restoring_state"
        _next(ctx, vm, "restored", job)
    else:
        vm.status = "wait_for_launch"
        _next(ctx, vm, "launched", job, pause=bool(params.get("pause")))
    return _answer(job)


def _resume(ctx: RequestContext, vm: m.Vm) -> dict[str, Any]:
    job = _begin(ctx, vm, f"Resuming VM {vm.name}")
    vm.status = "up"
    _event(ctx, USER_RESUME_VM, f"VM {vm.name} was resumed by {acting_user(ctx)} "
                                f"(Host: {_host_name(ctx, vm.host_id)}).", vm)
    jobs.end_job(ctx, job.id)
    return _answer(job)


def _set_down(ctx: RequestContext, vm: m.Vm, exit_message: str, reason: Optional[str],
              payload: Optional[dict[str, Any]] = None) -> None:
    host_id = vm.host_id
    libvirt_domains.destroy(ctx.session, vm)
    vm.status = "down"
    vm.host_id = None
    vm.stop_time = ctx.now
    vm.stop_reason = reason
    _event(ctx, VM_DOWN, f"VM {vm.name} is down. Exit message: {exit_message}", vm, payload, host_id=host_id)


def _reason(params: dict[str, Any]) -> str:
    return f" (Reason: {params['reason']})" if params.get("reason") else ""


def stop_vm(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    vm = lock_vm(ctx, vm)
    if vm.status not in RUNNING_STATES | {"suspended"} or vm.status in ("saving_state", "restoring_state"):
        raise _not_running("stop VM", vm) if vm.status in _NOT_RUNNING else refused("stop VM", vm)
    job = _begin(ctx, vm, f"Stopping VM {vm.name}")
    if vm.status == "suspended":
        _event(ctx, USER_STOP_SUSPENDED_VM,
               f"Suspended VM {vm.name} stopped by {acting_user(ctx)}{_reason(params)}.", vm)
        vm.status = "down"
        vm.stop_time = ctx.now
        vm.stop_reason = params.get("reason")
    else:
        _event(ctx, USER_STOP_VM, f"VM {vm.name} powered off by {acting_user(ctx)} "
                                  f"(Host: {_host_name(ctx, vm.host_id)}){_reason(params)}.", vm)
        _set_down(ctx, vm, "Admin shut down from the engine", params.get("reason"))
    jobs.end_job(ctx, job.id)
    return _answer(job)


def shutdown_vm(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    vm = lock_vm(ctx, vm)
    if vm.status == "suspended":
        return stop_vm(ctx, vm, params)
    if vm.status not in ("up", "powering_up", "reboot_in_progress", "paused"):
        raise _not_running("shutdown VM", vm) if vm.status in _NOT_RUNNING else refused("shutdown VM", vm)
    job = _begin(ctx, vm, f"Shutting down VM {vm.name}")
    _event(ctx, USER_INITIATED_SHUTDOWN_VM, f"VM shutdown initiated by {acting_user(ctx)} on VM {vm.name} "
                                            f"(Host: {_host_name(ctx, vm.host_id)}){_reason(params)}.", vm)
    vm.status = "powering_down"
    _next(ctx, vm, "powered_down", job, reason=params.get("reason"))
    return _answer(job)


def suspend_vm(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    vm = lock_vm(ctx, vm)
    if vm.status in ("wait_for_launch", "not_responding"):
        raise status_illegal("hibernate", vm)
    if vm.status != "up":
        raise cannot("hibernate VM", "VM is not up")
    job = _begin(ctx, vm, f"Suspending VM {vm.name}")
    _event(ctx, USER_SUSPEND_VM, f"Suspending VM {vm.name} was initiated by User {acting_user(ctx)} "
                                 f"(Host: {_host_name(ctx, vm.host_id)}).", vm)
    vm.status = "saving_state"
    _next(ctx, vm, "saved", job)
    return _answer(job)


def reboot_vm(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    vm = lock_vm(ctx, vm)
    if vm.status not in ("up", "powering_up"):
        raise status_illegal("restart", vm)
    job = _begin(ctx, vm, f"Rebooting VM {vm.name}")
    _event(ctx, USER_REBOOT_VM, f"User {acting_user(ctx)} initiated reboot of VM {vm.name}.", vm)
    vm.status = "reboot_in_progress"
    _next(ctx, vm, "rebooted", job)
    return _answer(job)


def reset_vm(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    vm = lock_vm(ctx, vm)
    if vm.status not in ("up", "powering_up", "reboot_in_progress", "paused"):
        raise status_illegal("reset", vm)
    job = _begin(ctx, vm, f"Resetting VM {vm.name}")
    _event(ctx, USER_RESET_VM, f"User {acting_user(ctx)} initiated reset of VM {vm.name}.", vm)
    vm.status = "up"
    vm.start_time = ctx.now
    jobs.end_job(ctx, job.id)
    return _answer(job)


#: The states StopVmCommandBase calls not running (the engine's ``isRunning`` is false and the VM
#: is neither paused, not responding nor suspended).
_NOT_RUNNING = frozenset({"down", "unassigned", "unknown", "image_illegal", "saving_state",
                          "restoring_state"})

#: States a VM migrates from (a paused VM migrates and stays paused).
MIGRATABLE_STATES = ("up", "paused")


def migrate_vm(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    vm = lock_vm(ctx, vm)
    spec: Optional[RefSpec] = params.get("host")
    wanted = [resolve_ref(ctx, spec)] if spec is not None else []
    if wanted and wanted[0].status != "up":  # MigrateVmToServerCommand, before the VM's own checks
        raise cannot("migrate VM", "Operation can be performed only when Host status is Up")
    if vm.status not in MIGRATABLE_STATES:
        raise refused("migrate VM", vm)
    if wanted and wanted[0].id == vm.host_id:
        raise cannot("migrate VM", "source and destination is the same")
    returns_to = vm.status
    target = place(ctx, vm, "migrate VM", wanted, exclude=vm.host_id)
    source = _host_name(ctx, vm.host_id)
    job = _begin(ctx, vm, f"Migrating VM {vm.name} to Host {target.name}")
    _event(ctx, VM_MIGRATION_START, f"Migration started (VM: {vm.name}, Source: {source}, Destination: "
                                    f"{target.name}, User: {acting_user(ctx)}).{_reason(params)}", vm)
    vm.status = "migrating"
    _next(ctx, vm, "migrated", job, destination=target.id, started=ctx.now.isoformat(), returns_to=returns_to)
    return _answer(job)


def cancel_migration(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    vm = lock_vm(ctx, vm)
    if vm.status != "migrating":
        raise cannot("cancel migration of VM", "VM is not being migrated")
    job = _begin(ctx, vm, f"Cancelling migration of VM {vm.name}")
    vm.status = "up"
    _event(ctx, VM_CANCEL_MIGRATION, f"Migration cancelled for VM: {vm.name}", vm)
    jobs.end_job(ctx, job.id)
    return _answer(job)


ACTIONS = {
    "start": start_vm,
    "stop": stop_vm,
    "shutdown": shutdown_vm,
    "suspend": suspend_vm,
    "reboot": reboot_vm,
    "reset": reset_vm,
    "migrate": migrate_vm,
    "cancelmigration": cancel_migration,
}


# -- steps ----------------------------------------------------------------------------------

def _launched(ctx: RequestContext, vm: m.Vm, payload: dict[str, Any], job_id: Optional[str]) -> None:
    vm.start_time = ctx.now
    if payload.get("pause"):
        vm.status = "paused"
        jobs.end_job(ctx, job_id)
        return
    vm.status = "powering_up"
    transitions.schedule(ctx, KIND, vm.id, "booted", payload={**payload, "expect": vm.status}, job_id=job_id)


def _running(ctx: RequestContext, vm: m.Vm, payload: dict[str, Any], job_id: Optional[str]) -> None:
    vm.status = "up"
    _event(ctx, USER_RUN_VM, f"VM {vm.name} started on Host {_host_name(ctx, vm.host_id)}", vm, payload)
    jobs.end_job(ctx, job_id)


def _powered_down(ctx: RequestContext, vm: m.Vm, payload: dict[str, Any], job_id: Optional[str]) -> None:
    _set_down(ctx, vm, "User shut down from within the guest", payload.get("reason"), payload)
    jobs.end_job(ctx, job_id)


def _saved(ctx: RequestContext, vm: m.Vm, payload: dict[str, Any], job_id: Optional[str]) -> None:
    vm.status = "suspended"
    host_id = vm.host_id
    libvirt_domains.destroy(ctx.session, vm)
    vm.host_id = None
    _event(ctx, USER_SUSPEND_VM_FINISH_SUCCESS, f"Suspending VM {vm.name} has been completed.", vm, payload,
           host_id=host_id)
    jobs.end_job(ctx, job_id)


def _rebooted(ctx: RequestContext, vm: m.Vm, payload: dict[str, Any], job_id: Optional[str]) -> None:
    vm.status = "up"
    jobs.end_job(ctx, job_id)


def _migrated(ctx: RequestContext, vm: m.Vm, payload: dict[str, Any], job_id: Optional[str]) -> None:
    source = _host_name(ctx, vm.host_id)
    destination = ctx.session.get(m.Host, payload.get("destination") or "")
    if destination is None:
        vm.status = "up"
        jobs.end_job(ctx, job_id, "failed")
        return
    vm.host_id = destination.id
    libvirt_domains.move(ctx.session, vm, destination.id)
    vm.status = payload.get("returns_to") or "up"
    seconds = 0.0
    if payload.get("started"):
        seconds = max(0.0, (ctx.now - dt.datetime.fromisoformat(payload["started"])).total_seconds())
    duration = f"{round(seconds)} second{'s' if round(seconds) != 1 else ''}"
    _event(ctx, VM_MIGRATION_DONE, f"Migration completed (VM: {vm.name}, Source: {source}, Destination: "
                                   f"{destination.name}, Duration: {duration}, Total: {duration}, "
                                   "Actual downtime: (N/A))", vm, payload)
    jobs.end_job(ctx, job_id)


_STEPS = {
    "launched": _launched,
    "booted": _running,
    "restored": _running,
    "powered_down": _powered_down,
    "saved": _saved,
    "rebooted": _rebooted,
    "migrated": _migrated,
}


def vm_step(ctx: RequestContext, vm_id: str, step: str, payload: dict[str, Any]) -> None:
    """Apply one step of a VM's operation, if the VM is still where the operation left it."""
    job_id = payload.pop("job_id", None)
    vm = ctx.session.get(m.Vm, vm_id)
    apply = _STEPS.get(step)
    if vm is None or apply is None or vm.status != payload.get("expect"):
        jobs.end_job(ctx, job_id, "aborted")
        return
    apply(ctx, vm, payload, job_id)
