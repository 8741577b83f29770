"""The collections of the system concept: events, jobs and users."""
from __future__ import annotations

from engine_api import models as m
from engine_api.services.registry import CollectionDef, Concept
from engine_api.system import schemas as t
from engine_api.system import search
from engine_api.system.service import (
    add_event,
    add_job,
    add_user,
    clear_job,
    end_job,
    events_query,
    remove_user,
)

EVENTS = CollectionDef(
    "events", t.Event, m.Event, "Event", order_by=("-id",), list_query=events_query, add=add_event,
    search=search.EVENTS)
JOBS = CollectionDef(
    "jobs", t.Job, m.Job, "Job", order_by=("-start_time", "id"), add=add_job, removable=False,
    actions={"clear": clear_job, "end": end_job}, search=search.JOBS)
USERS = CollectionDef(
    "users", t.User, m.User, "User", order_by=("user_name",), add=add_user, remove=remove_user,
    search=search.USERS)

CONCEPT = Concept("system", "Events, jobs and users", (EVENTS, JOBS, USERS))
