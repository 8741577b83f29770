"""Snapshots: taking one, removing one, and previewing, committing, undoing and restoring.

Every VM has its ``active`` snapshot (the VM as it is now, ``Active VM``). Taking a snapshot
keeps the VM's configuration, its vNICs and, of each of its disks (all, or those the request
names), the image it has now; the disk goes on in a new image. The snapshot is ``locked`` until
the operation's step finds it done, then ``ok``; the VM's disks are locked meanwhile, so the VM
cannot start until it is done.

Previewing (``previewsnapshot``) a snapshot of a VM that is down keeps the VM as it was in a
``preview`` snapshot (``Active VM before the preview``), marks the snapshot ``in_preview`` and
gives the VM the snapshot's configuration and disk sizes. Committing keeps the previewed state:
the ``preview`` snapshot and the snapshots taken after the previewed one go. Undoing brings back
the VM as it was before the preview. Restoring a snapshot is a preview committed at once. The VM
is ``image_locked`` while each of these runs.

The engine's refusals apply: a VM that is previewing takes no new snapshot and loses none; a VM
must be down to preview or restore; a snapshot operation in progress blocks the others.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Optional

from sqlalchemy import delete, select

from engine_api import models as m
from engine_api.faults import Conflict, NotFound, cannot, entity_not_found
from engine_api.network import macs
from engine_api.services import crud, transitions
from engine_api.services.context import RequestContext
from engine_api.services.results import CollectionResult, EntityResult
from engine_api.snapshots.schemas import SnapshotDisk, SnapshotNic
from engine_api.system import events, jobs
from engine_api.system.events import acting_user
from engine_api.types.fields import API_PREFIX, href_of
from engine_api.vms import devices

KIND = "snapshot"
ACTIVE_DESCRIPTION = "Active VM"
PREVIEW_DESCRIPTION = "Active VM before the preview"
#: The VM's attributes a snapshot keeps and a preview or restore gives back.
CONFIGURATION = (
    "memory", "memory_guaranteed", "memory_max", "cpu_sockets", "cpu_cores", "cpu_threads", "cpu_architecture",
    "os_type", "boot_devices", "type", "stateless", "display_type", "high_availability", "comment",
)
#: The VM states in which the engine takes a snapshot.
SNAPSHOT_STATES = frozenset({"down", "up", "paused"})
#: The VM states in which a snapshot holds the VM's memory.
MEMORY_STATES = frozenset({"up", "paused"})
_NIC_ATTRIBUTES = ("id", "name", "description", "comment", "interface", "mac", "vnic_profile_id", "plugged", "linked")

# Audit log codes (the engine's AuditLogType).
USER_CREATE_SNAPSHOT = 45
USER_TRY_BACK_TO_SNAPSHOT = 46
USER_CREATE_SNAPSHOT_FINISHED_SUCCESS = 68
USER_TRY_BACK_TO_SNAPSHOT_FINISH_SUCCESS = 71
USER_COMMIT_RESTORE_FROM_SNAPSHOT_START = 94
USER_COMMIT_RESTORE_FROM_SNAPSHOT_FINISH_SUCCESS = 95
USER_RESTORE_FROM_SNAPSHOT_FINISH_SUCCESS = 100
USER_REMOVE_SNAPSHOT = 342
USER_REMOVE_SNAPSHOT_FINISHED_SUCCESS = 356
USER_REMOVE_DISK_SNAPSHOT = 373
USER_REMOVE_DISK_SNAPSHOT_FINISHED_SUCCESS = 375
USER_UNDO_RESTORE_FROM_SNAPSHOT_START = 650
USER_UNDO_RESTORE_FROM_SNAPSHOT_FINISH_SUCCESS = 651
USER_RESTORE_FROM_SNAPSHOT_START = 1190


def active_snapshot(vm: m.Vm) -> m.Snapshot:
    """The ``active`` snapshot a new VM has (a row to add with it)."""
    return m.Snapshot(id=m.new_id(), vm_id=vm.id, description=ACTIVE_DESCRIPTION, snapshot_type="active",
                      snapshot_status="ok", date=vm.creation_time or m.utcnow(), persist_memorystate=False)


def _configuration(vm: m.Vm) -> dict[str, Any]:
    return {name: getattr(vm, name) for name in CONFIGURATION}


def _nics(ctx: RequestContext, vm: m.Vm) -> list[dict[str, Any]]:
    rows = ctx.session.scalars(select(m.Nic).where(m.Nic.vm_id == vm.id).order_by(m.Nic.name, m.Nic.id))
    return [{name: getattr(nic, name) for name in _NIC_ATTRIBUTES} for nic in rows]


def _attached_disks(ctx: RequestContext, vm: m.Vm) -> list[tuple[m.DiskAttachment, m.Disk]]:
    rows = ctx.session.execute(
        select(m.DiskAttachment, m.Disk).join(m.Disk, m.Disk.id == m.DiskAttachment.disk_id)
        .where(m.DiskAttachment.vm_id == vm.id, m.DiskAttachment.snapshot_id.is_(None),
               m.Disk.storage_type == "image", m.Disk.shareable.is_(False))
        .order_by(m.Disk.name, m.Disk.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _image_of(snapshot: m.Snapshot, attachment: m.DiskAttachment, disk: m.Disk) -> m.SnapshotDisk:
    """The row of a disk as ``snapshot`` holds it: the disk's image now, attached as it is."""
    return m.SnapshotDisk(
        snapshot_id=snapshot.id, vm_id=snapshot.vm_id, disk_id=disk.id, image_id=disk.image_id, name=disk.name,
        description=disk.description, provisioned_size=disk.provisioned_size, actual_size=disk.actual_size,
        format=disk.format, sparse=disk.sparse, storage_type=disk.storage_type, content_type=disk.content_type,
        storage_domain_id=disk.storage_domain_id, interface=attachment.interface, bootable=attachment.bootable)


