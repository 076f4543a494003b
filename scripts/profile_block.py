"""Profile building one block of N transfers, ERC-20 transfers or purchases with the block builder.

Where the time of a block goes, without the RPC, the pool or the network around it: the node's
default genesis (staking, sponsorship and the commerce templates) with `--senders` funded accounts
and a token is written to a fresh RocksDB in a temporary folder, then
`execution.build_block` runs N pre-signed EIP-1559 transactions on it, `--runs` times, each on the
same parent state. Prints the median CPU time per block and per transaction; with `--profile FILE`
it also saves a pyinstrument profile (HTML, or text if FILE ends in .txt) of the last run.

    python scripts/profile_block.py --txs 2000
    python scripts/profile_block.py --txs 2000 --workload erc20
    python scripts/profile_block.py --txs 1000 --workload marketplace
    python scripts/profile_block.py --txs 2000 --profile /tmp/block.html

CPU time (not wall time) so that other work on the machine moves the figure less.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from eth_abi import encode
from eth_account import Account
from eth_hash.auto import keccak

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cmt_chain import execution  # noqa: E402
from cmt_chain.calls import BlockEnv  # noqa: E402
from cmt_chain.config import AllocEntry, Config, GenesisConfig  # noqa: E402
from cmt_chain.genesis import make_genesis  # noqa: E402
from cmt_chain.storage import schema  # noqa: E402
from cmt_chain.storage.kv import open_store  # noqa: E402
from cmt_chain.transaction import Transaction, decode_transaction  # noqa: E402

CHAIN_ID = 1234
GAS_LIMIT = 1_000_000_000
BASE_FEE = 2 * 10**9
TOKEN = b"\x70" * 20
MARKETPLACE = bytes.fromhex("0000000000000000000000000000000000002000")
BUY = keccak(b"buy(uint256,uint64,bytes32,uint256)")[:4]
UNIT_PRICE = 10**12
DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
TOKEN_ARTIFACT = Path(__file__).parent / "benchlib/contracts/BenchToken.json"
TRANSFER = keccak(b"transfer(address,uint256)")[:4]
BALANCES_SLOT = 1  # BenchToken: totalSupply, balanceOf, allowance


def _fields(workload: str, i: int) -> dict:
    """Return transaction i's to, value, gas and data."""
    recipient = (0xB0B0 + i).to_bytes(20, "big")
    if workload == "erc20":
        return {"to": TOKEN, "value": 0, "gas": 60_000,
                "data": TRANSFER + encode(["address", "uint256"], [recipient, 1])}
    if workload == "marketplace":  # buy one unit of listing 1, opening an escrowed order
        return {"to": MARKETPLACE, "value": UNIT_PRICE, "gas": 350_000,
                "data": BUY + encode(["uint256", "uint64", "bytes32", "uint256"],
                                     [1, 1, b"\x00" * 32, UNIT_PRICE])}
    return {"to": recipient, "value": 1, "gas": 21_000}


def signed_load(senders: int, count: int, workload: str) -> list[bytes]:
    """Return `count` signed transactions of the workload, round robin over `senders` keys."""
    keys = [Account.from_key((i + 1).to_bytes(32, "big")) for i in range(senders)]
    nonces = [0] * senders
    out = []
    for i in range(count):
        s = i % senders
        out.append(bytes(keys[s].sign_transaction({
            "type": 2, "chainId": CHAIN_ID, "nonce": nonces[s], "maxFeePerGas": 10 * BASE_FEE,
            "maxPriorityFeePerGas": 10**9, **_fields(workload, i)}).raw_transaction))
        nonces[s] += 1
    return out


