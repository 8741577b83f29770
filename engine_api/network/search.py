"""What ``search=`` understands on networks."""
from __future__ import annotations

from engine_api import models as m
from engine_api.search import FieldKind, SearchField, SearchSpec, name_of, named_fields

NETWORKS = SearchSpec(
    entity="Networks", entity_aliases=("Network",),
    fields=[
        *named_fields(m.Network, "name", "description", "id"),
        SearchField("vlanid", m.Network.vlan_id, kind=FieldKind.INT, aliases=("vlan_id",)),
        SearchField("mtu", m.Network.mtu, kind=FieldKind.INT),
        SearchField("datacenter", name_of(m.DataCenter, m.Network.data_center_id),
                    aliases=("datacenter.name", "datacenters.name")),
    ],
    free_text=[m.Network.name, m.Network.description],
    default_sort=[("name", "asc")],
    unique_key=m.Network.id,
)
