"""Reviewer passwords, hashed by werkzeug.security with scrypt (RFC 7914) and a random salt, stored as werkzeug's
string that carries its own parameters (`scrypt:131072:8:1$<salt>$<hex>`), so the cost can be raised later and
older hashes still verify.

Cost: N = 2**17, r = 8, p = 1, the OWASP Password Storage Cheat Sheet's minimum for scrypt; each hash or check
takes 128 MiB and about a third of a second (bench/review.py measures it), which is what makes a stolen archive's
hashes slow to guess.

Archives written before werkzeug did the hashing hold PHC strings (`$scrypt$ln=17,r=8,p=1$<salt>$<hash>`, base64
without padding): `verify_password` accepts both, and `needs_rehash` tells the sign-in to store a fresh werkzeug
hash once the right password is given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import XuexiError

_LEGACY_PHC = re.compile(r"^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")
MIN_LENGTH = 10   # characters; with the back-off on sign-in (review.signin) guessing one takes years
SALT_LENGTH = 22  # characters of werkzeug's salt alphabet (62 letters and digits): about 131 bits, above 128


@dataclass(frozen=True)
class ScryptCost:
    """log2 of N (CPU and memory cost), r (block size), p (parallelism); memory used is 128 * 2**ln * r bytes."""

    ln: int = 17
    r: int = 8
    p: int = 1

    @property
    def method(self) -> str:
        """werkzeug's name of this cost, as it heads a stored hash."""
        return f"scrypt:{2 ** self.ln}:{self.r}:{self.p}"

    @property
    def memory(self) -> int:
        return 128 * self.r * (2 ** self.ln + self.p)


def hash_password(password: str, cost: ScryptCost = ScryptCost()) -> str:
    """The stored form of `password` with a fresh salt. Raises XuexiError for a password under MIN_LENGTH
    characters, or one of white space only."""
    if len(password) < MIN_LENGTH or not password.strip():
        raise XuexiError(f"审阅人密码至少需要 {MIN_LENGTH} 个字符，且不能全是空格")
    return generate_password_hash(password, method=cost.method, salt_length=SALT_LENGTH)


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` was made from, whether werkzeug or an earlier xuexi (PHC string)
    wrote it; False for a malformed hash."""
    legacy = _LEGACY_PHC.match(stored or "")
    if legacy:
        cost = ScryptCost(int(legacy[1]), int(legacy[2]), int(legacy[3]))
        expected = _unb64(legacy[5])
        digest = hashlib.scrypt(password.encode("utf-8"), salt=_unb64(legacy[4]), n=2 ** cost.ln, r=cost.r,
                                p=cost.p, maxmem=cost.memory + (1 << 20), dklen=len(expected))
        return hmac.compare_digest(digest, expected)
    try:
        return check_password_hash(stored or "", password)
    except ValueError:  # a method werkzeug does not know, or parameters that are not numbers
        return False


def needs_rehash(stored: str, cost: ScryptCost = ScryptCost()) -> bool:
    """Whether a verified hash should be stored again: written by an earlier xuexi, or at another cost."""
    return not stored.startswith(cost.method + "$")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))
