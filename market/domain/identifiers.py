"""Registry identifiers: unified social credit codes, CN patent and trademark numbers."""

from __future__ import annotations

import re

from market.domain.messages import N_, msg, translate

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Type digit of a CN application number -> the kinds it may hold (8/9: PCT national phase).
PATENT_TYPE_DIGITS = {
    "1": "invention_patent",
    "8": "invention_patent",
    "2": "utility_model",
    "9": "utility_model",
    "3": "design_patent",
}


class IdentifierError(ValueError):
    """An identifier is malformed; the message says how."""


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The check character of the organisation code inside a USCC (GB 11714-1997)."""
    total = sum(
        _ORG_CODE_CHARS.index(c) * w for c, w in zip(first8, _ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def normalise_uscc(raw: str) -> str:
    """Validate a unified social credit code and return it upper-cased."""
    code = re.sub(r"\s+", "", raw or "").upper()
    if len(code) != 18:
        raise IdentifierError(N_("A unified social credit code has 18 characters."))
    bad = sorted({c for c in code if c not in USCC_CHARS})
    if bad:
        raise IdentifierError(
            msg(
                "Character(s) %(chars)s cannot appear in a unified social credit code "
                "(I, O, S, V and Z are never used).",
                chars=", ".join(bad),
            )
        )
    if not code[2:8].isdigit():
        raise IdentifierError(
            N_("Characters 3-8 of the code are the region code and must be digits.")
        )
    org = code[8:17]
    if any(c not in _ORG_CODE_CHARS for c in org[:8]) or org_code_check_char(org[:8]) != org[8]:
        raise IdentifierError(
            N_("The organisation code inside the credit code (characters 9-17) does not check out.")
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise IdentifierError(
            N_(
                "The check character (the last one) is wrong: please re-check "
                "the code on the business licence."
            )
        )
    return code


def patent_check_char(digits: str) -> str:
    """The check character after the dot of a CN patent application number."""
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(digits))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


_PATENT_RE = re.compile(r"^(?:CN|ZL)?(\d{8}|\d{12})\.?([0-9X])$")


def normalise_patent_number(raw: str, kind: str | None = None) -> str:
    """Validate a CN patent application number (ZL/CN prefix optional); return 'CN<digits>.<c>'."""
    text = re.sub(r"[\s]", "", raw or "").upper()
    m = _PATENT_RE.match(text)
    if not m:
        raise IdentifierError(
            N_(
                "Enter the application number as 12 digits, a dot and the check digit, "
                "e.g. CN202110123456.X (8 digits for filings before 2003)."
            )
        )
    digits, check = m.groups()
    if patent_check_char(digits) != check:
        raise IdentifierError(
            msg(
                "The check digit should be %(expected)s, not %(given)s: "
                "please re-check the number on the certificate.",
                expected=patent_check_char(digits),
                given=check,
            )
        )
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    expected = PATENT_TYPE_DIGITS.get(type_digit)
    if expected is None:
        raise IdentifierError(
            msg(
                "The type digit %(digit)s is not a patent type (1, 2, 3, 8 or 9).",
                digit=type_digit,
            )
        )
    if kind is not None and expected != kind:
        plural = {
            "invention_patent": N_("invention patents"),
            "utility_model": N_("utility models"),
            "design_patent": N_("design patents"),
        }
        raise IdentifierError(
            msg(
                "Type digit %(digit)s is for %(expected)s, not %(given)s.",
                digit=type_digit,
                expected=translate(plural[expected]),
                given=translate(plural.get(kind, kind)),
            )
        )
    if len(digits) == 12 and not 1985 <= int(digits[:4]) <= 2100:
        raise IdentifierError(N_("The first four digits are the filing year (1985 or later)."))
    return f"CN{digits}.{check}"


def normalise_trademark_number(raw: str) -> str:
    """Validate a CN trademark registration number (1-9 digits, no leading zero)."""
    text = re.sub(r"\s+", "", raw or "")
    text = re.sub(r"^(?:TM|第)", "", text.upper()).removesuffix("号")
    if not re.fullmatch(r"[1-9]\d{0,8}", text):
        raise IdentifierError(
            N_("A trademark registration number is 1 to 9 digits, e.g. 12345678.")
        )
    return text


def parse_nice_classes(raw: str | list[int] | tuple[int, ...]) -> tuple[int, ...]:
    """Parse Nice classes ("9, 35 42" or a list) into a sorted tuple; each must be 1-45."""
    if isinstance(raw, str):
        parts = [p for p in re.split(r"[\s,;，；、]+", raw.strip()) if p]
        try:
            numbers = [int(p) for p in parts]
        except ValueError as exc:
            raise IdentifierError(
                N_("Nice classes are whole numbers from 1 to 45, separated by commas.")
            ) from exc
    else:
        numbers = list(raw)
    if not numbers:
        raise IdentifierError(N_("Give at least one Nice class (1-45)."))
    wrong = [n for n in numbers if not 1 <= n <= 45]
    if wrong:
        raise IdentifierError(
            msg("Nice class %(n)s does not exist: classes run from 1 to 45.", n=wrong[0])
        )
    return tuple(sorted(set(numbers)))
