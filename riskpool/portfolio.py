"""A loan portfolio as per-loan numpy arrays (principal in int64 fen)."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from riskpool.errors import PortfolioError

#: CSV / row columns: required ones first, then optional ones with their defaults.
REQUIRED_COLUMNS: tuple[str, ...] = ("principal", "pd", "lgd", "term", "bank", "borrower")
OPTIONAL_COLUMNS: dict[str, str] = {
    "rho": "",
    "sector": "",
    "ip_pledge": "true",
    "loan_id": "",
    "amortisation": "bullet",
    "rate_bp": "0",
}
#: Repayment schedules: all principal at maturity, equal principal repayments, or equal
#: monthly instalments of principal and interest (see `riskpool.book.outstanding_share`).
AMORTISATION: tuple[str, ...] = ("bullet", "linear", "annuity")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def _as_float_array(value: ArrayLike, n: int, name: str) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise PortfolioError(
            f"must have one value per loan ({n}), got shape {arr.shape}", column=name
        )
    return arr


def _check_range(
    arr: NDArray[np.float64], name: str, low: float, high: float, *, open_high: bool = False
) -> None:
    bad = ~np.isfinite(arr) | (arr < low) | ((arr >= high) if open_high else (arr > high))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        bracket = ")" if open_high else "]"
        raise PortfolioError(
            f"must lie in [{low}, {high}{bracket}, got {arr[i]}", row=i + 1, column=name
        )


@dataclass(frozen=True, eq=False)
class Portfolio:
    """Loans as parallel arrays: principal (int64 fen), annual pd, lgd, rho, term (years), ids.

    `rho` is the asset correlation with the loan's systematic factor: a scalar, one value per
    loan, or a mapping sector -> rho together with `sector`. `amortisation` is the repayment
    schedule (see AMORTISATION) and `rate_bp` the yearly interest rate of annuity loans.
    Rows are numbered from 1 in errors.
    """

    principal: NDArray[np.int64]
    pd: NDArray[np.float64]
    lgd: NDArray[np.float64]
    rho: NDArray[np.float64]
    term: NDArray[np.float64]
    bank: NDArray[np.str_]
    borrower: NDArray[np.str_]
    sector: NDArray[np.str_]
    ip_pledge: NDArray[np.bool_]
    amortisation: NDArray[np.str_]
    rate_bp: NDArray[np.int64]

    def __init__(
        self,
        *,
        principal: ArrayLike,
        pd: ArrayLike,
        lgd: ArrayLike = 1.0,
        rho: ArrayLike | Mapping[str, float] = 0.2,
        term: ArrayLike = 1.0,
        bank: ArrayLike = "bank",
        borrower: ArrayLike | None = None,
        sector: ArrayLike = "",
        ip_pledge: ArrayLike = True,
        amortisation: ArrayLike = "bullet",
        rate_bp: ArrayLike = 0,
    ) -> None:
        raw = np.asarray(principal)
        if raw.ndim != 1 or raw.size == 0:
            raise PortfolioError("must be a non-empty one-dimensional array", column="principal")
        if not np.issubdtype(raw.dtype, np.integer):
            raise PortfolioError("must be integer fen (int64), not float", column="principal")
        prin = raw.astype(np.int64)
        n = prin.size
        if (prin <= 0).any():
            i = int(np.flatnonzero(prin <= 0)[0])
            raise PortfolioError(f"must be positive, got {prin[i]}", row=i + 1, column="principal")
        pd_arr = _as_float_array(pd, n, "pd")
        _check_range(pd_arr, "pd", 0.0, 1.0)
        lgd_arr = _as_float_array(lgd, n, "lgd")
        _check_range(lgd_arr, "lgd", 0.0, 1.0)
        sector_arr = np.broadcast_to(np.asarray(sector, dtype=np.str_), (n,)).copy()
        if isinstance(rho, Mapping):
            missing = sorted(set(sector_arr.tolist()) - set(rho))
            if missing:
                raise PortfolioError(f"no rho given for sector(s) {missing}", column="rho")
            rho_arr = np.array([float(rho[s]) for s in sector_arr.tolist()], dtype=np.float64)
        else:
            rho_arr = _as_float_array(rho, n, "rho")
        _check_range(rho_arr, "rho", 0.0, 1.0, open_high=True)
        term_arr = _as_float_array(term, n, "term")
        if (~np.isfinite(term_arr) | (term_arr <= 0)).any():
            i = int(np.flatnonzero(~np.isfinite(term_arr) | (term_arr <= 0))[0])
            raise PortfolioError(f"must be positive, got {term_arr[i]}", row=i + 1, column="term")
        bank_arr = np.broadcast_to(np.asarray(bank, dtype=np.str_), (n,)).copy()
        if borrower is None:
            borrower_arr = np.array([f"b{i + 1}" for i in range(n)], dtype=np.str_)
        else:
            borrower_arr = np.broadcast_to(np.asarray(borrower, dtype=np.str_), (n,)).copy()
        ip_arr = np.broadcast_to(np.asarray(ip_pledge, dtype=np.bool_), (n,)).copy()
        kind_arr = np.broadcast_to(np.asarray(amortisation, dtype=np.str_), (n,)).copy()
        bad_kind = ~np.isin(kind_arr, AMORTISATION)
        if bad_kind.any():
            i = int(np.flatnonzero(bad_kind)[0])
            raise PortfolioError(
                f"must be one of {', '.join(AMORTISATION)}, got {kind_arr[i]!r}",
                row=i + 1,
                column="amortisation",
            )
        raw_rate = np.broadcast_to(np.asarray(rate_bp), (n,))
        if not np.issubdtype(raw_rate.dtype, np.integer):
            raise PortfolioError("must be integer basis points", column="rate_bp")
        rate_arr = raw_rate.astype(np.int64)
        if (rate_arr < 0).any():
            i = int(np.flatnonzero(rate_arr < 0)[0])
            raise PortfolioError(
                f"must not be negative, got {rate_arr[i]}", row=i + 1, column="rate_bp"
            )
        for name, value in (
            ("principal", prin),
            ("pd", pd_arr),
            ("lgd", lgd_arr),
            ("rho", rho_arr),
            ("term", term_arr),
            ("bank", bank_arr),
            ("borrower", borrower_arr),
            ("sector", sector_arr),
            ("ip_pledge", ip_arr),
            ("amortisation", kind_arr),
            ("rate_bp", rate_arr),
        ):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    def __len__(self) -> int:
        return int(self.principal.size)

    @property
    def total_principal(self) -> int:
        """Sum of the principals in fen."""
        return int(self.principal.sum())

    @property
    def loss_given_default(self) -> NDArray[np.int64]:
        """Each loan's loss if it defaults: principal x LGD, rounded half up to the fen."""
        return np.floor(self.principal * self.lgd + 0.5).astype(np.int64)

    def subset(self, index: ArrayLike) -> Portfolio:
        """The loans at positions `index` (repeats allowed), as a new portfolio."""
        i = np.asarray(index, dtype=np.int64)
        return Portfolio(
            principal=self.principal[i],
            pd=self.pd[i],
            lgd=self.lgd[i],
            rho=self.rho[i],
            term=self.term[i],
            bank=self.bank[i],
            borrower=self.borrower[i],
            sector=self.sector[i],
            ip_pledge=self.ip_pledge[i],
            amortisation=self.amortisation[i],
            rate_bp=self.rate_bp[i],
        )

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], *, first_row: int = 1) -> Portfolio:
        """Build from dicts with keys principal (fen), pd, lgd, term, bank, borrower
        and optionally rho (default 0.2), sector, ip_pledge. Errors name row and column."""
        cols: dict[str, list[Any]] = {
            k: [] for k in ("principal", "pd", "lgd", "term", "bank", "borrower", "rho", "sector")
        }
        cols["ip_pledge"] = []
        cols["amortisation"] = []
        cols["rate_bp"] = []
        for i, row in enumerate(rows, start=first_row):
            for name in REQUIRED_COLUMNS:
                if name not in row or row[name] is None or str(row[name]).strip() == "":
                    raise PortfolioError("is missing", row=i, column=name)
            cols["principal"].append(_parse_fen(row["principal"], i))
            for name, low, high in (("pd", 0.0, 1.0), ("lgd", 0.0, 1.0), ("rho", 0.0, 1.0)):
                raw = row.get(name)
                if name == "rho" and (raw is None or str(raw).strip() == ""):
                    cols[name].append(0.2)
                    continue
                value = _parse_float(raw, i, name)
                if not (low <= value <= high) or (name == "rho" and value >= 1.0):
                    raise PortfolioError(
                        f"must lie in [{low}, {high}], got {value}", row=i, column=name
                    )
                cols[name].append(value)
            term = _parse_float(row["term"], i, "term")
            if term <= 0:
                raise PortfolioError(f"must be positive, got {term}", row=i, column="term")
            cols["term"].append(term)
            cols["bank"].append(str(row["bank"]).strip())
            cols["borrower"].append(str(row["borrower"]).strip())
            cols["sector"].append(str(row.get("sector") or "").strip())
            cols["ip_pledge"].append(_parse_bool(row.get("ip_pledge"), i))
            kind = str(row.get("amortisation") or "bullet").strip().lower()
            if kind not in AMORTISATION:
                raise PortfolioError(
                    f"must be one of {', '.join(AMORTISATION)}, got {kind!r}",
                    row=i,
                    column="amortisation",
                )
            cols["amortisation"].append(kind)
            cols["rate_bp"].append(_parse_bp(row.get("rate_bp"), i))
        if not cols["principal"]:
            raise PortfolioError("the portfolio has no loans")
        return cls(
            principal=np.array(cols["principal"], dtype=np.int64),
            pd=cols["pd"],
            lgd=cols["lgd"],
            rho=cols["rho"],
            term=cols["term"],
            bank=cols["bank"],
            borrower=cols["borrower"],
            sector=cols["sector"],
            ip_pledge=cols["ip_pledge"],
            amortisation=cols["amortisation"],
            rate_bp=np.array(cols["rate_bp"], dtype=np.int64),
        )

    @classmethod
    def from_csv(cls, path: str | Path) -> Portfolio:
        """Read a CSV with a header row (columns as in `from_rows`); row numbers in errors
        count data rows from 1 (the header is not counted)."""
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            for name in REQUIRED_COLUMNS:
                if name not in header:
                    raise PortfolioError(f"the CSV has no {name!r} column", column=name)
            unknown = [h for h in header if h not in REQUIRED_COLUMNS and h not in OPTIONAL_COLUMNS]
            if unknown:
                raise PortfolioError(f"unknown column(s) {unknown}", column=unknown[0])
            return cls.from_rows(reader)


