"""Reviewer passwords, hashed with scrypt (RFC 7914, hashlib.scrypt) and a 16-byte random salt, stored as a PHC
string that carries its own parameters (`$scrypt$ln=17,r=8,p=1$<salt>$<hash>`, base64 without padding), so the
cost can be raised later and older hashes still verify.

Cost: N = 2**17, r = 8, p = 1, the OWASP Password Storage Cheat Sheet's minimum for scrypt; each hash or check
takes 128 MiB and about a third of a second (bench/review.py measures it), which is what makes a stolen archive's
hashes slow to guess.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from ..errors import XuexiError

_PHC = re.compile(r"^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")
MIN_LENGTH = 10  # characters; with the back-off on sign-in (review.signin) guessing one takes years


@dataclass(frozen=True)
class ScryptCost:
    """log2 of N (CPU and memory cost), r (block size), p (parallelism); memory used is 128 * 2**ln * r bytes."""

    ln: int = 17
    r: int = 8
    p: int = 1

    @property
    def memory(self) -> int:
        return 128 * self.r * (2 ** self.ln + self.p)


def hash_password(password: str, cost: ScryptCost = ScryptCost()) -> str:
    """The PHC string of `password` with a fresh salt. Raises XuexiError for a password under MIN_LENGTH
    characters, or one of white space only."""
    if len(password) < MIN_LENGTH or not password.strip():
        raise XuexiError(f"审阅人密码至少需要 {MIN_LENGTH} 个字符，且不能全是空格")
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, cost)
    return f"$scrypt$ln={cost.ln},r={cost.r},p={cost.p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` (a hash_password string) was made from; False for a malformed hash."""
    match = _PHC.match(stored or "")
    if not match:
        return False
    cost = ScryptCost(int(match[1]), int(match[2]), int(match[3]))
    expected = _unb64(match[5])
    return hmac.compare_digest(_scrypt(password, _unb64(match[4]), cost, len(expected)), expected)


def _scrypt(password: str, salt: bytes, cost: ScryptCost, length: int = 32) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2 ** cost.ln, r=cost.r, p=cost.p,
                          maxmem=cost.memory + (1 << 20), dklen=length)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))
