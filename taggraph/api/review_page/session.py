"""Sign-in sessions of the review page: a signed cookie and the CSRF token bound to it.

The cookie holds the reviewer's client name, an expiry and a random nonce, signed with
HMAC-SHA256 under the reviewer's own API key. No session store is needed, every worker process
verifies it the same way, and changing or removing a key ends its sessions at once. The CSRF
token of a session is the HMAC of its nonce under the same key: a page's forms carry it, and
a write whose token does not match the cookie's session is refused.
"""

import base64
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from hashlib import sha256

from taggraph.api.security import Principal
from taggraph.settings import ApiSettings, Role

COOKIE = "taggraph_review"


@dataclass(frozen=True)
class Session:
    """A signed-in reviewer.

    Attributes:
        principal: The key's client name and role.
        nonce: The session's random id.
        expires: Unix time the session ends.
        csrf: The token every write of this session must carry.

    """

    principal: Principal
    nonce: str
    expires: int
    csrf: str


def _mac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), sha256).hexdigest()


def _secret(settings: ApiSettings, name: str) -> str | None:
    entry = settings.keys.get(name)
    return entry.key.get_secret_value() if entry is not None else None


def open_session(settings: ApiSettings, principal: Principal, lifetime_s: int) -> tuple[Session, str]:
    """A new session for ``principal`` and the cookie value that carries it."""
    secret = _secret(settings, principal.name)
    if secret is None:
        raise ValueError(f"no key for {principal.name!r}")
    nonce = secrets.token_urlsafe(18)
    expires = int(time.time()) + lifetime_s
    payload = base64.urlsafe_b64encode(
        json.dumps({"n": principal.name, "e": expires, "s": nonce}).encode()
    ).decode()
    session = Session(principal, nonce, expires, _mac(secret, f"csrf:{nonce}"))
    return session, f"{payload}.{_mac(secret, payload)}"


def read_session(settings: ApiSettings, cookie: str | None, revoked: "SignedOut") -> Session | None:
    """The session a cookie carries.

    None when it is missing, forged, expired, signed out, or no longer allowed to review (its
    key was removed, changed or lowered to read).
    """
    if not cookie or len(cookie) > 1024 or cookie.count(".") != 1:
        return None
    payload, signature = cookie.split(".")
    try:
        fields = json.loads(base64.urlsafe_b64decode(payload.encode()))
        name, expires, nonce = str(fields["n"]), int(fields["e"]), str(fields["s"])
    except (ValueError, KeyError, TypeError):
        return None
    secret = _secret(settings, name)
    if secret is None or not hmac.compare_digest(_mac(secret, payload), signature):
        return None
    role = settings.keys[name].level
    if expires <= time.time() or role < Role.REVIEW or revoked.has(nonce):
        return None
    return Session(Principal(name, role), nonce, expires, _mac(secret, f"csrf:{nonce}"))


def csrf_matches(session: Session, token: str | None) -> bool:
    """Whether ``token`` is the session's CSRF token (compared in constant time)."""
    return token is not None and hmac.compare_digest(session.csrf.encode(), token.encode())


def sign_message(session: Session, message: str) -> str:
    """A signature showing the service wrote ``message`` for this session (the page shows no other)."""
    return _mac(session.csrf, f"message:{message}")[:32]


def message_is_signed(session: Session, message: str, signature: str) -> bool:
    """Whether ``signature`` is :func:`sign_message` of ``message`` for this session."""
    return hmac.compare_digest(sign_message(session, message).encode(), signature.encode())


class SignedOut:
    """Nonces of sessions signed out in this process, kept until they would have expired."""

    def __init__(self) -> None:
        self._until: dict[str, int] = {}

    def add(self, session: Session) -> None:
        """Refuse ``session`` from now on."""
        now = time.time()
        self._until = {nonce: until for nonce, until in self._until.items() if until > now}
        self._until[session.nonce] = session.expires

    def has(self, nonce: str) -> bool:
        """Whether the session with ``nonce`` was signed out."""
        return nonce in self._until