def _snapshots(ctx: RequestContext, vm: m.Vm) -> list[m.Snapshot]:
    return list(ctx.session.scalars(
        select(m.Snapshot).where(m.Snapshot.vm_id == vm.id).order_by(m.Snapshot.date, m.Snapshot.id)))


def _in_preview(snapshots: list[m.Snapshot]) -> Optional[m.Snapshot]:
    return next((s for s in snapshots if s.snapshot_status == "in_preview"), None)


def _event(ctx: RequestContext, code: int, text: str, vm: m.Vm, payload: Optional[dict[str, Any]] = None) -> None:
    payload = payload or {}
    events.record_event(ctx, code, text, vm_id=vm.id, cluster_id=vm.cluster_id,
                        correlation_id=payload.get("correlation_id"),
                        **({"user_id": payload["user_id"]} if payload.get("user_id") else {}))


def _status_refused(action: str, vm: m.Vm) -> Conflict:
    status = vm.status.replace("_", " ").title().replace(" ", "")
    return Conflict(f"[Cannot {action} Snapshot because the VM is in {status} status.]")


def _check_idle(action: str, vm: m.Vm, snapshots: list[m.Snapshot]) -> None:
    """Refuse an operation while the VM is locked or another snapshot operation runs."""
    if vm.status == "image_locked":
        raise Conflict(f"[Cannot {action} Snapshot: VM is locked. Please try again in a few minutes.]")
    if any(s.snapshot_status == "locked" for s in snapshots):
        raise cannot(f"{action} Snapshot", "The VM is performing an operation on a Snapshot",
                     "Please wait for the operation to finish, and try again")


def _lock_vm(ctx: RequestContext, vm_id: str) -> m.Vm:
    vm = ctx.session.get(m.Vm, vm_id, with_for_update=True)
    if vm is None:
        raise NotFound(f"Entity not found: VM: id={vm_id}")
    return vm


def _schedule(ctx: RequestContext, vm: m.Vm, step: str, job: m.Job, **payload: Any) -> None:
    payload.setdefault("user_id", ctx.user_id)
    transitions.schedule(ctx, KIND, vm.id, step, payload=payload, job_id=job.id)


def _answer(job: m.Job) -> dict[str, Any]:
    return {"job": {"href": href_of("jobs", job.id), "id": job.id}}


# -- taking and removing a snapshot -----------------------------------------------------------

