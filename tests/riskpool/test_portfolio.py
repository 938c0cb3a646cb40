"""Building portfolios from arrays, rows and CSV files, with clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from riskpool import Portfolio, PortfolioError

EXAMPLE = Path(__file__).resolve().parents[2] / "riskpool" / "examples" / "loans.csv"
HEADER = "principal,pd,lgd,rho,term,bank,borrower\n"


def test_from_arrays_broadcasts_scalars() -> None:
    pf = Portfolio(principal=np.array([100, 200, 300]), pd=0.02, lgd=0.5, rho=0.1)
    assert len(pf) == 3 and pf.total_principal == 600
    assert pf.pd.tolist() == [0.02] * 3 and pf.rho.tolist() == [0.1] * 3
    assert pf.loss_given_default.tolist() == [50, 100, 150]
    assert pf.principal.dtype == np.int64
    with pytest.raises(ValueError):
        pf.principal[0] = 5


def test_rho_per_sector() -> None:
    pf = Portfolio(
        principal=[100, 200, 300],
        pd=0.02,
        sector=["tech", "agri", "tech"],
        rho={"tech": 0.25, "agri": 0.1},
    )
    assert pf.rho.tolist() == [0.25, 0.1, 0.25]
    with pytest.raises(PortfolioError, match="agri"):
        Portfolio(principal=[1, 2], pd=0.1, sector=["tech", "agri"], rho={"tech": 0.2})


@pytest.mark.parametrize(
    ("kwargs", "column"),
    [
        ({"principal": [1.5, 2.0], "pd": 0.1}, "principal"),
        ({"principal": [1, 0], "pd": 0.1}, "principal"),
        ({"principal": [1, 2], "pd": [0.1, 1.2]}, "pd"),
        ({"principal": [1, 2], "pd": 0.1, "lgd": -0.1}, "lgd"),
        ({"principal": [1, 2], "pd": 0.1, "rho": 1.0}, "rho"),
        ({"principal": [1, 2], "pd": 0.1, "term": [1, 0]}, "term"),
        ({"principal": [1, 2], "pd": [0.1, 0.2, 0.3]}, "pd"),
    ],
)
def test_bad_arrays(kwargs: dict[str, object], column: str) -> None:
    with pytest.raises(PortfolioError) as info:
        Portfolio(**kwargs)  # type: ignore[arg-type]
    assert info.value.column == column


def test_from_rows_and_example_csv() -> None:
    pf = Portfolio.from_rows(
        [
            {"principal": 1000, "pd": 0.01, "lgd": 0.6, "term": 1, "bank": "b", "borrower": "x"},
            {
                "principal": "2000",
                "pd": "0.02",
                "lgd": "1",
                "term": "2",
                "bank": "b",
                "borrower": "y",
                "rho": "0.3",
                "ip_pledge": "false",
            },
        ]
    )
    assert pf.principal.tolist() == [1000, 2000]
    assert pf.rho.tolist() == [0.2, 0.3]
    assert pf.ip_pledge.tolist() == [True, False]
    example = Portfolio.from_csv(EXAMPLE)
    assert len(example) == 60 and example.total_principal > 0


@pytest.mark.parametrize(
    ("body", "row", "column", "text"),
    [
        ("100,0.01,0.5,0.2,1,b,x\n100,abc,0.5,0.2,1,b,y\n", 2, "pd", "must be a number"),
        ("100,0.01,0.5,0.2,1,b,x\n100.5,0.01,0.5,0.2,1,b,y\n", 2, "principal", "integer"),
        ("-100,0.01,0.5,0.2,1,b,x\n", 1, "principal", "positive"),
        ("100,0.01,1.5,0.2,1,b,x\n", 1, "lgd", "must lie in"),
        ("100,0.01,0.5,0.2,1,,x\n", 1, "bank", "missing"),
        ("100,0.01,0.5,0.2,0,b,x\n", 1, "term", "positive"),
        ("100,0.01,0.5,1.0,1,b,x\n", 1, "rho", "must lie in"),
    ],
)
def test_csv_errors_name_row_and_column(
    tmp_path: Path, body: str, row: int, column: str, text: str
) -> None:
    path = tmp_path / "loans.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(PortfolioError) as info:
        Portfolio.from_csv(path)
    assert (info.value.row, info.value.column) == (row, column)
    assert text in str(info.value)
    assert f"row {row}" in str(info.value) and repr(column) in str(info.value)


def test_csv_header_errors(tmp_path: Path) -> None:
    path = tmp_path / "loans.csv"
    path.write_text("principal,pd\n100,0.1\n", encoding="utf-8")
    with pytest.raises(PortfolioError, match="no 'lgd' column"):
        Portfolio.from_csv(path)
    path.write_text(HEADER.strip() + ",colour\n100,0.01,0.5,0.2,1,b,x,red\n", encoding="utf-8")
    with pytest.raises(PortfolioError, match="unknown column"):
        Portfolio.from_csv(path)
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(PortfolioError, match="no loans"):
        Portfolio.from_csv(path)
