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
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine_api.models import SsoToken, User, utcnow
from engine_api.permissions.access import admin_role_held, holds_admin_role

if TYPE_CHECKING:
    from engine_api.db import Database

TOKEN_LIFETIME = dt.timedelta(hours=10)
#: How long a persistent-auth session lasts without a ``Session-TTL`` (the engine's default, minutes).
SESSION_MINUTES = 30
#: The cookie a persistent-auth session is carried in.
SESSION_COOKIE = "JSESSIONID"
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
    """The admin user, added when the database has none; it takes the engine's admin id when free,
    and holds ``SuperUser`` on the system."""
    from engine_api.permissions.service import ensure_super_user

    user = find_user(session, user_name)
    if user is None:
        name = user_name.split("@", 1)[0]
        user = User(name=name, user_name=user_name, domain="internal-authz", principal=name)
        if session.get(User, ADMIN_USER_ID) is None:
            user.id = ADMIN_USER_ID
        session.add(user)
        session.flush()
    ensure_super_user(session, user.id)
    return user


# -- users of the internal domain ----------------------------------------------------------------

#: PBKDF2 iterations of a stored password.
PASSWORD_ITERATIONS = 60_000


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8", "surrogatepass"), salt, PASSWORD_ITERATIONS)
    return f"pbkdf2_sha256${PASSWORD_ITERATIONS}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        given = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8", "surrogatepass"), bytes.fromhex(salt),
                                    int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(given.hex(), digest)


def add_internal_user(session: Session, name: str, password: str) -> User:
    """A user of the internal domain with a password, known to the engine (``name@internal``);
    he logs in once he holds a role that permits login on some object."""
    user_name = f"{name}@internal"
    user = find_user(session, user_name)
    if user is None:
        user = User(name=name, user_name=user_name, domain="internal-authz", principal=name)
        session.add(user)
    user.password_hash = hash_password(password)
    session.flush()
    return user


def internal_user(session: Session, user_name: str, password: str) -> Optional[User]:
    """The internal user these credentials belong to, if he may log in (a role with the login permit)."""
    from engine_api.permissions.access import may_log_in

    name, domain = _canonical(user_name)
    if domain not in INTERNAL_DOMAINS:
        return None
    user = session.scalars(select(User).where(
        User.user_name.in_([f"{name}@{d}" for d in INTERNAL_DOMAINS]), User.password_hash.is_not(None))).first()
    if user is None or not password_matches(password, user.password_hash or "") or not may_log_in(session, user.id):
        return None
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
    if check_password(user_name, password, admin_user, admin_password):
        user = find_user(session, admin_user)
    else:
        user = internal_user(session, user_name, password)
        if user is None:
            raise AuthenticationFailed(
                f"Cannot authenticate user '{user_name}': The username or password is incorrect.")
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


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a user's id and names, held apart from any session."""

    id: str
    user_name: str
    name: str
    administrative: bool = True
    """Whether he holds an administrative role anywhere; a user who does not sees the API as
    ``Filter: true`` shows it, whatever he sends."""

    @classmethod
    def of(cls, user: User, administrative: bool = True) -> "Principal":
        return cls(id=user.id, user_name=user.user_name, name=user.name, administrative=administrative)


class Authenticator:
    """Tells whom Basic credentials or an SSO token belong to, remembering each answer briefly.

    A remembered answer spares the request a database round trip. An answer is kept for
    ``ttl`` seconds at most, and never past the token's expiry; a token revoked through this
    process is forgotten at once, while another worker process sharing the database may still
    take it for up to ``ttl`` seconds.
    """

    def __init__(self, db: "Database", admin_user: str, admin_password: str, ttl: float = 2.0,
                 clock: Callable[[], float] = time.monotonic, capacity: int = 4096) -> None:
        self.db = db
        self.admin_user = admin_user
        self.admin_password = admin_password
        self.ttl = ttl
        self.clock = clock
        self.capacity = capacity
        self._known: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def basic(self, user_name: str, password: str) -> Optional[Principal]:
        if check_password(user_name, password, self.admin_user, self.admin_password):
            def admin(session: Session) -> Optional[tuple[User, bool]]:
                row = session.execute(select(User, admin_role_held()).where(
                    User.user_name == self.admin_user).limit(1)).first()
                return (row[0], bool(row[1])) if row is not None else None

            return self._remembered("basic", admin, None)
        key = "basic:" + token_hash(f"{user_name}\0{password}")

        def internal(session: Session) -> Optional[tuple[User, bool]]:
            user = internal_user(session, user_name, password)
            return (user, holds_admin_role(session, user.id)) if user is not None else None

        return self._remembered(key, internal, None)

    def bearer(self, token: str) -> Optional[Principal]:
        found: list[dt.datetime] = []

        def lookup(session: Session) -> Optional[tuple[User, bool]]:
            row = session.execute(
                select(User, SsoToken.expires_at, admin_role_held()).join(SsoToken, SsoToken.user_id == User.id)
                .where(SsoToken.token_hash == token_hash(token), SsoToken.expires_at > utcnow())
            ).first()
            if row is None:
                return None
            found.append(row[1])
            return row[0], bool(row[2])

        return self._remembered("bearer:" + token_hash(token), lookup, found)

    def open_session(self, principal: Principal, minutes: Optional[float] = None) -> str:
        """A session for ``Prefer: persistent-auth``: a token the client sends back as its
        ``JSESSIONID`` cookie, valid for ``minutes`` (``Session-TTL``, default 30)."""
        token = secrets.token_urlsafe(32)
        lifetime = dt.timedelta(minutes=minutes if minutes is not None and minutes > 0 else SESSION_MINUTES)
        with self.db.transaction() as session:
            session.add(SsoToken(token_hash=token_hash(token), user_id=principal.id, expires_at=utcnow() + lifetime))
        return token

    def forget_token(self, token: str) -> None:
        with self._lock:
            self._known.pop("bearer:" + token_hash(token), None)

    def forget_all(self) -> None:
        with self._lock:
            self._known.clear()

    def _remembered(self, key: str, lookup: Callable[[Session], Optional[tuple[User, bool]]],
                    expiry: Optional[list[dt.datetime]]) -> Optional[Principal]:
        now = self.clock()
        known = self._known.get(key)
        if known is not None and known[0] > now:
            return known[1]
        from engine_api.db import refuse_writes

        with self.db.transaction() as session:
            refuse_writes(session, "authentication")
            found = lookup(session)
            principal = Principal.of(*found) if found is not None else None
        if principal is None:
            return None
        until = now + self.ttl
        if expiry:
            until = min(until, now + (expiry[0] - utcnow()).total_seconds())
        with self._lock:
            if len(self._known) >= self.capacity:
                self._known.clear()
            self._known[key] = (until, principal)
        return principal


def user_for_basic(session: Session, user_name: str, password: str, admin_user: str, admin_password: str) -> Optional[User]:
    if not check_password(user_name, password, admin_user, admin_password):
        return None
    return find_user(session, admin_user)