def _chosen_disks(ctx: RequestContext, vm: m.Vm, data: dict[str, Any]) -> list[tuple[m.DiskAttachment, m.Disk]]:
    attached = _attached_disks(ctx, vm)
    wanted = [((item or {}).get("disk") or {}).get("id") for item in data.get("disk_attachments") or []]
    wanted += [(item or {}).get("id") for item in data.get("disks") or []]
    if not wanted:
        return attached
    by_id = {disk.id: (attachment, disk) for attachment, disk in attached}
    missing = [disk_id for disk_id in wanted if disk_id not in by_id]
    if missing:
        raise cannot("create Snapshot", f"The following disks are not attached to the VM: {', '.join(map(str, missing))}")
    return [by_id[disk_id] for disk_id in dict.fromkeys(wanted)]


def create_snapshot(ctx: RequestContext, data: dict[str, Any], vm_id: Optional[str]) -> m.Snapshot:
    """``POST /vms/{id}/snapshots``: a snapshot of the VM and of its disks (or those named), locked
    until it is taken; it keeps the memory of a running VM when ``persist_memorystate`` asks."""
    vm = _lock_vm(ctx, vm_id or "")
    snapshots = _snapshots(ctx, vm)
    _check_idle("create", vm, snapshots)
    if _in_preview(snapshots) is not None:
        raise cannot("create Snapshot", "VM is previewing a Snapshot")
    if vm.status not in SNAPSHOT_STATES:
        raise _status_refused("create", vm)
    disks = _chosen_disks(ctx, vm, data)
    locked = [disk.name for _, disk in disks if disk.status != "ok"]
    if locked:
        raise cannot("create Snapshot", f"The following disks are locked: {', '.join(locked)}",
                     "Please try again in a few minutes")
    description = data.get("description") or ""
    snapshot = m.Snapshot(vm_id=vm.id, description=description, snapshot_type="regular", snapshot_status="locked",
                          date=ctx.now, persist_memorystate=bool(data.get("persist_memorystate"))
                          and vm.status in MEMORY_STATES,
                          configuration=_configuration(vm), nics=_nics(ctx, vm))
    ctx.session.add(snapshot)
    ctx.session.flush()
    for attachment, disk in disks:
        ctx.session.add(_image_of(snapshot, attachment, disk))
        disk.image_id = m.new_id()
        disk.status = "locked"
    job = jobs.start_job(ctx, f"Creating VM Snapshot {description} for VM {vm.name}")
    _event(ctx, USER_CREATE_SNAPSHOT, f"Snapshot '{description}' creation for VM '{vm.name}' was initiated by "
                                      f"{acting_user(ctx)}.", vm)
    _schedule(ctx, vm, "created", job, snapshot_id=snapshot.id, disk_ids=[disk.id for _, disk in disks])
    return snapshot


def remove_snapshot(ctx: RequestContext, snapshot: m.Snapshot, vm_id: Optional[str]) -> None:
    """``DELETE /vms/{id}/snapshots/{snapshot}``: locked, then merged away (the VM may run)."""
    vm = _lock_vm(ctx, snapshot.vm_id)
    snapshots = _snapshots(ctx, vm)
    if snapshot.snapshot_type == "active":
        raise cannot("remove Snapshot", "The active snapshot of a VM cannot be removed")
    if _in_preview(snapshots) is not None:
        raise cannot("remove Snapshot", "VM is previewing a Snapshot")
    _check_idle("remove", vm, snapshots)
    check_not_attached_elsewhere(ctx, "remove Snapshot", [snapshot.id])
    snapshot.snapshot_status = "locked"
    job = jobs.start_job(ctx, f"Removing Snapshot {snapshot.description} of VM {vm.name}")
    _event(ctx, USER_REMOVE_SNAPSHOT, f"Snapshot '{snapshot.description}' deletion for VM '{vm.name}' was "
                                      f"initiated by {acting_user(ctx)}.", vm)
    _schedule(ctx, vm, "removed", job, snapshot_id=snapshot.id)


