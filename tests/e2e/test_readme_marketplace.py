"""The README's Smart Business Contracts examples, run as written against a real node on port 0:
the web3.py story (listing to rating, then a dispute decided by the panel) and the `cast` story
(Foundry's cast from the shared npm install in tests/js)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.nodeproc import ROOT, NodeProcess

CAST_BIN = ROOT / "tests" / "js" / "node_modules" / ".bin"
DEFAULT_URL = "http://127.0.0.1:8545"


def readme_blocks(language: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Smart Business Contracts", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory):
    process = NodeProcess(tmp_path_factory.mktemp("readme") / "data", "--mining-mode", "instant")
    yield process
    process.stop()


def test_web3py_story_runs_as_written(node: NodeProcess, tmp_path: Path) -> None:
    (code,) = readme_blocks("python")
    assert DEFAULT_URL in code
    script = tmp_path / "story.py"
    script.write_text(code.replace(DEFAULT_URL, node.url))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["500", "6"]


def test_cast_story_runs_as_written(node: NodeProcess, tmp_path: Path) -> None:
    (code,) = readme_blocks("sh")
    assert f"export ETH_RPC_URL={DEFAULT_URL}" in code
    script = tmp_path / "story.sh"
    script.write_text("set -euo pipefail\n" + code.replace(DEFAULT_URL, node.url))
    env = {**os.environ, "PATH": f"{CAST_BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert done.stdout.rstrip().splitlines()[-1] == "4"
    listed = (tmp_path / "contracts.json").read_text()
    assert '"name":"Marketplace"' in listed.replace(" ", "") and '"abi"' in listed


def test_start_banner_lists_the_contracts(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cmt_chain", "--data-dir", str(tmp_path / "data"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip())
            if line.startswith("Listening on"):
                break
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)
    start = lines.index("Commerce contracts (ABIs: cmt_getContracts)")
    assert lines[start + 2:start + 8] == [
        f"{name:<12} 0x{0x2000 + i:040x}" for i, name in enumerate(
            ("Marketplace", "Escrow", "Disputes", "Reputation", "Identity", "TestToken"))]