def listing(count: int) -> bytes:
    """Return the dev account's listing of `count` units (listing 1), signed."""
    item = ("0x" + "00" * 20, UNIT_PRICE, count, 86_400, 86_400, "ipfs://item", b"\x01" * 32)
    data = keccak(b"createListing((address,uint256,uint64,uint32,uint32,string,bytes32),"
                  b"(bytes32,uint256)[])")[:4] + encode(
        ["(address,uint256,uint64,uint32,uint32,string,bytes32)", "(bytes32,uint256)[]"],
        [item, []])
    return bytes(Account.from_key(DEV_KEY).sign_transaction({
        "type": 2, "chainId": CHAIN_ID, "nonce": 0, "maxFeePerGas": 10 * BASE_FEE,
        "maxPriorityFeePerGas": 10**9, "to": MARKETPLACE, "value": 0, "gas": 1_000_000,
        "data": data}).raw_transaction)


def node_genesis(store, senders: list[bytes]) -> tuple[bytes, dict[bytes, bytes]]:
    """Return the node's default dev genesis (staking, sponsorship, the templates) with the
    senders funded and the benchmark token holding a balance for each."""
    alloc = tuple((a.address, AllocEntry(a.balance, a.nonce, a.code, a.storage))
                  for a in genesis(senders))
    config = Config(genesis=GenesisConfig(alloc=alloc))
    block, writes = make_genesis(store, config)
    return block.header.state_root, writes


def genesis(senders: list[bytes]) -> list[execution.GenesisAccount]:
    """Return funded senders, and the token holding a balance for each of them."""
    runtime = bytes.fromhex(json.loads(TOKEN_ARTIFACT.read_text())["deployedBytecode"][2:])
    supply = 10**30
    storage = [(0, supply * len(senders))] + [
        (int.from_bytes(keccak(encode(["address", "uint256"], [s, BALANCES_SLOT])), "big"), supply)
        for s in senders]
    return [execution.GenesisAccount(s, balance=10**24) for s in senders] + [
        execution.GenesisAccount(TOKEN, code=runtime, storage=tuple(storage))]


def build(store, root: bytes, txs: list[Transaction]) -> float:
    """Build one block on `root`; return the CPU seconds it took."""
    env = BlockEnv(number=1, timestamp=1_700_000_000, coinbase=b"\x0c" * 20, gas_limit=GAS_LIMIT,
                   base_fee=BASE_FEE, chain_id=CHAIN_ID, prev_randao=b"\x42" * 32,
                   ancestor_hashes=(b"\x00" * 32,))
    t0 = time.process_time()
    built = execution.build_block(store, root, b"\x00" * 32, env, txs)
    elapsed = time.process_time() - t0
    if len(built.receipts) != len(txs) or not all(r.status for r in built.receipts):
        raise SystemExit(f"{len(built.receipts)} of {len(txs)} included, "
                         f"{sum(r.status for r in built.receipts)} succeeded: {built.rejected[:1]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--txs", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=100)
    parser.add_argument("--workload", choices=("transfers", "erc20", "marketplace"),
                        default="transfers")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", type=Path, help="save a pyinstrument profile of the last run")
    args = parser.parse_args()

    raw = signed_load(args.senders, args.txs, args.workload)
    if args.workload == "marketplace":
        raw.insert(0, listing(args.txs))
    txs = [decode_transaction(r) for r in raw]
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "db", sync_writes=False)
        senders = [tx.sender for tx in txs[-args.senders:]]
        root, writes = node_genesis(store, senders)
        store.write([(schema.STATE, k, v) for k, v in writes.items()])
        times = [build(store, root, txs) for _ in range(args.runs - 1)]
        if args.profile:
            from pyinstrument import Profiler

            with Profiler(interval=0.0005) as profiler:
                times.append(build(store, root, txs))
            text = args.profile.suffix == ".txt"
            args.profile.write_text(profiler.output_text(show_all=False) if text
                                    else profiler.output_html())
        else:
            times.append(build(store, root, txs))
        store.close()
    median = statistics.median(times)
    print(f"{args.txs} {args.workload}: median {median * 1000:.0f} ms CPU per block, "
          f"{median / args.txs * 1e6:.0f} us per transaction, {args.txs / median:.0f} tx/s "
          f"(runs: {', '.join(f'{t * 1000:.0f}' for t in times)} ms)")


if __name__ == "__main__":
    main()