def check_not_attached_elsewhere(ctx: RequestContext, action: str, snapshot_ids: Sequence[str]) -> None:
    """Refuse ``action`` while a disk as one of these snapshots holds it is attached to a VM."""
    rows = ctx.session.execute(
        select(m.Disk.name, m.Snapshot.description, m.Vm.name)
        .select_from(m.DiskAttachment).join(m.Disk, m.Disk.id == m.DiskAttachment.disk_id)
        .join(m.Snapshot, m.Snapshot.id == m.DiskAttachment.snapshot_id)
        .join(m.Vm, m.Vm.id == m.DiskAttachment.vm_id)
        .where(m.DiskAttachment.snapshot_id.in_(list(snapshot_ids))).order_by(m.Disk.name)).all() \
        if snapshot_ids else []
    if rows:
        info = "\n".join(f"{disk} / {description} / {vm}" for disk, description, vm in rows)
        raise cannot(action, "The following VM's disks snapshots are attached to other VMs (Disk Alias/Snapshot "
                             f"Description/VM attached to):\n\n {info} \n\nPlease detach them from those VMs and "
                             "try again")


def disk_snapshots_of(ctx: RequestContext, disks: Sequence[m.Disk]) -> list[list[m.SnapshotDisk]]:
    """The images the snapshots keep of each disk, oldest first (one statement for all): a view of
    the disk snapshots their storage domains list."""
    found: dict[str, list[m.SnapshotDisk]] = {disk.id: [] for disk in disks}
    for image in ctx.session.scalars(
            select(m.SnapshotDisk).join(m.Snapshot, m.Snapshot.id == m.SnapshotDisk.snapshot_id)
            .where(m.SnapshotDisk.disk_id.in_(list(found))).order_by(m.Snapshot.date, m.SnapshotDisk.pk)):
        found[image.disk_id].append(image)
    return [found[disk.id] for disk in disks]


def remove_disk_snapshot(ctx: RequestContext, image: m.SnapshotDisk, storage_domain_id: Optional[str]) -> None:
    """``DELETE /storagedomains/{sd}/disksnapshots/{image}``: one disk's image leaves its snapshot."""
    vm = _lock_vm(ctx, image.vm_id)
    snapshots = _snapshots(ctx, vm)
    if _in_preview(snapshots) is not None:
        raise cannot("remove Disk Snapshot", "VM is previewing a Snapshot")
    _check_idle("remove", vm, snapshots)
    snapshot = ctx.session.get(m.Snapshot, image.snapshot_id)
    label = snapshot.description if snapshot is not None else ""
    _event(ctx, USER_REMOVE_DISK_SNAPSHOT, f"Disk '{image.name}' from Snapshot(s) '{label}' of VM '{vm.name}' "
                                           f"deletion was initiated by {acting_user(ctx)}.", vm)
    ctx.session.delete(image)
    _event(ctx, USER_REMOVE_DISK_SNAPSHOT_FINISHED_SUCCESS,
           f"Disk '{image.name}' from Snapshot(s) '{label}' of VM '{vm.name}' deletion has been completed.", vm)


# -- preview, commit, undo, restore -----------------------------------------------------------

def _snapshot_of(ctx: RequestContext, vm: m.Vm, params: dict[str, Any], action: str) -> m.Snapshot:
    snapshot_id = (params.get("snapshot") or {}).get("id")
    if not snapshot_id:
        raise cannot(f"{action} Snapshot", "VM's Snapshot does not exist")
    snapshot = ctx.session.get(m.Snapshot, snapshot_id)
    if snapshot is None or snapshot.vm_id != vm.id:
        raise cannot(f"{action} Snapshot", "VM's Snapshot does not exist")
    return snapshot


def _check_down(action: str, vm: m.Vm) -> None:
    if vm.status == "image_locked":
        raise Conflict(f"[Cannot {action} Snapshot: VM is locked. Please try again in a few minutes.]")
    if vm.status != "down":
        raise cannot(f"{action} Snapshot", "At least one of the VMs is not down")


def _apply(ctx: RequestContext, vm: m.Vm, snapshot: m.Snapshot) -> None:
    """Give the VM the configuration and disk sizes a snapshot holds."""
    for name, value in (snapshot.configuration or {}).items():
        if name in CONFIGURATION:
            setattr(vm, name, value)
    for image in ctx.session.scalars(select(m.SnapshotDisk).where(m.SnapshotDisk.snapshot_id == snapshot.id)):
        disk = ctx.session.get(m.Disk, image.disk_id)
        if disk is not None:
            disk.provisioned_size = image.provisioned_size
            disk.image_id = m.new_id()


