"""`ipmarket` in a fresh shell with no variable set: help works, only `run` needs SECRET_KEY."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "ipmarket"
PROJECT_COMMANDS = ("advance-date", "db", "demo", "init-db", "seed", "simulate")


def ipmarket(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run the console script with only PATH and HOME set (as `env -i` would)."""
    command = (
        [str(SCRIPT)]
        if SCRIPT.exists()
        else [sys.executable, "-c", "from market.frame.cli import main; main()"]
    )
    return subprocess.run(
        [*command, *args],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_lists_the_project_commands_without_a_secret(tmp_path: Path) -> None:
    result = ipmarket("--help", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "SECRET_KEY" not in result.stderr
    listed = result.stdout.split("Commands:", 1)[1]
    for name in PROJECT_COMMANDS:
        assert f"\n  {name} " in listed, f"{name} missing from:\n{result.stdout}"


@pytest.mark.parametrize("command", [("db", "upgrade"), ("run",)])
def test_command_help_needs_no_secret(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = ipmarket(*command, "--help", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: ipmarket {' '.join(command)} ")
    assert "Traceback" not in result.stderr


def test_run_without_a_secret_refuses_in_one_line(tmp_path: Path) -> None:
    result = ipmarket("run", "--port", "0", home=tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ipmarket: SECRET_KEY is not set.")
