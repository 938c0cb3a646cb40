"""The command line, run in-process through riskpool.cli.main."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskpool import Scheme
from riskpool.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "riskpool" / "examples" / "loans.csv"


def test_simulate_prints_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "simulate",
            "--scheme",
            "zhongshan-2021",
            "--portfolio",
            str(EXAMPLE),
            "--scenarios",
            "4000",
            "--years",
            "2",
            "--seed",
            "1",
            "--growth",
            "0.1",
            "--pool-balance",
            "500000000",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    for label in (
        "mean loss",
        "99% loss quantile",
        "99.9% loss quantile",
        "99% expected shortfall",
        "pool depletion probability",
    ):
        assert label in out
    for party in ("pool", "bank", "insurer", "valuer"):
        assert f"\n  {party} " in out
    assert "CNY" in out and "4,000" in out
    assert "4000/4000" in err and "scenarios" in err  # the tqdm progress bar
    # the figures a bureau reads, per party and per year
    for label in ("expected loss", "99.9% quantile", "99.9% exp. shortfall", "run dry"):
        assert label in out
    assert "\n  year 1 " in out and "\n  year 2 " in out


def test_simulate_with_scheme_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "scheme.json"
    Scheme.preset("quanzhou-2023").new_version(pool_size=10**9).save(path)
    code = main(
        [
            "simulate",
            "--scheme",
            str(path),
            "--portfolio",
            str(EXAMPLE),
            "--scenarios",
            "500",
            "--seed",
            "2",
            "--no-progress",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0 and "guarantor" in out and err == ""


def test_presets_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert "zhongshan-2021" in out and "pool 54%" in out and "source:" in out


def test_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("principal,pd,lgd,term,bank,borrower\n100,x,0.5,1,b,c\n", encoding="utf-8")
    assert main(["simulate", "--scheme", "zhongshan-2021", "--portfolio", str(bad)]) == 2
    assert "row 1, column 'pd'" in capsys.readouterr().err
    assert main(["simulate", "--scheme", "nowhere", "--portfolio", str(EXAMPLE)]) == 2
    assert "neither a preset" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["simulate"])


def test_sectors_t_copula_and_importance_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "simulate",
        "--scheme",
        "zhongshan-2021",
        "--portfolio",
        str(EXAMPLE),
        "--scenarios",
        "2000",
        "--seed",
        "3",
        "--no-progress",
    ]
    assert (
        main([*base, "--sector-correlation", "0.4", "--dof", "5", "--importance-shift", "-2"]) == 0
    )
    assert "99.9% loss quantile" in capsys.readouterr().out
    spec = tmp_path / "sectors.json"
    spec.write_text('{"sectors": ["tech"], "correlation": [[1]]}', encoding="utf-8")
    assert main([*base, "--sector-correlation", str(spec)]) == 2
    assert "not in the factor model" in capsys.readouterr().err  # the example has agri too
    assert main([*base, "--dof", "1.5"]) == 2
    assert "dof" in capsys.readouterr().err


def test_scheduler_option_runs_on_a_dask_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    import distributed
    base = [
        "simulate",
        "--scheme",
        "zhongshan-2021",
        "--portfolio",
        str(EXAMPLE),
        "--scenarios",
        "3000",
        "--years",
        "2",
        "--seed",
        "4",
        "--no-progress",
        "--chunk",
        "500",
    ]
    assert main(base) == 0
    local = capsys.readouterr().out
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert main([*base, "--scheduler", cluster.scheduler_address]) == 0
    assert capsys.readouterr().out == local  # same figures to the last digit
