"""The Smart Business Contract templates: Forge's unit, fuzz and invariant suites, and artifacts
that match a fresh compile of the sources."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_forge_suites_pass() -> None:
    result = run("bash", "contracts/forge.sh", "test")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "0 failed" in result.stdout and "passed" in result.stdout


def test_committed_artifacts_match_the_sources() -> None:
    result = run("bash", "scripts/build_contracts.sh", "--check")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
