"""User accounts: e-mail, argon2id password hash, plan, admin flag.

Passwords are hashed with argon2id (argon2-cffi defaults, RFC 9106); hashing takes tens of
milliseconds, so the async routes call these functions through a thread pool.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend_stub.api.errors import BadRequest, Conflict
from backend_stub.config import PLANS, Plan



class Passwords:
    """argon2id hashing at a configured cost; verifying an unknown account costs the same as a known one."""

    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        self._dummy = self._hasher.hash("reelbox-no-such-user")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def matches(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` fits ``password_hash``; None (unknown account) still spends the work."""
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True, kw_only=True)
class User:
    id: int
    email: str
    plan: Plan
    is_admin: bool


def normalise_email(email: str) -> str:
    e = email.strip().lower()
    if "@" not in e or len(e) > 254 or e.startswith("@") or e.endswith("@"):
        raise BadRequest("not an e-mail address", code="bad_email")
    return e


def _row_to_user(row: dict) -> User:
    return User(id=row["id"], email=row["email"], plan=PLANS[row["plan"]], is_admin=bool(row["is_admin"]))


def create_user(
    db: sqlite_utils.Database, *, email: str, password_hash: str, plan: str, is_admin: bool, now: float
) -> User:
    if plan not in PLANS:
        raise BadRequest(f"unknown plan {plan!r}; choose one of {', '.join(PLANS)}", code="bad_plan")
    try:
        cur = db.execute(
            "INSERT INTO users (email, password_hash, plan, is_admin, created_at) VALUES (?, ?, ?, ?, ?)",
            [email, password_hash, plan, int(is_admin), now],
        )
    except sqlite3.IntegrityError:
        raise Conflict("an account with this e-mail already exists", code="email_taken") from None
    return User(id=int(cur.lastrowid or 0), email=email, plan=PLANS[plan], is_admin=is_admin)


def find_by_email(db: sqlite_utils.Database, email: str) -> tuple[User, str] | None:
    """The user and their password hash, or None."""
    rows = list(db.query("SELECT * FROM users WHERE email = ?", [email]))
    return (_row_to_user(rows[0]), rows[0]["password_hash"]) if rows else None


def get_user(db: sqlite_utils.Database, user_id: int) -> User | None:
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return _row_to_user(rows[0]) if rows else None


def ensure_user(
    db: sqlite_utils.Database, passwords: Passwords, *, email: str, password: str, plan: str, is_admin: bool, now: float
) -> User:
    """Create the account unless it exists (the demo user on every start)."""
    found = find_by_email(db, email)
    if found:
        return found[0]
    return create_user(db, email=email, password_hash=passwords.hash(password), plan=plan, is_admin=is_admin, now=now)


def ensure_admin(db: sqlite_utils.Database, passwords: Passwords, *, email: str, password: str, now: float) -> User:
    """The operator's administrator (``reelbox backend`` with ``REELBOX_ADMIN_EMAIL``/``_PASSWORD``): created,
    or an existing account given this password and the admin flag, so the environment is the truth."""
    address = normalise_email(email)
    found = find_by_email(db, address)
    if found is None:
        return create_user(db, email=address, password_hash=passwords.hash(password), plan="premium", is_admin=True,
                           now=now)
    db.execute("UPDATE users SET password_hash = ?, is_admin = 1 WHERE id = ?", [passwords.hash(password), found[0].id])
    return User(id=found[0].id, email=address, plan=found[0].plan, is_admin=True)