def _parse_fen(raw: Any, row: int) -> int:
    if isinstance(raw, bool | float):
        raise PortfolioError(f"must be integer fen, got {raw!r}", row=row, column="principal")
    text = str(raw).strip().replace("_", "")
    if not text.lstrip("+").isdigit():
        raise PortfolioError(
            f"must be a positive integer number of fen, got {raw!r}", row=row, column="principal"
        )
    value = int(text)
    if value <= 0:
        raise PortfolioError(f"must be positive, got {value}", row=row, column="principal")
    return value


def _parse_bp(raw: Any, row: int) -> int:
    text = "" if raw is None else str(raw).strip()
    if text == "":
        return 0
    if not text.isdigit():
        raise PortfolioError(
            f"must be a whole number of basis points >= 0, got {raw!r}", row=row, column="rate_bp"
        )
    return int(text)


def _parse_float(raw: Any, row: int, column: str) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise PortfolioError(f"must be a number, got {raw!r}", row=row, column=column) from None
    if not math.isfinite(value):
        raise PortfolioError(f"must be finite, got {raw!r}", row=row, column=column)
    return value


def _parse_bool(raw: Any, row: int) -> bool:
    if raw is None or isinstance(raw, bool):
        return True if raw is None else raw
    text = str(raw).strip().lower()
    if text == "" or text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise PortfolioError(f"must be true or false, got {raw!r}", row=row, column="ip_pledge")