def _keep_current(ctx: RequestContext, vm: m.Vm) -> m.Snapshot:
    """The VM as it is, kept in a ``preview`` snapshot."""
    kept = m.Snapshot(vm_id=vm.id, description=PREVIEW_DESCRIPTION, snapshot_type="preview", snapshot_status="ok",
                      date=ctx.now, configuration=_configuration(vm), nics=_nics(ctx, vm))
    ctx.session.add(kept)
    ctx.session.flush()
    for attachment, disk in _attached_disks(ctx, vm):
        ctx.session.add(_image_of(kept, attachment, disk))
    return kept


def _later_than(snapshots: list[m.Snapshot], snapshot: m.Snapshot) -> list[m.Snapshot]:
    return [s for s in snapshots if s.snapshot_type == "regular" and (s.date, s.id) > (snapshot.date, snapshot.id)]


def _not_previewing(ctx: RequestContext, vm_id: str, action: str,
                    chosen: Callable[[m.Vm], m.Snapshot]) -> tuple[m.Vm, list[m.Snapshot], m.Snapshot]:
    """The VM (locked), its snapshots and the one ``chosen`` picks of them, for a preview or a
    restore, which the engine allows only while no preview is in place, nothing else runs and
    the VM is down."""
    vm = _lock_vm(ctx, vm_id)
    snapshots = _snapshots(ctx, vm)
    snapshot = chosen(vm)
    if _in_preview(snapshots) is not None:
        raise cannot(f"{action} Snapshot", "VM is previewing a Snapshot")
    _check_idle(action, vm, snapshots)
    _check_down(action, vm)
    return vm, snapshots, snapshot


