"""Where blocks are executed: in a worker process (the default), or in a thread of the node.

Python runs one thread at a time, so a block built in a thread competes with the RPC server for
the same core. `ProcessExecutor` runs `execution.build_block` in a long-lived child process that
reads state through a read-only RocksDB secondary instance (catching up with the node's writes
before each block) and returns the `BuiltBlock`; the node process stays the only writer and seals
and stores the block as before. `ThreadExecutor` is the same contract in-process. The producer
calls `build`; `node.py` chooses and owns the executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

from . import errors, execution
from .calls import AccountOverride, BlockEnv
from .storage.kv import Store, open_secondary
from .transaction import Transaction

log = logging.getLogger(__name__)

REOPEN_EVERY = 100  # blocks built between reopenings of the executor's read-only view


@dataclass(frozen=True, slots=True)
class BuildRequest:
    parent_state_root: bytes
    parent_hash: bytes
    env: BlockEnv
    transactions: Sequence[Transaction]
    extra_data: bytes
    overrides: tuple[tuple[bytes, AccountOverride], ...] = ()  # dev cheats to apply first


class Executor(Protocol):
    async def build(self, request: BuildRequest) -> execution.BuiltBlock: ...

    def close(self) -> None: ...


def _build(store: Store, request: BuildRequest) -> execution.BuiltBlock:
    return execution.build_block(store, request.parent_state_root, request.parent_hash,
                                 request.env, request.transactions, request.extra_data,
                                 overrides=request.overrides)


class ThreadExecutor:
    """Builds blocks in a worker thread of the node process."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def build(self, request: BuildRequest) -> execution.BuiltBlock:
        return await asyncio.to_thread(_build, self._store, request)

    def close(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class _Failure:
    """A build that raised in the child, sent back instead of a block."""

    text: str


class ProcessExecutor:
    """Builds blocks in a child process with a read-only view of the node's database."""

    def __init__(self, db_path: Path, secondary_path: Path) -> None:
        self._paths = (db_path, secondary_path)
        self._lock = threading.Lock()  # one build at a time crosses the pipe
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process running threads
        self._conn, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_end, *self._paths),
                                        name="cmt-chain-executor", daemon=True)
        self._process.start()
        child_end.close()

    async def build(self, request: BuildRequest) -> execution.BuiltBlock:
        return await asyncio.to_thread(self._round_trip, request)

    def _round_trip(self, request: BuildRequest) -> execution.BuiltBlock:
        with self._lock:
            try:
                self._conn.send(request)
                reply = self._conn.recv()
            except (EOFError, OSError):
                log.error("block executor process died; starting a new one")
                self._restart()
                raise errors.ChainError("block executor restarted") from None
        if isinstance(reply, _Failure):
            raise errors.ChainError(f"block execution failed in the executor:\n{reply.text}")
        assert isinstance(reply, execution.BuiltBlock)
        return reply

    def _restart(self) -> None:
        self._stop_process()
        self._start()

    def _stop_process(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # the child may be gone already
            self._conn.send(None)
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)
        self._conn.close()

    def close(self) -> None:
        with self._lock:
            self._stop_process()


def _serve(conn: Connection, db_path: Path, secondary_path: Path) -> None:
    """The child's loop: answer each BuildRequest with a BuiltBlock until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the node, which stops us
    store = open_secondary(db_path, secondary_path)
    builds = 0
    try:
        while True:
            try:
                request = conn.recv()
            except EOFError:
                break
            if request is None:
                break
            builds += 1
            if builds % REOPEN_EVERY == 0:
                # A secondary instance keeps what it replays from the primary's logs and
                # the tables it opened; opened afresh, it holds only what it needs now.
                store.close()
                store = open_secondary(db_path, secondary_path)
            try:
                store.catch_up()  # see the block the node stored just before asking
                conn.send(_build(store, request))
            except Exception:  # report, never die: the node decides what to do
                conn.send(_Failure(traceback.format_exc(limit=8)))
    finally:
        store.close()
