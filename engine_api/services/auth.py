"""SSO tokens, HTTP Basic credentials and the users they belong to."""
from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine_api.models import SsoToken, User, utcnow

TOKEN_LIFETIME = dt.timedelta(hours=10)
INTERNAL_DOMAINS = ("internal", "internal-authz", "ovirt@internalsso", "internalsso")


class AuthenticationFailed(Exception):
    pass


def ensure_admin(session: Session, user_name: str) -> User:
    user = session.scalars(select(User).where(User.user_name == user_name)).first()
    if user is None:
        name = user_name.split("@", 1)[0]
        user = User(name=name, user_name=user_name, domain="internal-authz", principal=name)
        session.add(user)
        session.flush()
    return user


def _canonical(user_name: str) -> tuple[str, str]:
    name, _, domain = user_name.partition("@")
    return name, domain or "internal"


def check_password(user_name: str, password: str, admin_user: str, admin_password: str) -> bool:
    name, domain = _canonical(user_name)
    admin_name, _ = _canonical(admin_user)
    name_ok = hmac.compare_digest(name, admin_name) and domain in INTERNAL_DOMAINS
    return name_ok and hmac.compare_digest(password.encode(), admin_password.encode())


def issue_token(session: Session, user_name: str, password: str, admin_user: str, admin_password: str) -> SsoToken:
    if not check_password(user_name, password, admin_user, admin_password):
        raise AuthenticationFailed(f"Cannot authenticate user '{user_name}': The username or password is incorrect.")
    user = ensure_admin(session, admin_user)
    token = SsoToken(token=secrets.token_urlsafe(48), user_id=user.id, expires_at=utcnow() + TOKEN_LIFETIME)
    session.add(token)
    return token


def revoke_token(session: Session, token: str) -> None:
    session.execute(delete(SsoToken).where(SsoToken.token == token))


def user_for_token(session: Session, token: str) -> Optional[User]:
    row = session.execute(
        select(User).join(SsoToken, SsoToken.user_id == User.id).where(
            SsoToken.token == token, SsoToken.expires_at > utcnow()
        )
    ).scalars().first()
    return row


def user_for_basic(session: Session, user_name: str, password: str, admin_user: str, admin_password: str) -> Optional[User]:
    if not check_password(user_name, password, admin_user, admin_password):
        return None
    return ensure_admin(session, admin_user)
