"""Console accounts, roles, sessions and login throttling (queries for both stores).

* Passwords: argon2id through argon2-cffi's PasswordHasher with OWASP's recommended
  parameters (19 MiB, 2 passes, 1 lane): memory-hard, yet a burst of login attempts cannot
  take the server's memory (the library default, 64 MiB x 4 lanes, took over a second per
  attempt on a busy 2-core host). Hashes are re-made on login when the parameters change.
* Sessions: the cookie carries a 256-bit random token; the table keeps only its sha256, so a
  leaked database opens no session. Idle 60 min, at most 12 h.
* Throttle: failures counted per account name (known or not, so lock-outs reveal nothing) and
  per client address, in the database so every server process sees them. 10 failures of one
  account within 15 min lock that account for 15 min; 20 from one address lock the address.
  While locked even the right password is refused. Success clears the account's count only.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.db.base import utc_iso
from sync.wire.labels import N_

log = logging.getLogger(__name__)

USER_TABLES = """
    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        password_changed_at TEXT NOT NULL,
        must_change INTEGER NOT NULL DEFAULT 0,
        disabled_at TEXT
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX sessions_user ON sessions (username);
    CREATE TABLE login_throttle (
        key TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        first_at TEXT NOT NULL,
        locked_until TEXT
    )
