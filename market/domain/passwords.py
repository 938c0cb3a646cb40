"""Password rules: a minimum length, a mix of characters, and not one of 20,000 common ones.

The common-password list (common-passwords.txt.gz, beside this module) is the one Django ships
in django/contrib/auth (Django 5.2.19, BSD licence): 20,000 common passwords lowercased and
deduplicated by Royce Williams, https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from market.domain.messages import N_, msg

MIN_PASSWORD = 10
MAX_PASSWORD = 200
COMMON_LIST = Path(__file__).with_name("common-passwords.txt.gz")


@cache
def common_passwords() -> frozenset[str]:
    """The lowercased common passwords."""
    with gzip.open(COMMON_LIST, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why `password` is too weak (a message for the user), or None if it will do."""
    if len(password) < MIN_PASSWORD:
        return msg("Use at least %(n)s characters.", n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return msg("Use at most %(n)s characters.", n=MAX_PASSWORD)
    if password.isdigit() or password.isalpha():
        return N_("Mix letters with digits or symbols.")
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return N_("This password is on a list of common passwords: choose one less easy to guess.")
    local = email.split("@")[0].lower()
    if (len(local) >= 4 and local in lowered) or (len(name) >= 4 and name.lower() in lowered):
        return N_("Do not use your name or e-mail address in the password.")
    return None
