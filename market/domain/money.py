"""Money is an integer number of fen (1 CNY = 100 fen); parse and format it exactly."""

from __future__ import annotations

import re
from decimal import Decimal

from market.domain.messages import N_

MAX_FEN = 10**14  # 1 trillion CNY: anything larger is a typing mistake (BIGINT holds 9.2e18)
_AMOUNT = re.compile(r"[0-9]{1,16}(\.[0-9]{1,20})?|\.[0-9]{1,20}", re.ASCII)


class MoneyError(ValueError):
    """Text that is not an amount of CNY."""


def parse_cny(text: str | Decimal | int) -> int:
    """'1,234.5' CNY -> 123450 fen; at most two decimals, never negative."""
    raw = str(text).strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if raw.startswith("-") and _AMOUNT.fullmatch(raw[1:]):
        raise MoneyError(N_("The amount cannot be negative."))
    if not _AMOUNT.fullmatch(raw):
        # Also refuses nan, inf and exponents such as 1e999999 before any arithmetic.
        raise MoneyError(N_("Enter an amount in CNY, e.g. 1200000 or 1,200,000.50."))
    amount = Decimal(raw)
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise MoneyError(N_("Amounts have at most two decimals (fen)."))
    if fen > MAX_FEN:
        raise MoneyError(N_("That amount is implausibly large: at most 1,000,000,000,000 CNY."))
    return int(fen)


def format_fen(fen: int | None, *, symbol: bool = True) -> str:
    """123450 -> '¥1,234.50'."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{'¥' if symbol else ''}{yuan:,}.{cents:02d}"


def fen_to_cny_text(fen: int | None) -> str:
    """123450 -> '1234.50' (for pre-filling inputs)."""
    if fen is None:
        return ""
    yuan, cents = divmod(fen, 100)
    return f"{yuan}.{cents:02d}" if cents else str(yuan)