"""

# role -> what its scope names
ROLES = {"region_admin": "region", "hall_supervisor": "hall", "window_staff": "staff",
         "auditor": "region"}
ROLE_LABELS = {"region_admin": N_("Region administrator"),
               "hall_supervisor": N_("Hall supervisor"),
               "window_staff": N_("Window staff"), "auditor": N_("Auditor")}
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10
ACCOUNT_LIMIT, ADDRESS_LIMIT = 10, 20
WINDOW = LOCK = timedelta(minutes=15)
IDLE, MAX_AGE = timedelta(minutes=60), timedelta(hours=12)

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY = _hasher.hash("not a password " + secrets.token_hex(8))  # same cost for unknown users


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str
    scope: str
    created_at: str
    must_change: bool
    disabled_at: str | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


COLS = "username, display_name, role, scope, created_at, must_change, disabled_at"


def _account(row) -> Account:
    return Account(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])


def check_username(name: str) -> str:
    name = (name or "").strip().lower()
    if not USERNAME_RE.match(name):
        raise ValueError(N_("user names are 2 to 40 lower-case letters, digits, '.', '_' or '-'"))
    return name


def check_password(password: str, username: str = "") -> str:
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(N_("a password needs at least 10 characters"))
    if username and username.lower() in password.lower():
        raise ValueError(N_("a password must not contain the user name"))
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- accounts (writers take the caller's transaction, so the audit entry joins it) ---------------
def add(tx, username: str, display_name: str, password: str, role: str, scope: str,
        must_change: bool = False) -> Account:
    if role not in ROLES:
        raise ValueError(N_("unknown role"))
    now = utc_iso()
    tx.q("INSERT INTO users (username, display_name, password_hash, role, scope, created_at, "
         "password_changed_at, must_change) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
         "ON CONFLICT (username) DO NOTHING",
         [username, display_name, hash_password(password), role, scope, now, now,
          int(must_change)])
    if tx.cursor.rowcount != 1:
        raise ValueError(N_("that user name is taken"))
    return Account(username, display_name, role, scope, now, must_change, None)


def get(store, username: str) -> Account | None:
    with store.transaction(write=False) as tx:
        row = tx.one(f"SELECT {COLS} FROM users WHERE username = ?", [username])
    return _account(row) if row else None


def all_accounts(store) -> list[Account]:
    with store.transaction(write=False) as tx:
        return [_account(r) for r in tx.all(f"SELECT {COLS} FROM users ORDER BY username")]


def set_password(tx, username: str, password: str, must_change: bool = False) -> bool:
    """New hash; every session of the user ends (they log in again with the new one)."""
    tx.q("UPDATE users SET password_hash = ?, password_changed_at = ?, must_change = ? "
         "WHERE username = ?", [hash_password(password), utc_iso(), int(must_change), username])
    done = tx.cursor.rowcount == 1
    tx.q("DELETE FROM sessions WHERE username = ?", [username])
    return done


def set_disabled(tx, username: str, disabled: bool) -> bool:
    tx.q("UPDATE users SET disabled_at = ? WHERE username = ?",
         [utc_iso() if disabled else None, username])
    done = tx.cursor.rowcount == 1
    if disabled:
        tx.q("DELETE FROM sessions WHERE username = ?", [username])
    return done


def set_role(tx, username: str, role: str, scope: str, display_name: str) -> bool:
    if role not in ROLES:
        raise ValueError(N_("unknown role"))
    tx.q("UPDATE users SET role = ?, scope = ?, display_name = ? WHERE username = ?",
         [role, scope, display_name, username])
    return tx.cursor.rowcount == 1


# -- login ------------------------------------------------------------------------------------
def locked_until(store, username: str, address: str, now: datetime) -> str | None:
    """The later lock-out end of the account and the address, when either is locked now."""
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT locked_until FROM login_throttle WHERE key IN (?, ?) "
                      "AND locked_until > ?", [f"user:{username}", f"addr:{address}",
                                               utc_iso(now)])
    return max((r[0] for r in rows), default=None)


def _fail(tx, key: str, limit: int, now: datetime) -> None:
    stale = utc_iso(now - WINDOW)
    tx.q("INSERT INTO login_throttle (key, failures, first_at) VALUES (?, 1, ?) "
         "ON CONFLICT (key) DO UPDATE SET "
         "failures = CASE WHEN login_throttle.first_at < ? THEN 1 "
         "ELSE login_throttle.failures + 1 END, "
         "first_at = CASE WHEN login_throttle.first_at < ? THEN excluded.first_at "
         "ELSE login_throttle.first_at END", [key, utc_iso(now), stale, stale])
    tx.q("UPDATE login_throttle SET locked_until = ?, failures = 0, first_at = ? "
         "WHERE key = ? AND failures >= ?", [utc_iso(now + LOCK), utc_iso(now), key, limit])
    if tx.cursor.rowcount:
        log.warning("login locked for %s until %s", key.split(":", 1)[0], utc_iso(now + LOCK))


def authenticate(store, username: str, password: str, address: str,
                 now: datetime | None = None) -> tuple[Account | None, str | None]:
    """(account, None) on success; (None, why) otherwise, why being "locked" or "invalid".
    Never says whether the user exists."""
    now = now or datetime.now(timezone.utc)
    username = (username or "").strip().lower()[:64]
    if locked_until(store, username, address, now):
        return None, "locked"
    with store.transaction(write=False) as tx:
        row = tx.one(f"SELECT {COLS}, password_hash FROM users WHERE username = ?", [username])
    stored = row[7] if row else _DUMMY
    try:
        ok = _hasher.verify(stored, password or "") and row is not None and row[6] is None
    except (VerificationError, InvalidHashError):
        ok = False
    with store.transaction() as tx:
        if not ok:
            _fail(tx, f"user:{username}", ACCOUNT_LIMIT, now)
            _fail(tx, f"addr:{address}", ADDRESS_LIMIT, now)
            return None, "invalid"
        tx.q("DELETE FROM login_throttle WHERE key = ?", [f"user:{username}"])
        if _hasher.check_needs_rehash(stored):
            tx.q("UPDATE users SET password_hash = ? WHERE username = ?",
                 [hash_password(password), username])
    return _account(row), None


def verify_password(store, username: str, password: str) -> bool:
    with store.transaction(write=False) as tx:
        row = tx.one("SELECT password_hash FROM users WHERE username = ?", [username])
    try:
        return bool(row) and _hasher.verify(row[0], password or "")
    except (VerificationError, InvalidHashError):
        return False


# -- sessions -----------------------------------------------------------------------------------
def new_session(store, username: str, address: str, now: datetime | None = None) -> str:
    """A fresh session token (only its hash is stored); the caller sets it as a cookie."""
    now = now or datetime.now(timezone.utc)
    token = secrets.token_urlsafe(32)
    with store.transaction() as tx:
        tx.q("DELETE FROM sessions WHERE expires_at < ?", [utc_iso(now)])
        tx.q("INSERT INTO sessions (token_hash, username, created_at, seen_at, expires_at, "
             "address) VALUES (?, ?, ?, ?, ?, ?)",
             [token_hash(token), username, utc_iso(now), utc_iso(now),
              utc_iso(now + MAX_AGE), address[:64]])
    return token


def session_account(store, token: str, now: datetime | None = None) -> Account | None:
    """The active account of a live session (idle < 60 min, age < 12 h), else None. Touches
    seen_at at most once a minute so reading pages stays read-mostly."""
    now = now or datetime.now(timezone.utc)
    digest = token_hash(token)
    with store.transaction(write=False) as tx:
        columns = ", ".join("u." + c for c in COLS.split(", "))
        row = tx.one(f"SELECT s.seen_at, s.expires_at, {columns} "
                     "FROM sessions s JOIN users u ON u.username = s.username "
                     "WHERE s.token_hash = ?", [digest])
    if row is None or row[1] <= utc_iso(now) or row[0] <= utc_iso(now - IDLE) or row[8]:
        return None
    if row[0] < utc_iso(now - timedelta(minutes=1)):
        with store.transaction() as tx:
            tx.q("UPDATE sessions SET seen_at = ? WHERE token_hash = ?", [utc_iso(now), digest])
    return _account(row[2:])


def end_session(store, token: str) -> None:
    with store.transaction() as tx:
        tx.q("DELETE FROM sessions WHERE token_hash = ?", [token_hash(token)])
