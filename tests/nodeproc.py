"""Start and stop a real cmt-chain node process for tests: real RocksDB, real aiohttp on port 0.

`NodeProcess(data_dir, *flags)` runs `python -m cmt_chain` with a temporary data folder, waits for
its "Listening on" line and exposes the URL; `stop()` sends SIGINT (Ctrl-C), `kill()` SIGKILL.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
)
CHAIN_ID = 1234


class NodeProcess:
    def __init__(self, data_dir: Path, *flags: str, config: Path | None = None,
                 timeout: float = 30.0) -> None:
        args = [sys.executable, "-m", "cmt_chain", "--data-dir", str(data_dir), "--port", "0",
                "--quiet", *flags]
        if config is not None:
            args += ["--config", str(config)]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.log_path = Path(data_dir).parent / f"{Path(data_dir).name}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(args, cwd=data_dir.parent, env=env, stdout=subprocess.PIPE,
                                     stderr=self._log)
        self.url = self._wait_for_url(timeout)
        self.ws_url = self.url.replace("http://", "ws://")

    def _wait_for_url(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                break
            match = re.search(r"Listening on (http://\S+)", line)
            if match:
                return match.group(1)
        self.proc.kill()
        raise RuntimeError(f"node did not start; log:\n{self.log_path.read_text()}")

    def stop(self, timeout: float = 20.0) -> int:
        """Stop as Ctrl-C does and return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout)
        self._log.close()
        return code

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._log.close()
