"""The collections of tags, and of the tags assigned to VMs, hosts, templates and users."""
from __future__ import annotations

from engine_api import models as m
from engine_api.hosts.collections import HOSTS
from engine_api.services.registry import CollectionDef, Concept
from engine_api.system.collections import USERS
from engine_api.tags import schemas as t
from engine_api.tags import service
from engine_api.vms.collections import TEMPLATES, VMS

TAGS = CollectionDef("tags", t.Tag, m.Tag, "Tag", order_by=("path",), add=service.add_tag,
                     update=service.update_tag, remove=service.remove_tag)
ASSIGNED_TAGS = tuple(
    CollectionDef("tags", t.AssignedTag, service.AssignedTagEntity, "Tag", parent=parent, order_by=(),
                  compute=service.tags_of(parent.rel), add=service.assign(parent.rel),
                  remove=service.unassign(parent.rel))
    for parent in (VMS, HOSTS, TEMPLATES, USERS))

CONCEPT = Concept("tags", "Tags, in their hierarchy and on the objects they are assigned to",
                  (TAGS, *ASSIGNED_TAGS), forget=(service.forget_object,))
