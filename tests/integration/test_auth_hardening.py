"""Authentication over a real socket: any credentials are a 401 fault or the SSO error, never a 500;
tokens are kept as hashes; the admin user exists from the start, so authenticating never writes."""
from __future__ import annotations

import base64
import hashlib
import http.client
import urllib.parse

import pytest
import requests
from lxml import etree
from sqlalchemy import select

from engine_api import models as m
from engine_api.system.auth import ADMIN_USER_ID
from tests.helpers import row_counts

pytestmark = pytest.mark.scenario("demo")

JSON = {"Accept": "application/json"}


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _raw_get(engine, authorization: bytes, accept: str = "application/xml") -> tuple[int, dict[str, str], bytes]:
    """GET the API root with an Authorization header sent byte for byte."""
    url = urllib.parse.urlsplit(engine.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest("GET", url.path)
        connection.putheader("Authorization", authorization)
        connection.putheader("Accept", accept)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _sso(engine) -> str:
    return engine.url.split("/ovirt-engine")[0] + "/ovirt-engine"


def _assert_xml_fault(status: int, headers: dict[str, str], body: bytes) -> etree._Element:
    assert status == 401
    assert "Basic" in headers["www-authenticate"] and "Bearer" in headers["www-authenticate"]
    assert headers["content-type"].startswith("application/xml")
    fault = etree.fromstring(body)
    assert fault.tag == "fault" and fault.findtext("reason") == "Unauthorized"
    assert fault.findtext("detail")
    return fault


@pytest.mark.parametrize("authorization", [
    b"Basic \xc3\xa4dmin:admin",  # raw UTF-8, not base64
    b"Basic \xff\xfe\xfd",  # raw bytes that are no text at all
    b"Basic " + base64.b64encode(b"admin@internal:\xff\xfe"),  # base64 of bytes that are not UTF-8
    b"Basic " + base64.b64encode("\u00e4dmin@internal:admin".encode()),  # a user name beyond ASCII
    b"Basic " + base64.b64encode("admin@internal:p\u00e4ss".encode()),  # a password beyond ASCII
    b"Basic bm8tY29sb24=",  # base64 of a text without ':'
    b"Bearer \xc3\xa4\xff",
], ids=["raw-utf8", "raw-bytes", "not-utf8", "non-ascii-user", "non-ascii-password", "no-colon", "raw-bearer"])
def test_credentials_beyond_ascii_are_a_401_fault(engine, authorization):
    _assert_xml_fault(*_raw_get(engine, authorization))


def test_a_401_is_a_fault_in_the_negotiated_format(engine):
    xml = requests.get(engine.url + "/vms")
    _assert_xml_fault(xml.status_code, {k.lower(): v for k, v in xml.headers.items()}, xml.content)
    assert "Authentication is required" in etree.fromstring(xml.content).findtext("detail")

    wrong = requests.get(engine.url + "/vms", auth=(engine.username, "wrong"), headers=JSON)
    assert wrong.status_code == 401
    assert wrong.headers["Content-Type"].startswith("application/json")
    assert wrong.headers["WWW-Authenticate"]
    assert wrong.json()["reason"] == "Unauthorized"
    assert "password is incorrect" in wrong.json()["detail"]

    bearer = requests.get(engine.url + "/vms", headers={"Authorization": "Bearer nonsense", **JSON})
    assert bearer.status_code == 401 and "access token" in bearer.json()["detail"]


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_sso_with_a_user_name_beyond_ascii_is_the_sso_error(engine, method):
    params = {"grant_type": "password", "scope": "ovirt-app-api", "username": "\u00e4dmin@internal",
              "password": engine.password}
    if method == "POST":
        answer = requests.post(_sso(engine) + "/sso/oauth/token", data=params, headers=JSON)
    else:  # moVirt sends its credentials in the query string
        answer = requests.get(_sso(engine) + "/sso/oauth/token", params=params, headers=JSON)
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["error_code"] == "access_denied"
    assert "\u00e4dmin@internal" in answer.json()["error"]


def test_a_password_beyond_ascii_is_compared_as_utf8(engine):
    answer = requests.get(_sso(engine) + "/sso/oauth/token", headers=JSON, params={
        "grant_type": "password", "username": engine.username, "password": engine.password + "\u00e4"})
    assert answer.status_code == 400 and answer.json()["error_code"] == "access_denied"


def test_sso_tokens_are_stored_as_their_sha256_and_revoked_by_it(engine):
    issued = requests.get(_sso(engine) + "/sso/oauth/token", headers=JSON, params={
        "grant_type": "password", "scope": "ovirt-app-api", "username": engine.username,
        "password": engine.password})
    assert issued.status_code == 200
    token = issued.json()["access_token"]
    with engine.db.transaction() as session:
        stored = list(session.scalars(select(m.SsoToken.token_hash)))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored

    bearer = {"Authorization": f"Bearer {token}", **JSON}
    assert requests.get(engine.url + "/vms", headers=bearer).status_code == 200
    assert requests.get(engine.url + "/vms", headers={"Authorization": f"Bearer {stored[0]}"}).status_code == 401
    logout = requests.get(_sso(engine) + "/services/sso-logout", params={"token": token})
    assert logout.status_code == 200
    with engine.db.transaction() as session:
        assert list(session.scalars(select(m.SsoToken.token_hash))) == []
    assert requests.get(engine.url + "/vms", headers=bearer).status_code == 401


def test_the_admin_user_exists_with_the_engines_id_before_any_request(engine):
    with engine.db.transaction() as session:
        users = [(user.id, user.user_name) for user in session.scalars(select(m.User))]
    assert users == [(ADMIN_USER_ID, engine.username)]
    root = requests.get(engine.url, auth=(engine.username, engine.password), headers=JSON)
    assert root.status_code == 200
    assert root.json()["authenticated_user"]["id"] == ADMIN_USER_ID


def test_authenticating_never_writes(engine):
    before = row_counts(engine.db)
    for _ in range(2):
        assert requests.get(engine.url, auth=(engine.username, engine.password)).status_code == 200
    assert row_counts(engine.db) == before
    with engine.db.transaction() as session:
        session.delete(session.get(m.User, ADMIN_USER_ID))
    engine.engine.authenticator.forget_all()  # what it checked it remembers for two seconds
    refused = requests.get(engine.url, auth=(engine.username, engine.password), headers=JSON)
    assert refused.status_code == 401 and refused.json()["reason"] == "Unauthorized"
    with engine.db.transaction() as session:
        assert session.scalars(select(m.User)).first() is None


def test_checked_credentials_are_remembered_without_a_query(engine):
    """A second request with the same credentials or token runs no authentication query."""
    token = requests.post(_sso(engine) + "/sso/oauth/token", data={
        "grant_type": "password", "scope": "ovirt-app-api", "username": engine.username,
        "password": engine.password}, headers=JSON).json()["access_token"]
    for headers in ({"Authorization": f"Bearer {token}"}, {}):
        auth = None if headers else (engine.username, engine.password)
        first = requests.get(engine.url + "/clusters", headers=headers, auth=auth)
        second = requests.get(engine.url + "/clusters", headers=headers, auth=auth)
        assert first.status_code == second.status_code == 200
        assert _statements(second) == _statements(first) - 1


def test_a_revoked_token_is_forgotten_at_once(engine):
    token = requests.post(_sso(engine) + "/sso/oauth/token", data={
        "grant_type": "password", "scope": "ovirt-app-api", "username": engine.username,
        "password": engine.password}, headers=JSON).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(engine.url + "/clusters", headers=bearer).status_code == 200
    requests.get(_sso(engine) + "/services/sso-logout", params={"token": token})
    assert requests.get(engine.url + "/clusters", headers=bearer).status_code == 401


def _statements(answer) -> int:
    import re

    return int(re.search(r'desc="(\d+) statements"', answer.headers["Server-Timing"]).group(1))
