"""SSO tokens, HTTP Basic credentials and the users they belong to.

The admin user exists from the moment the schema does (:func:`create_admin`, and every scenario
through :func:`ensure_admin`), with the id the engine gives ``admin@internal``, so that
authenticating only reads. Credentials are compared as UTF-8 bytes in constant time. An SSO
token is handed to its client once; the database keeps only its SHA-256 hash.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine_api.models import SsoToken, User, utcnow

if TYPE_CHECKING:
    from engine_api.db import Database

TOKEN_LIFETIME = dt.timedelta(hours=10)
INTERNAL_DOMAINS = ("internal", "internal-authz", "ovirt@internalsso", "internalsso")
#: The id the engine gives its built-in ``admin@internal`` user.
ADMIN_USER_ID = "fdfc627c-d875-11e0-90f0-83df133b58cc"


class AuthenticationFailed(Exception):
    pass


@dataclass(frozen=True)
class IssuedToken:
    """An SSO access token as its client gets it (the database keeps its hash only)."""

    token: str
    user_id: str
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    """The SHA-256 of a token as the database keeps it (hex)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# -- the admin user ---------------------------------------------------------------------------------

def find_user(session: Session, user_name: str) -> Optional[User]:
    return session.scalars(select(User).where(User.user_name == user_name)).first()


def ensure_admin(session: Session, user_name: str) -> User:
    """The admin user, added when the database has none; it takes the engine's admin id when free."""
    user = find_user(session, user_name)
    if user is None:
        name = user_name.split("@", 1)[0]
        user = User(name=name, user_name=user_name, domain="internal-authz", principal=name)
        if session.get(User, ADMIN_USER_ID) is None:
            user.id = ADMIN_USER_ID
        session.add(user)
        session.flush()
    return user


def create_admin(db: "Database", user_name: str) -> None:
    """Add the admin user to a database whose schema was just created, unless it has one.

    Safe when several processes start on one database at once: the one that loses the race finds
    the winner's row.
    """
    try:
        with db.transaction(immediate=True) as session:
            ensure_admin(session, user_name)
    except IntegrityError:
        with db.transaction() as session:
            if find_user(session, user_name) is None:
                raise


# -- credentials -----------------------------------------------------------------------------------

def _canonical(user_name: str) -> tuple[str, str]:
    name, _, domain = user_name.partition("@")
    return name, domain or "internal"


def _same(given: str, expected: str) -> bool:
    """Constant-time equality of two texts as UTF-8 (any text, not only ASCII)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def check_password(user_name: str, password: str, admin_user: str, admin_password: str) -> bool:
    name, domain = _canonical(user_name)
    admin_name, _ = _canonical(admin_user)
    name_ok = _same(name, admin_name) and domain in INTERNAL_DOMAINS
    return _same(password, admin_password) and name_ok


def issue_token(session: Session, user_name: str, password: str, admin_user: str, admin_password: str) -> IssuedToken:
    if not check_password(user_name, password, admin_user, admin_password):
        raise AuthenticationFailed(f"Cannot authenticate user '{user_name}': The username or password is incorrect.")
    user = find_user(session, admin_user)
    if user is None:
        raise AuthenticationFailed(f"Cannot authenticate user '{user_name}': The user is not known to the engine.")
    issued = IssuedToken(token=secrets.token_urlsafe(48), user_id=user.id, expires_at=utcnow() + TOKEN_LIFETIME)
    session.add(SsoToken(token_hash=token_hash(issued.token), user_id=user.id, expires_at=issued.expires_at))
    return issued


def revoke_token(session: Session, token: str) -> None:
    session.execute(delete(SsoToken).where(SsoToken.token_hash == token_hash(token)))


def user_for_token(session: Session, token: str) -> Optional[User]:
    return session.scalars(
        select(User).join(SsoToken, SsoToken.user_id == User.id).where(
            SsoToken.token_hash == token_hash(token), SsoToken.expires_at > utcnow()
        )
    ).first()


def user_for_basic(session: Session, user_name: str, password: str, admin_user: str, admin_password: str) -> Optional[User]:
    if not check_password(user_name, password, admin_user, admin_password):
        return None
    return find_user(session, admin_user)
