"""Sign-in that resists guessing: how many password checks may run, and who must wait before trying again.

- After `max_failures` wrong passwords in a row for one user name, or from one address, further tries for that
  name or from that address are refused (429 with Retry-After) until a back-off has passed; each further block
  doubles it, up to `max_backoff_s`. A right password resets the name's and the address's count.
- Every check hashes, whether or not the user exists (an unknown name is checked against a dummy hash of the
  same cost), so the answer's time does not tell which names exist.
- At most `concurrent_checks` password hashes run at once (each takes 128 MiB and a third of a second): a flood
  of sign-ins is answered at once with 503 and leaves the server's threads to the other pages.

State is kept in the server process: restarting the server forgets it, as it ends every session.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .passwords import hash_password, verify_password


@dataclass(frozen=True)
class SignInConfig:
    max_failures: int = 20          # wrong passwords in a row before a name or an address must wait
    backoff_s: float = 300.0        # the first wait, in seconds; doubled by each further block
    max_backoff_s: float = 3600.0   # the longest wait
    concurrent_checks: int = 2      # password hashes computed at once (the machine has few cores)


@dataclass
class _Record:
    failures: int = 0
    blocks: int = 0
    until: float = 0.0


class TooManyAttempts(Exception):
    """Tries for this name or from this address must wait `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class Busy(Exception):
    """Every password check slot is taken: try again in a second."""


@dataclass
class SignInGuard:
    config: SignInConfig = field(default_factory=SignInConfig)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self):
        self._records: dict[tuple[str, str], _Record] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.config.concurrent_checks)
        self._dummy = hash_password(secrets.token_urlsafe(16))  # the cost of a real account's hash

    def check(self, username: str, address: str, password: str, stored_hash: str | None) -> bool:
        """Whether `password` is right for an account whose hash is `stored_hash` (None: no such account).
        Raises TooManyAttempts while the name or the address must wait, Busy when every check slot is taken."""
        keys = (("user", username), ("address", address))
        self._refuse_if_blocked(keys)
        if not self._slots.acquire(blocking=False):
            raise Busy()
        try:
            right = verify_password(password, stored_hash or self._dummy) and stored_hash is not None
        finally:
            self._slots.release()
        self._count(keys, right)
        return right

    def _refuse_if_blocked(self, keys) -> None:
        now = self.clock()
        with self._lock:
            waits = [r.until - now for k in keys if (r := self._records.get(k)) and r.until > now]
        if waits:
            raise TooManyAttempts(math.ceil(max(waits)))

    def _count(self, keys, right: bool) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                if right:
                    self._records.pop(key, None)
                    continue
                record = self._records.setdefault(key, _Record())
                record.failures += 1
                if record.failures >= self.config.max_failures:
                    wait = min(self.config.backoff_s * 2 ** record.blocks, self.config.max_backoff_s)
                    record.until, record.blocks, record.failures = now + wait, record.blocks + 1, 0
