"""Letter codes that link a record kept by a specialist application to a person's account.

A tax account (services/tax.py) or a utility customer account (utilities/linking.py) is linked by the number
printed on a letter or invoice plus a one-time code. The rules common to all of them live here: codes are typed
from paper, so they avoid look-alike characters and ignore separators and case; only a hash is stored; a person
gets a limited number of attempts per window across all records of one kind, so nobody can try numbers and
codes in bulk.
"""

import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache

# No 0/O, 1/I/L look-alikes: the code is typed from a printed letter.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12
GROUP = 4


def normalise(code):
    """'abcd efgh-jkmn' → 'ABCDEFGHJKMN' (what a person types from the letter, without separators)."""
    return "".join(ch for ch in str(code or "").upper() if ch.isalnum())


def display(code, group=GROUP):
    """'ABCDEFGHJKMN' → 'ABCD-EFGH-JKMN', as printed."""
    plain = normalise(code)
    return "-".join(plain[i : i + group] for i in range(0, len(plain), group))


def new(length=LENGTH):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def is_well_formed(plain, length=LENGTH):
    return len(plain) == length and all(ch in ALPHABET for ch in plain)


def digest(plain):
    return make_password(plain)


def matches(plain, stored_digest):
    return bool(stored_digest) and check_password(plain, stored_digest)


def too_many_attempts(kind, user, limit=10, window=15 * 60):
    """Count one attempt of `user` at linking a record of `kind`; True once more than `limit` in `window` s."""
    key = f"link-code-attempts:{kind}:{user.pk}"
    cache.add(key, 0, window)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        attempts = 1
    return attempts > limit
