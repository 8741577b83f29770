"""Session login with ``Prefer: persistent-auth``: a JSESSIONID cookie instead of credentials."""
from __future__ import annotations

import datetime as dt

import requests
from sqlalchemy import func, select

from engine_api import models as m

PREFER = {"Prefer": "persistent-auth", "Accept": "application/json"}


def _sessions(engine) -> int:
    with engine.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(m.SsoToken))


def test_the_first_answer_sets_a_session_cookie_later_requests_send_instead(engine):
    before = _sessions(engine)
    first = requests.get(engine.url, auth=(engine.username, engine.password), headers=PREFER)
    assert first.status_code == 200
    cookie = first.cookies.get("JSESSIONID")
    assert cookie and "HttpOnly" in first.headers["Set-Cookie"] and "Path=/ovirt-engine/api" in first.headers["Set-Cookie"]
    assert _sessions(engine) == before + 1
    again = requests.get(engine.url + "/vms", headers=PREFER, cookies={"JSESSIONID": cookie})
    assert again.status_code == 200 and "Set-Cookie" not in again.headers
    # Credentials with the session's cookie keep the session: no second one.
    requests.get(engine.url, auth=(engine.username, engine.password), headers=PREFER, cookies={"JSESSIONID": cookie})
    assert _sessions(engine) == before + 1


def test_without_prefer_or_with_an_unknown_cookie_credentials_are_needed(engine):
    first = requests.get(engine.url, auth=(engine.username, engine.password), headers=PREFER)
    cookie = first.cookies["JSESSIONID"]
    assert requests.get(engine.url, cookies={"JSESSIONID": cookie}).status_code == 401
    unknown = requests.get(engine.url, headers=PREFER, cookies={"JSESSIONID": "not-a-session"})
    assert unknown.status_code == 401
    assert unknown.json()["detail"] == "The session has expired or is not known: log in again"
    plain = requests.get(engine.url, auth=(engine.username, engine.password))
    assert plain.status_code == 200 and "Set-Cookie" not in plain.headers
    refused = requests.get(engine.url, auth=(engine.username, "wrong"), headers=PREFER)
    assert refused.status_code == 401 and "Set-Cookie" not in refused.headers


def test_session_ttl_sets_the_sessions_lifetime_in_minutes(engine):
    requests.get(engine.url, auth=(engine.username, engine.password), headers={**PREFER, "Session-TTL": "1"})
    with engine.db.transaction() as session:
        newest = session.scalars(select(m.SsoToken).order_by(m.SsoToken.expires_at.desc())).first()
        left = (newest.expires_at - m.utcnow()).total_seconds()
    assert 0 < left <= dt.timedelta(minutes=1).total_seconds()
