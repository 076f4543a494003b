"""The `cmt-chain` command: parse flags, load config, run the node until Ctrl-C.

Thin by design: it builds a `Config`, calls `Node.open`, starts the RPC server from `rpc.server`,
prints what a developer needs (RPC URL, chain id, dev accounts and keys, as anvil does), and
stops everything cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import signal
import sys
from pathlib import Path

from . import templates
from .config import Config, ConfigError, load_config
from .errors import ChainError
from .node import CLIENT_VERSION, Node

DEFAULT_CONFIG = Path("config.toml")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cmt-chain", description=(
        "An Ethereum-compatible node for e-commerce, after the CyberMiles chain."))
    parser.add_argument("command", nargs="?", default="run", choices=["run", "export", "import"],
                        help="run the node (default); export the chain to FILE; import FILE")
    parser.add_argument("file", nargs="?", type=Path,
                        help="the chain file of export/import: concatenated block RLP, as geth's")
    parser.add_argument("--genesis", type=Path, help="import: start the data folder from this "
                        "geth-format genesis.json (its chain id and forks, Frontier to Prague)")
    parser.add_argument("--config", type=Path, help="TOML config file (default: ./config.toml "
                        "if present, else built-in defaults)")
    parser.add_argument("--data-dir", help="where RocksDB and the validator key live")
    parser.add_argument("--host", help="RPC bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="RPC port (default 8545; 0 picks a free one)")
    parser.add_argument("--reset", action="store_true",
                        help="delete the chain in the data folder and start from genesis")
    parser.add_argument("--mining-mode", choices=["interval", "instant", "off"],
                        help="off: produce no blocks (serve an imported chain as it is)")
    parser.add_argument("--block-time", type=float, help="seconds between blocks (interval)")
    parser.add_argument("--no-empty-blocks", action="store_true",
                        help="in interval mode, skip blocks when no transaction waits")
    parser.add_argument("--gas-limit", type=int, help="block gas limit of a new chain")
    parser.add_argument("--quiet", action="store_true", help="print only the listening line")
    parser.add_argument("--log-level", default="warning",
                        choices=["debug", "info", "warning", "error"],
                        help="log verbosity on stderr (info logs every sealed block)")
    return parser


def apply_flags(config: Config, args: argparse.Namespace) -> Config:
    """Return the config with command-line flags laid over it."""
    if args.data_dir is not None:
        config = config.replace("storage", data_dir=args.data_dir)
    if args.host is not None:
        config = config.replace("rpc", host=args.host)
    if args.port is not None:
        if not 0 <= args.port <= 65535:
            raise ConfigError("--port: must be between 0 and 65535")
        config = config.replace("rpc", port=args.port)
    if args.mining_mode is not None:
        config = config.replace("mining", mode=args.mining_mode)
    if args.block_time is not None:
        if args.block_time <= 0:
            raise ConfigError("--block-time: must be positive")
        config = config.replace("mining", interval=args.block_time)
    if args.no_empty_blocks:
        config = config.replace("mining", empty_blocks=False)
    if args.gas_limit is not None:
        if args.gas_limit < 21_000:
            raise ConfigError("--gas-limit: must be at least 21000")
        config = config.replace("genesis", gas_limit=args.gas_limit)
    return config


def print_banner(node: Node, url: str) -> None:
    config = node.config
    lines = [CLIENT_VERSION, "", f"Chain id:       {config.network.chain_id}",
             f"Validator:      0x{node.validator.hex()}",
             f"Data folder:    {config.data_dir.resolve()}",
             f"Mining:         {config.mining.mode}"
             + (f" every {config.mining.interval}s" if config.mining.mode == "interval" else ""),
             f"Head block:     {node.chain.head.number}", ""]
    if node.dev_accounts:
        balance = config.genesis.dev_balance / 10**18
        lines += ["Available accounts", "=================="]
        lines += [f"({i}) 0x{a.address.hex()} ({balance:g} CMT)"
                  for i, a in enumerate(node.dev_accounts.values())]
        lines += ["", "Private keys (public test keys: never use them on a real network)",
                  "=================="]
        lines += [f"({i}) 0x{a.private_key.hex()}"
                  for i, a in enumerate(node.dev_accounts.values())]
        lines += ["", f"Mnemonic:       {config.genesis.mnemonic}",
                  "Derivation:     m/44'/60'/0'/0/i", ""]
    contracts = templates.preloaded(config)
    if contracts:
        lines += ["Commerce contracts (ABIs: cmt_getContracts)", "=================="]
        lines += [f"{t.name:<12} 0x{t.address.hex()}" for t in contracts] + [""]
    print("\n".join(lines))
    print(f"Listening on {url}", flush=True)


async def run(config: Config, quiet: bool) -> None:
    from rpc.server import serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before anything can be interrupted half-done
        loop.add_signal_handler(sig, stop.set)
    node = Node.open(config)
    try:
        runner, port = await serve(node, config.rpc.host, config.rpc.port)
    except BaseException:
        await node.stop()
        raise
    await node.start()
    url = f"http://{config.rpc.host}:{port}"
    if quiet:
        print(f"Listening on {url}", flush=True)
    else:
        print_banner(node, url)
    try:
        await stop.wait()
    finally:
        print("Shutting down", flush=True)
        await runner.cleanup()
        await node.stop()


def _run_chain_file_command(command: str, config: Config, path: Path,
                            genesis: Path | None = None) -> int:
    from . import chainfile_commands

    try:
        if command == "export":
            message = chainfile_commands.export_chain(config, path)
        else:
            message = chainfile_commands.import_chain(config, path, genesis)
    except (OSError, ValueError) as exc:
        print(f"cmt-chain: {exc}", file=sys.stderr)
        return 1
    except ChainError as exc:
        print(f"cmt-chain: {exc}", file=sys.stderr)
        return 1
    print(message)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_intermixed_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    try:
        path = args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
        config = apply_flags(load_config(path), args)
    except ConfigError as exc:
        print(f"cmt-chain: config error: {exc}", file=sys.stderr)
        return 2
    if args.reset and config.data_dir.exists():
        shutil.rmtree(config.data_dir / "chaindb", ignore_errors=True)
    if args.command in ("export", "import"):
        if args.file is None:
            print(f"cmt-chain: {args.command} needs a FILE", file=sys.stderr)
            return 2
        if args.genesis is not None and args.command != "import":
            print("cmt-chain: --genesis goes with import", file=sys.stderr)
            return 2
        return _run_chain_file_command(args.command, config, args.file, args.genesis)
    run_loop = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop

        run_loop = uvloop.run
    try:
        run_loop(run(config, args.quiet))
    except OSError as exc:
        print(f"cmt-chain: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a startup failure gets one clear line, not a traceback
        if isinstance(exc, ChainError | ValueError):
            print(f"cmt-chain: {exc}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
