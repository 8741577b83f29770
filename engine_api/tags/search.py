"""``tag=`` in the search of tagged objects: the objects tagged with a matching tag or one below it."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from engine_api import models as m
from engine_api.search import SearchField

#: The tag a ``tag=`` condition compares (its name); the objects found carry it or a tag below it.
MATCHED = aliased(m.Tag, name="matched_tag")


def tag_field(object_type: str, object_id: Any) -> SearchField:
    """The ``tag`` search field of one kind of tagged object whose id column is ``object_id``."""
    carried = aliased(m.Tag, name="carried_tag")

    def via(predicate: Any) -> Any:
        return (select(m.TagAssignment.object_id)
                .join(carried, carried.id == m.TagAssignment.tag_id)
                .join(MATCHED, carried.path.startswith(MATCHED.path))
                .where(m.TagAssignment.object_type == object_type, m.TagAssignment.object_id == object_id,
                       predicate)
                .correlate_except(m.TagAssignment, carried, MATCHED).exists())

    return SearchField("tag", MATCHED.name, aliases=("tag.name", "tags.name"), via=via)