def preview_snapshot(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /vms/{id}/previewsnapshot``: the VM as the snapshot holds it, until commit or undo."""
    vm, _, snapshot = _not_previewing(ctx, vm.id, "preview",
                                      lambda locked: _snapshot_of(ctx, locked, params, "preview"))
    if snapshot.snapshot_type != "regular":
        raise cannot("preview Snapshot", "Only a regular snapshot can be previewed")
    _keep_current(ctx, vm)
    _apply(ctx, vm, snapshot)
    snapshot.snapshot_status = "in_preview"
    vm.status = "image_locked"
    job = jobs.start_job(ctx, f"Previewing Snapshot {snapshot.description} for VM {vm.name}")
    _event(ctx, USER_TRY_BACK_TO_SNAPSHOT, f"Snapshot-Preview {snapshot.description} for VM {vm.name} was "
                                           f"initiated by {acting_user(ctx)}.", vm)
    _schedule(ctx, vm, "previewed", job, snapshot_id=snapshot.id)
    return _answer(job)


def _previewing(ctx: RequestContext, vm: m.Vm) -> tuple[m.Vm, list[m.Snapshot], m.Snapshot]:
    """The VM (locked), its snapshots and the one it previews, for a commit or an undo, which the
    engine allows only while a preview is in place, nothing else runs and the VM is down."""
    vm = _lock_vm(ctx, vm.id)
    snapshots = _snapshots(ctx, vm)
    previewed = _in_preview(snapshots)
    if previewed is None:
        raise cannot("revert to Snapshot", "VM is not previewing a Snapshot")
    _check_idle("revert to", vm, snapshots)
    _check_down("revert to", vm)
    return vm, snapshots, previewed


def commit_snapshot(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /vms/{id}/commitsnapshot``: the previewed state stays; what came after it goes."""
    vm, snapshots, previewed = _previewing(ctx, vm)
    for gone in [s for s in snapshots if s.snapshot_type == "preview"] + _later_than(snapshots, previewed):
        ctx.session.delete(gone)
    previewed.snapshot_status = "ok"
    vm.status = "image_locked"
    job = jobs.start_job(ctx, f"Committing Snapshot-Preview for VM {vm.name}")
    _event(ctx, USER_COMMIT_RESTORE_FROM_SNAPSHOT_START, f"Committing a Snapshot-Preview for VM {vm.name} was "
                                                         f"initialized by {acting_user(ctx)}.", vm)
    _schedule(ctx, vm, "committed", job)
    return _answer(job)


def undo_snapshot(ctx: RequestContext, vm: m.Vm, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /vms/{id}/undosnapshot``: the VM as it was before the preview."""
    vm, snapshots, previewed = _previewing(ctx, vm)
    for kept in [s for s in snapshots if s.snapshot_type == "preview"]:
        _apply(ctx, vm, kept)
        ctx.session.delete(kept)
    previewed.snapshot_status = "ok"
    vm.status = "image_locked"
    job = jobs.start_job(ctx, f"Undoing Snapshot-Preview for VM {vm.name}")
    _event(ctx, USER_UNDO_RESTORE_FROM_SNAPSHOT_START, f"Undoing a Snapshot-Preview for VM {vm.name} was "
                                                       f"initialized by {acting_user(ctx)}.", vm)
    _schedule(ctx, vm, "undone", job)
    return _answer(job)


def restore_snapshot(ctx: RequestContext, snapshot: m.Snapshot, params: dict[str, Any]) -> dict[str, Any]:
    """``POST /vms/{id}/snapshots/{snapshot}/restore``: the VM as the snapshot holds it, for good."""
    vm, snapshots, snapshot = _not_previewing(ctx, snapshot.vm_id, "restore", lambda locked: snapshot)
    if snapshot.snapshot_type != "regular":
        raise cannot("restore Snapshot", "Only a regular snapshot can be restored")
    _apply(ctx, vm, snapshot)
    for gone in _later_than(snapshots, snapshot):
        ctx.session.delete(gone)
    vm.status = "image_locked"
    job = jobs.start_job(ctx, f"Restoring VM {vm.name} from Snapshot {snapshot.description}")
    _event(ctx, USER_RESTORE_FROM_SNAPSHOT_START, f"Restoring VM {vm.name} from snapshot started by user "
                                                  f"{acting_user(ctx)}.", vm)
    _schedule(ctx, vm, "restored", job)
    return _answer(job)


VM_ACTIONS = {"previewsnapshot": preview_snapshot, "commitsnapshot": commit_snapshot, "undosnapshot": undo_snapshot}


# -- the steps ------------------------------------------------------------------------------

def _created(ctx: RequestContext, vm: m.Vm, payload: dict[str, Any]) -> None:
    snapshot = ctx.session.get(m.Snapshot, payload.get("snapshot_id") or "")
    for disk_id in payload.get("disk_ids") or []:
        disk = ctx.session.get(m.Disk, disk_id)
        if disk is not None and disk.status == "locked":
            disk.status = "ok"
    if snapshot is not None and snapshot.snapshot_status == "locked":
        snapshot.snapshot_status = "ok"
        _event(ctx, USER_CREATE_SNAPSHOT_FINISHED_SUCCESS, f"Snapshot '{snapshot.description}' creation for VM "
                                                           f"'{vm.name}' has been completed.", vm, payload)


def _removed(ctx: RequestContext, vm: m.Vm, payload: dict[str, Any]) -> None:
    snapshot = ctx.session.get(m.Snapshot, payload.get("snapshot_id") or "")
    if snapshot is None:
        return
    ctx.session.execute(delete(m.SnapshotDisk).where(m.SnapshotDisk.snapshot_id == snapshot.id))
    ctx.session.delete(snapshot)
    _event(ctx, USER_REMOVE_SNAPSHOT_FINISHED_SUCCESS, f"Snapshot '{snapshot.description}' deletion for VM "
                                                       f"'{vm.name}' has been completed.", vm, payload)


def _unlocked(code: int, text: str) -> Any:
    def step(ctx: RequestContext, vm: m.Vm, payload: dict[str, Any]) -> None:
        if vm.status == "image_locked":
            vm.status = "down"
        snapshot = ctx.session.get(m.Snapshot, payload.get("snapshot_id") or "")
        _event(ctx, code, text.format(vm=vm.name, snapshot=snapshot.description if snapshot else ""), vm, payload)
    return step


_STEPS = {
    "created": _created,
    "removed": _removed,
    "previewed": _unlocked(USER_TRY_BACK_TO_SNAPSHOT_FINISH_SUCCESS,
                           "Snapshot-Preview {snapshot} for VM {vm} has been completed."),
    "committed": _unlocked(USER_COMMIT_RESTORE_FROM_SNAPSHOT_FINISH_SUCCESS,
                           "Committing a Snapshot-Preview for VM {vm} has been completed."),
    "undone": _unlocked(USER_UNDO_RESTORE_FROM_SNAPSHOT_FINISH_SUCCESS,
                        "Undoing a Snapshot-Preview for VM {vm} has been completed."),
    "restored": _unlocked(USER_RESTORE_FROM_SNAPSHOT_FINISH_SUCCESS,
                          "VM {vm} restoring from Snapshot has been completed."),
}


def snapshot_step(ctx: RequestContext, vm_id: str, step: str, payload: dict[str, Any]) -> None:
    """Finish one snapshot operation of a VM."""
    job_id = payload.pop("job_id", None)
    vm = ctx.session.get(m.Vm, vm_id)
    apply = _STEPS.get(step)
    if vm is None or apply is None:
        jobs.end_job(ctx, job_id, "aborted")
        return
    apply(ctx, vm, payload)
    jobs.end_job(ctx, job_id)


def lock_snapshot_vm(session: Any, vm_id: str) -> None:
    session.execute(select(m.Vm.id).where(m.Vm.id == vm_id).with_for_update())


# -- the vNICs a snapshot holds ---------------------------------------------------------------

class SnapshotNicEntity:
    """A vNIC of a snapshot, read from what the snapshot keeps."""

    def __init__(self, snapshot: m.Snapshot, data: dict[str, Any]) -> None:
        self.__dict__.update({name: data.get(name) for name in _NIC_ATTRIBUTES})
        self.vm_id = snapshot.vm_id
        self.template_id = None
        self.model_extras = None
        self.href = f"{API_PREFIX}/vms/{snapshot.vm_id}/snapshots/{snapshot.id}/nics/{self.id}"


def snapshot_nics(snapshot: m.Snapshot) -> list[SnapshotNicEntity]:
    return [SnapshotNicEntity(snapshot, data) for data in snapshot.nics or []]


# -- what one snapshot holds, below it ----------------------------------------------------------

def _snapshot_at(ctx: RequestContext, vm_id: str, snapshot_id: str) -> m.Snapshot:
    snapshot = crud.get_or_404(ctx, ctx.registry.get("vms/snapshots"), snapshot_id, vm_id)
    return snapshot


def _held_disks(ctx: RequestContext, snapshot: m.Snapshot) -> list[m.SnapshotDisk]:
    """The disks a snapshot holds; those of the active snapshot are the VM's disks as they are."""
    if snapshot.snapshot_type != "active":
        return list(ctx.session.scalars(select(m.SnapshotDisk).where(m.SnapshotDisk.snapshot_id == snapshot.id)
                                        .order_by(m.SnapshotDisk.name, m.SnapshotDisk.disk_id)))
    vm = ctx.session.get(m.Vm, snapshot.vm_id)
    assert vm is not None
    held = []
    for attachment, disk in _attached_disks(ctx, vm):
        image = _image_of(snapshot, attachment, disk)
        image.status = disk.status
        held.append(image)
    return held


def _held_nics(ctx: RequestContext, snapshot: m.Snapshot) -> list[SnapshotNicEntity]:
    if snapshot.snapshot_type != "active":
        return snapshot_nics(snapshot)
    vm = ctx.session.get(m.Vm, snapshot.vm_id)
    assert vm is not None
    return [SnapshotNicEntity(snapshot, data) for data in _nics(ctx, vm)]


def _one(items: list[Any], label: str, entity_id: str) -> Any:
    for item in items:
        if item.id == entity_id:
            return item
    raise NotFound(f"Entity not found: {label}: id={entity_id}")


def list_snapshot_disks(ctx: RequestContext, vm_id: str, snapshot_id: str) -> CollectionResult:
    return CollectionResult(SnapshotDisk, crud.at_most(ctx, _held_disks(ctx, _snapshot_at(ctx, vm_id, snapshot_id))))


def get_snapshot_disk(ctx: RequestContext, vm_id: str, snapshot_id: str, disk_id: str) -> EntityResult:
    return EntityResult(SnapshotDisk, _one(_held_disks(ctx, _snapshot_at(ctx, vm_id, snapshot_id)), "Disk", disk_id))


def list_snapshot_nics(ctx: RequestContext, vm_id: str, snapshot_id: str) -> CollectionResult:
    return CollectionResult(SnapshotNic, crud.at_most(ctx, _held_nics(ctx, _snapshot_at(ctx, vm_id, snapshot_id))))


def get_snapshot_nic(ctx: RequestContext, vm_id: str, snapshot_id: str, nic_id: str) -> EntityResult:
    return EntityResult(SnapshotNic, _one(_held_nics(ctx, _snapshot_at(ctx, vm_id, snapshot_id)), "Nic", nic_id))


# -- a new VM from a snapshot -------------------------------------------------------------------

def source_of(ctx: RequestContext, refs: Optional[list[dict[str, Any]]]) -> Optional[m.Snapshot]:
    """The snapshot a new VM is cloned from (``<vm><snapshots><snapshot id=…>``), checked."""
    if not refs:
        return None
    snapshot_id = (refs[0] or {}).get("id")
    snapshot = ctx.session.get(m.Snapshot, snapshot_id) if isinstance(snapshot_id, str) else None
    if snapshot is None:
        raise entity_not_found("Snapshot", f"id={snapshot_id}")
    if snapshot.snapshot_status != "ok":
        raise cannot("add VM", "The snapshot is locked or in preview. Please try again in a few minutes")
    if snapshot.snapshot_type != "regular":
        raise cannot("add VM", "A VM can be cloned only from a regular snapshot")
    return snapshot


def configure_from(ctx: RequestContext, snapshot: m.Snapshot, data: dict[str, Any]) -> None:
    """A new VM's attributes the request leaves out, from the snapshot; its template is the source VM's."""
    for name, value in (snapshot.configuration or {}).items():
        if name in CONFIGURATION:
            data.setdefault(name, value)
    source = ctx.session.get(m.Vm, snapshot.vm_id)
    if source is not None:
        data["template_id"] = source.template_id


def clone_disks_and_nics(ctx: RequestContext, snapshot: m.Snapshot, vm: m.Vm) -> Optional[m.Job]:
    """Give a VM cloned from a snapshot copies of the disks (as the snapshot holds them) and the
    vNICs (with MACs of its own) the snapshot keeps; the VM is image-locked while its disks copy."""
    images = list(ctx.session.scalars(select(m.SnapshotDisk).where(m.SnapshotDisk.snapshot_id == snapshot.id)
                                      .order_by(m.SnapshotDisk.name, m.SnapshotDisk.disk_id)))
    for image in images:
        copy = m.Disk(name=image.name, description=image.description, provisioned_size=image.provisioned_size,
                      actual_size=image.actual_size, format=image.format, sparse=image.sparse,
                      storage_domain_id=image.storage_domain_id, storage_type=image.storage_type,
                      content_type=image.content_type, status="locked")
        ctx.session.add(copy)
        ctx.session.flush()
        attachment = m.DiskAttachment(disk_id=copy.id, vm_id=vm.id, interface=image.interface,
                                      bootable=image.bootable, active=True)
        ctx.session.add(attachment)
        devices.add_disk_device(ctx, vm.id, attachment)
        transitions.schedule(ctx, "disk", copy.id, "ok")
    pool_id = macs.nic_pool_id(ctx.session, vm.cluster_id)
    for held in snapshot.nics or []:
        nic = m.Nic(vm_id=vm.id, name=held.get("name") or "nic1", interface=held.get("interface") or "virtio",
                    vnic_profile_id=held.get("vnic_profile_id"), mac=macs.allocate_mac(ctx, vm.cluster_id),
                    mac_pool_id=pool_id, linked=bool(held.get("linked", True)), plugged=bool(held.get("plugged", True)))
        ctx.session.add(nic)
        ctx.session.flush()
        devices.add_nic_device(ctx, nic)
    if not images:
        return None
    vm.status = "image_locked"
    return jobs.start_job(ctx, f"Creating VM {vm.name} from Snapshot {snapshot.description}")
