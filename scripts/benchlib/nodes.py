"""The nodes under test: how to start cmt-chain and anvil, and what their processes cost.

`NodeProcess` spawns a node in its own session, tees its output to a log file, finds its URL
(cmt-chain prints "Listening on http://..."; anvil gets a fixed port), and samples the resident
memory of the node and all its descendants (cmt-chain's block executor is a child process) in a
background thread, so a run reports the peak of their sum. `CmtChain` and `Anvil` know their
command lines; `start()` spawns one and waits until it answers `eth_chainId`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp

from .rpc import TRANSIENT, Rpc

ROOT = Path(__file__).resolve().parents[2]  # the repository
ANVIL_NPM = "@foundry-rs/anvil-linux-amd64"
URL_RE = re.compile(r"Listening on (http://\S+)")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(name))
    return kids


def process_tree(pid: int) -> list[int]:
    """Return `pid` and all its descendants."""
    kids, pids, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(kids.get(p, []))
    return pids


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_KIB
        except (OSError, IndexError, ValueError):
            pass
    return total


def hwm_kib(pids: list[int]) -> int:
    """Sum of each process's own peak RSS (VmHWM): an upper bound of the tree's peak."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total


def cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            pass
    return ticks / CLK_TCK


class MemorySampler:
    """Samples the summed RSS of a process tree every `interval` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.last_kib = 0
        self.hwm_kib = 0
        self.cpu_s = 0.0
        self.samples: list[tuple[float, int]] = []  # (monotonic time, KiB), one a second
        self._stop = threading.Event()
        self._tree: list[int] = [pid]
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        tree_at = 0.0
        last_kept = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now - tree_at > 1.0:
                self._tree = process_tree(self.pid)
                tree_at = now
                self.hwm_kib = max(self.hwm_kib, hwm_kib(self._tree))
                self.cpu_s = max(self.cpu_s, cpu_seconds(self._tree))
            kib = rss_kib(self._tree)
            if kib:
                self.last_kib = kib
                self.peak_kib = max(self.peak_kib, kib)
                if now - last_kept >= 1.0:
                    self.samples.append((now, kib))
                    last_kept = now
            self._stop.wait(self.interval)

    def snapshot(self) -> None:
        """Take a final reading now (before the process goes away)."""
        tree = process_tree(self.pid)
        kib = rss_kib(tree)
        self.last_kib = kib or self.last_kib
        self.peak_kib = max(self.peak_kib, kib)
        self.hwm_kib = max(self.hwm_kib, hwm_kib(tree))
        self.cpu_s = max(self.cpu_s, cpu_seconds(tree))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class NodeProcess:
    """A node we spawned: output teed to a log file, memory sampled from /proc."""

    def __init__(self, name: str, argv: list[str], log_path: Path, url: str | None,
                 env: dict[str, str] | None = None, cwd: Path | None = None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.url = url
        self._scrape = url is None
        log(f"starting {name}: {shlex.join(argv)}")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, env=env, cwd=cwd,
        )
        self.pid = self.proc.pid
        self.memory = MemorySampler(self.pid)
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()

    def _read_output(self) -> None:
        with open(self.log_path, "ab") as out:
            for line in self.proc.stdout:  # type: ignore[union-attr]
                out.write(line)
                out.flush()
                if self._scrape and self.url is None:
                    m = URL_RE.search(line.decode(errors="replace"))
                    if m:
                        self.url = m.group(1).replace("0.0.0.0", "127.0.0.1")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def figures(self) -> dict:
        """Memory and CPU so far: peak and last summed RSS of the tree, summed VmHWM, CPU s."""
        if self.alive():
            self.memory.snapshot()
        m = self.memory
        return {
            "peak_rss_mib": round(m.peak_kib / 1024, 1),
            "last_rss_mib": round(m.last_kib / 1024, 1),
            "hwm_sum_mib": round(m.hwm_kib / 1024, 1),
            "cpu_s": round(m.cpu_s, 2),
        }

    def stop(self, timeout: float = 30) -> int | None:
        """Stop as Ctrl-C does (SIGINT to the node); SIGKILL the whole group if it hangs."""
        if self.alive():
            self.memory.snapshot()
            t0 = time.monotonic()
            try:
                self.proc.send_signal(signal.SIGINT)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop in {timeout:.0f} s; killing it")
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait()
            if time.monotonic() - t0 > 5:
                log(f"{self.name} took {time.monotonic() - t0:.0f} s to stop")
        # anything the node left behind in its session (a stuck executor) goes too
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self.memory.stop()
        self._reader.join(timeout=5)
        return self.proc.returncode


class CmtChain:
    """cmt-chain, run from this repository (`python -m cmt_chain`) unless --node-exe says else."""

    name = "cmt-chain"

    def __init__(self, exe: str | None, gas_limit: int, extra: list[str]):
        self.exe = shlex.split(exe) if exe else [sys.executable, "-m", "cmt_chain"]
        self.gas_limit = gas_limit
        self.extra = extra
        self.env = dict(os.environ)
        if not exe:
            paths = [str(ROOT), *filter(None, [self.env.get("PYTHONPATH")])]
            self.env["PYTHONPATH"] = os.pathsep.join(paths)
        self.env["PYTHONUNBUFFERED"] = "1"

    def node_argv(self, datadir: Path, flags: list[str]) -> list[str]:
        return [*self.exe, "--data-dir", str(datadir), "--port", "0", "--quiet",
                "--gas-limit", str(self.gas_limit), *self.extra, *flags]

    def tool_argv(self, command: str, *args: str) -> list[str]:
        """`cmt-chain <command> <args>` (export, import, ...)."""
        return [*self.exe, command, *args]

    def describe(self) -> str:
        return shlex.join(self.node_argv(Path("{datadir}"), []))

    async def start(self, workdir: Path, datadir: Path, flags: list[str] = (),  # type: ignore[assignment]
                    tag: str = "") -> NodeProcess:
        node = NodeProcess(self.name, self.node_argv(datadir, list(flags)),
                           workdir / f"cmt-chain{tag}.log", None, env=self.env, cwd=workdir)
        await wait_ready(node)
        return node


class Anvil:
    """anvil from the npm package @foundry-rs/anvil-linux-amd64 (or a given binary)."""

    name = "anvil"

    def __init__(self, binary: str, gas_limit: int, block_time: str, extra: list[str]):
        self.binary = binary
        self.gas_limit = gas_limit
        self.block_time = block_time
        self.extra = extra
        self.version = ""
        with contextlib.suppress(OSError, subprocess.SubprocessError, IndexError):
            self.version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                          timeout=30).stdout.splitlines()[0]

    def node_argv(self, port: int | str, flags: list[str]) -> list[str]:
        return [self.binary, "--port", str(port), "--block-time", self.block_time,
                "--gas-limit", str(self.gas_limit), *self.extra, *flags]

    def describe(self) -> str:
        return shlex.join(self.node_argv("{port}", []))

    async def start(self, workdir: Path, datadir: Path | None = None,
                    flags: list[str] = (), tag: str = "") -> NodeProcess:  # type: ignore[assignment]
        port = free_port()
        node = NodeProcess(self.name, self.node_argv(port, list(flags)),
                           workdir / f"anvil{tag}.log", f"http://127.0.0.1:{port}")
        await wait_ready(node)
        return node


def find_anvil(explicit: str | None) -> tuple[str | None, str]:
    """Return (anvil binary, how it was found) or (None, why not)."""
    if explicit:
        return explicit, "--anvil-bin"
    if shutil.which("npx"):
        try:
            out = subprocess.run(
                ["npx", "--yes", "-p", ANVIL_NPM, "-c", "command -v anvil"],
                capture_output=True, text=True, timeout=900,
            )
            for line in reversed(out.stdout.splitlines()):
                path = line.strip()
                if os.path.isfile(path) and os.access(path, os.X_OK):
                    return os.path.realpath(path), f"npx -p {ANVIL_NPM}"
            reason = f"npx could not provide {ANVIL_NPM}: {(out.stderr or '').strip()[-300:]}"
        except (OSError, subprocess.SubprocessError) as e:
            reason = f"npx failed: {e}"
    else:
        reason = "npx is not installed"
    found = shutil.which("anvil")
    if found:
        return found, "PATH"
    return None, reason


async def wait_ready(node: NodeProcess, timeout: float = 120) -> str:
    """Wait until the node's URL is known and it answers eth_chainId; return the URL."""
    deadline = time.monotonic() + timeout
    last_err = "no RPC URL printed yet"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
        while time.monotonic() < deadline:
            if not node.alive():
                tail = node.log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{node.name} exited with {node.proc.returncode}:\n{tail}")
            if node.url:
                try:
                    await Rpc(node.url, s).call("eth_chainId")
                    return node.url
                except TRANSIENT as e:
                    last_err = repr(e)
            await asyncio.sleep(0.1)
    node.stop()
    raise RuntimeError(f"{node.name} not ready after {timeout:.0f} s: {last_err}")
