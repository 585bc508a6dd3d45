"""Console accounts, roles, sessions and login throttling (queries for both stores).

* Passwords: argon2id (server/db/password_hash.py: OWASP's parameters, at most one hash per
  core at a time). Hashes are re-made on login when the parameters change.
* Sessions: the cookie carries a 256-bit random token; the table keeps only its sha256, so a
  leaked database opens no session. Idle 60 min, at most 12 h.
* Throttle (in the database, so every server process sees it), ASVS 2.2.1: nobody elsewhere
  can lock the real user out, yet guessing at one account stays slow.
  - 10 failures of one account from one address within 15 min lock that (account, address)
    pair for 15 min; 20 failures from one address (any accounts) lock the address.
  - Per account (known or not, so nothing is revealed), from the 5th failure within 15 min
    an address that already failed on it must wait 1, 2, 4 ... 60 s between guesses (429
    "slow"); an address that has not failed on it is never held back.
  - Failures since the last successful login (count, last time) are shown to the owner
    when they next log in. Success clears the account's and the pair's counts, not the
    address's.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from server.db.base import utc_iso
from server.db.password_hash import DUMMY as _DUMMY, hash_password, needs_rehash
from server.db.password_hash import verify as _verify
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
         "auditor": "region", "inspector": "region"}
ROLE_LABELS = {"region_admin": N_("Region administrator"),
               "hall_supervisor": N_("Hall supervisor"),
               "window_staff": N_("Window staff"), "auditor": N_("Auditor"),
               "inspector": N_("Inspector")}  # 督察: records deductions and bonuses (issue 28)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10
PAIR_LIMIT, ADDRESS_LIMIT = 10, 20
SLOW_AFTER, MAX_DELAY_S = 5, 60
WINDOW = LOCK = timedelta(minutes=15)
IDLE, MAX_AGE = timedelta(minutes=60), timedelta(hours=12)



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
def _rows(tx, keys: list[str]) -> dict[str, tuple]:
    marks = ", ".join("?" * len(keys))
    rows = tx.all(f"SELECT key, failures, first_at, locked_until FROM login_throttle "
                  f"WHERE key IN ({marks})", keys)
    return {r[0]: r[1:] for r in rows}


def delay_after(failures: int) -> int:
    """Seconds an address that already failed on an account waits before its next guess at
    it, once the account has `failures` failures in the window (from anywhere)."""
    return 0 if failures < SLOW_AFTER else min(MAX_DELAY_S, 2 ** (failures - SLOW_AFTER))


def check(store, username: str, address: str, now: datetime) -> tuple[str | None, int]:
    """Before any hashing: ("locked", seconds) when the (account, address) pair or the address
    is locked, ("slow", seconds) when this address already failed on an account that is
    being guessed at and its next slot has not come, else (None, 0). A clean address is
    never held back by failures elsewhere."""
    keys = [f"addr:{address}", f"pair:{username}|{address}", f"user:{username}"]
    with store.transaction(write=False) as tx:
        rows = _rows(tx, keys)
    stamp = utc_iso(now)
    waits = [r[2] for k, r in rows.items() if k != keys[2] and r[2] and r[2] > stamp]
    if waits:
        return "locked", _seconds(max(waits), now)
    pair, account = rows.get(keys[1]), rows.get(keys[2])
    if pair and pair[0] > 0 and account and account[2] and account[2] > stamp:
        return "slow", _seconds(account[2], now)
    return None, 0


def _seconds(until: str, now: datetime) -> int:
    return max(1, int((datetime.fromisoformat(until.replace("Z", "+00:00")) - now)
                      .total_seconds() + 0.999))


def _bump(tx, key: str, now: datetime) -> int:
    """One more failure of `key` in the window; the count now."""
    stale = utc_iso(now - WINDOW)
    tx.q("INSERT INTO login_throttle (key, failures, first_at, last_at) VALUES (?, 1, ?, ?) "
         "ON CONFLICT (key) DO UPDATE SET "
         "failures = CASE WHEN login_throttle.first_at < ? THEN 1 "
         "ELSE login_throttle.failures + 1 END, "
         "first_at = CASE WHEN login_throttle.first_at < ? THEN excluded.first_at "
         "ELSE login_throttle.first_at END, last_at = excluded.last_at",
         [key, utc_iso(now), utc_iso(now), stale, stale])
    return int(tx.one("SELECT failures FROM login_throttle WHERE key = ?", [key])[0])


def _lock(tx, key: str, until: datetime, reset: bool) -> None:
    tx.q("UPDATE login_throttle SET locked_until = ?" + (", failures = 0" if reset else "")
         + " WHERE key = ?", [utc_iso(until), key])


def _record_failure(tx, username: str, address: str, now: datetime) -> None:
    if _bump(tx, f"pair:{username}|{address}", now) >= PAIR_LIMIT:
        _lock(tx, f"pair:{username}|{address}", now + LOCK, True)
        log.warning("login locked for one account from one address until %s",
                    utc_iso(now + LOCK))
    if _bump(tx, f"addr:{address}", now) >= ADDRESS_LIMIT:
        _lock(tx, f"addr:{address}", now + LOCK, True)
        log.warning("login locked for an address until %s", utc_iso(now + LOCK))
    failures = _bump(tx, f"user:{username}", now)
    if delay_after(failures):  # the slot of the next guess from an address that failed here
        _lock(tx, f"user:{username}", now + timedelta(seconds=delay_after(failures)), False)
    # Failures since the last successful login (no window): told at the next login.
    tx.q("INSERT INTO login_throttle (key, failures, first_at, last_at) VALUES (?, 1, ?, ?) "
         "ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1, "
         "last_at = excluded.last_at", [f"notice:{username}", utc_iso(now), utc_iso(now)])


def authenticate(store, username: str, password: str, address: str,
                 now: datetime | None = None) -> tuple[Account | None, str | None]:
    """(account, None) on success; (None, why) otherwise, why being "locked", "slow" or
    "invalid". Never says whether the user exists."""
    now = now or datetime.now(timezone.utc)
    username = (username or "").strip().lower()[:64]
    refused, _ = check(store, username, address, now)
    if refused:
        return None, refused
    with store.transaction(write=False) as tx:
        row = tx.one(f"SELECT {COLS}, password_hash FROM users WHERE username = ?", [username])
    stored = row[7] if row else _DUMMY
    ok = _verify(stored, password) and row is not None and row[6] is None
    with store.transaction() as tx:
        if not ok:
            _record_failure(tx, username, address, now)
            return None, "invalid"
        tx.q("DELETE FROM login_throttle WHERE key IN (?, ?)",
             [f"user:{username}", f"pair:{username}|{address}"])
    if needs_rehash(stored):
        with store.transaction() as tx:
            tx.q("UPDATE users SET password_hash = ? WHERE username = ?",
                 [hash_password(password), username])
    return _account(row), None


def clear_locks(tx, username: str) -> None:
    """After a password reset: the account's wait and its locks at every address end."""
    prefix = f"pair:{username}|"
    tx.q("DELETE FROM login_throttle WHERE key = ? OR substr(key, 1, ?) = ?",
         [f"user:{username}", len(prefix), prefix])


def take_failure_notice(store, username: str) -> tuple[int, str | None]:
    """(failed attempts since the last successful login, UTC time of the last one), cleared
    as it is read: shown to the owner right after they log in."""
    with store.transaction() as tx:
        row = tx.one("SELECT failures, last_at FROM login_throttle WHERE key = ?",
                     [f"notice:{username}"])
        if row:
            tx.q("DELETE FROM login_throttle WHERE key = ?", [f"notice:{username}"])
    return (int(row[0]), row[1]) if row else (0, None)


def check_password_guess(store, username: str, password: str, address: str,
                         now: datetime | None = None) -> str | None:
    """The current password on the password-change page, throttled like a login: None when
    right, else "locked", "slow" or "invalid" (a wrong guess counts as a failed login)."""
    now = now or datetime.now(timezone.utc)
    why, _ = check(store, username, address, now)
    if why:
        return why
    if verify_password(store, username, password):
        return None
    with store.transaction() as tx:
        _record_failure(tx, username, address, now)
    return "invalid"


def verify_password(store, username: str, password: str) -> bool:
    with store.transaction(write=False) as tx:
        row = tx.one("SELECT password_hash FROM users WHERE username = ?", [username])
    return bool(row) and _verify(row[0], password)


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
