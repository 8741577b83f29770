"""Jobs: long operations the SDK can wait for by correlation id."""
from __future__ import annotations

from engine_api.models import Job
from engine_api.services.context import RequestContext


def start_job(ctx: RequestContext, description: str) -> Job:
    job = Job(
        description=description,
        status="started",
        start_time=ctx.now,
        last_updated=ctx.now,
        correlation_id=ctx.params.correlation_id,
        owner_id=ctx.user_id,
    )
    ctx.session.add(job)
    ctx.session.flush()
    return job


def end_job(ctx: RequestContext, job_id: str | None, status: str = "finished") -> None:
    if not job_id:
        return
    job = ctx.session.get(Job, job_id)
    if job is not None and job.status == "started":
        job.status = status
        job.end_time = ctx.now
        job.last_updated = ctx.now
