"""Importing an Ethereum chain from a geth genesis.json: fork schedule, genesis, encodings, import.

Uses the execution-apis conformance chain (tests/fixtures/conformance): Frontier-style genesis,
forks by block to Gray Glacier, the merge at block 36, Shanghai/Cancun/Prague by timestamp.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
import rlp
from eth_account import Account

from cmt_chain import chainfile_commands, chainspec, errors, execution, geth_genesis
from cmt_chain.block import EMPTY_TRIE_ROOT
from cmt_chain.chainfile import read_blocks, write_blocks
from cmt_chain.config import Config
from cmt_chain.node import BlockRef, Node
from cmt_chain.receipt import Log, Receipt
from cmt_chain.storage.kv import open_store
from cmt_chain.transaction import decode_transaction

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "conformance"
GENESIS_HASH = "79e0f5ffb6a0c9f54d507dbbadc935603ac1db86d32f7857472180a75ec11f90"
HEAD_HASH = "e27a3e81bd7cfe2aec2cc9e832c73a17c93e7efcf659cf4b39883b96c48708c2"


def geth_config() -> dict:
    return json.loads((CASES / "genesis.json").read_text())["config"]


def test_fork_schedule_by_block_and_by_time() -> None:
    spec = chainspec.from_geth_config(geth_config())
    assert spec.chain_id == 3503995874084926
    assert [spec.fork_at(n, n * 10) for n in (0, 3, 6, 9, 12, 15, 18, 24, 27, 35, 36)] == [
        "homestead", "tangerine_whistle", "spurious_dragon", "byzantium", "constantinople",
        "petersburg", "istanbul", "berlin", "london", "gray_glacier", "paris"]
    assert [spec.fork_at(40, t) for t in (389, 390, 420, 450)] == [
        "paris", "shanghai", "cancun", "prague"]
    assert spec.is_london_start(27, 270) and not spec.is_london_start(28, 280)
    assert chainspec.from_json(spec.to_json()) == spec


@pytest.mark.parametrize(("change", "named"), [
    ({"chainId": None}, "config.chainId"),
    ({"eip155Block": 5}, "config.eip155Block"),
    ({"berlinBlock": 30}, "london activates before an earlier fork"),
    ({"byzantiumBlock": "9"}, "config.byzantiumBlock"),
    ({"blobSchedule": {"cancun": {"target": 4, "max": 8, "baseFeeUpdateFraction": 1}}},
     "config.blobSchedule.cancun"),
])
def test_bad_fork_schedules_are_refused_by_key(change: dict, named: str) -> None:
    with pytest.raises(errors.GenesisFileError, match=named):
        chainspec.from_geth_config({**geth_config(), **change})


def test_genesis_hash_matches_the_chain(tmp_path: Path) -> None:
    store = open_store(tmp_path / "db")
    try:
        block, writes = geth_genesis.make_block(store, geth_genesis.load(CASES / "genesis.json"))
    finally:
        store.close()
    assert block.hash.hex() == GENESIS_HASH
    assert block.header.base_fee_per_gas is None and block.withdrawals is None  # pre-London
    assert writes


def test_every_fork_encoding_round_trips(tmp_path: Path) -> None:
    blocks = list(read_blocks(CASES / "chain.rlp"))
    out = tmp_path / "again.rlp"
    with open(out, "wb") as handle:
        write_blocks(handle, blocks)
    assert out.read_bytes() == (CASES / "chain.rlp").read_bytes()
    assert {tx.type for b in blocks for tx in b.transactions} == {0, 1, 2, 3, 4}
    assert blocks[-1].hash.hex() == HEAD_HASH


def test_pre_byzantium_receipt_keeps_its_state_root() -> None:
    receipt = Receipt(0, 1, 21_000, (Log(b"\x01" * 20, (b"\x02" * 32,), b"x"),), 21_000,
                      state_root=b"\x07" * 32)
    assert Receipt.decode_storage(_rlp_round_trip(receipt.encode_storage())) == receipt
    assert rlp.decode(receipt.encode_consensus())[0] == b"\x07" * 32  # a root, not a status


def _rlp_round_trip(item: list) -> list:
    return rlp.decode(rlp.encode(item))


def test_import_executes_the_chain_and_refuses_a_tampered_block(tmp_path: Path) -> None:
    config = Config().replace("storage", data_dir=str(tmp_path / "data"))
    message = chainfile_commands.import_chain(config, CASES / "chain.rlp", CASES / "genesis.json")
    assert "imported 45 blocks and 160 transactions" in message and "head 45" in message
    again = chainfile_commands.import_chain(config, CASES / "chain.rlp", CASES / "genesis.json")
    assert "imported 0 blocks" in again

    blocks = list(read_blocks(CASES / "chain.rlp"))
    tampered = tmp_path / "tampered.rlp"
    bad = dataclasses.replace(blocks[9], header=blocks[9].header.with_changes(gas_used=1))
    with open(tampered, "wb") as handle:
        write_blocks(handle, [*blocks[:9], bad])
    fresh = config.replace("storage", data_dir=str(tmp_path / "fresh"))
    with pytest.raises(errors.InvalidBlock, match="block 10: gas_used does not match"):
        chainfile_commands.import_chain(fresh, tampered, CASES / "genesis.json")


def test_a_folder_of_another_chain_is_refused(tmp_path: Path) -> None:
    config = Config().replace("storage", data_dir=str(tmp_path / "data"))
    other = tmp_path / "genesis.json"
    document = json.loads((CASES / "genesis.json").read_text())
    other.write_text(json.dumps({**document, "extraData": "0x01"}))
    empty = tmp_path / "empty.rlp"
    empty.write_bytes(b"")
    chainfile_commands.import_chain(config, empty, other)
    with pytest.raises(errors.DataDirError, match="genesis"):
        chainfile_commands.import_chain(config, CASES / "chain.rlp", CASES / "genesis.json")


def _send_blob_raw() -> tuple[bytes, str]:
    lines = (CASES / "eth_sendRawTransaction" / "send-blob-tx.io").read_text().splitlines()
    request = json.loads(next(x for x in lines if x.startswith(">> "))[3:])
    response = json.loads(next(x for x in lines if x.startswith("<< "))[3:])
    return bytes.fromhex(request["params"][0][2:]), response["result"]


def test_blob_transaction_network_form_and_its_sidecar_check() -> None:
    raw, expected_hash = _send_blob_raw()
    tx = decode_transaction(raw)
    assert "0x" + tx.hash.hex() == expected_hash
    assert tx.raw[0] == 3 and len(tx.raw) < 1000  # the block form: hashes, no blobs
    assert tx.blob_gas == 2**17
    execution.blobs.verify_sidecar(tx)
    blobs, commitments, proofs = tx.blob_sidecar
    other_blob = (b"\0" * 31 + b"\x01" + blobs[0][32:],)
    with pytest.raises(errors.InvalidBlobSidecar, match="do not verify"):
        execution.blobs.verify_sidecar(
            dataclasses.replace(tx, blob_sidecar=(other_blob, commitments, proofs)))
    with pytest.raises(errors.InvalidBlobSidecar, match="does not match its hash"):
        execution.blobs.verify_sidecar(
            dataclasses.replace(tx, blob_sidecar=(blobs, (b"\x01" * 48,), proofs)))
    with pytest.raises(errors.InvalidBlobSidecar, match="without its blobs"):
        execution.blobs.verify_sidecar(decode_transaction(tx.raw))


KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
SENDER = "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"


def prague_genesis(path: Path) -> Path:
    """Write a genesis.json of a chain merged at genesis with every fork up to Prague at 0."""
    config = {key: 0 for key in (
        "homesteadBlock", "eip150Block", "eip155Block", "eip158Block", "byzantiumBlock",
        "constantinopleBlock", "petersburgBlock", "istanbulBlock", "berlinBlock", "londonBlock",
        "mergeNetsplitBlock", "shanghaiTime", "cancunTime", "pragueTime",
        "terminalTotalDifficulty")}
    document = {"config": {**config, "chainId": 777}, "gasLimit": "0x1c9c380",
                "difficulty": "0x0", "timestamp": "0x0", "extraData": "0x",
                "alloc": {SENDER: {"balance": "0x3635c9adc5dea00000"}}}
    path.write_text(json.dumps(document))
    return path


def test_a_chain_born_in_prague_goes_on_and_reimports(tmp_path: Path) -> None:
    genesis = prague_genesis(tmp_path / "genesis.json")
    empty = tmp_path / "empty.rlp"
    empty.write_bytes(b"")
    configs = [Config().replace("storage", data_dir=str(tmp_path / name)).replace(
        "validator", key_file=str(tmp_path / "validator.key")) for name in ("a", "b")]
    for config in configs:
        chainfile_commands.import_chain(config, empty, genesis)
    producer, follower = (Node.open(config) for config in configs)
    try:
        first = producer.chain.genesis
        assert first.base_fee_per_gas == chainspec.INITIAL_BASE_FEE
        assert first.withdrawals_root == EMPTY_TRIE_ROOT and first.excess_blob_gas == 0
        assert first.requests_hash == execution.EMPTY_REQUESTS_HASH
        assert producer.config.network.chain_id == 777

        async def produce() -> list:
            blocks = []
            for nonce in range(3):
                fields = {"nonce": nonce, "gas": 21_000, "to": "0x" + "11" * 20, "value": 5,
                          "chainId": 777, "maxFeePerGas": 2 * 10**9,
                          "maxPriorityFeePerGas": 1, "type": 2}
                producer.submit_raw(bytes(Account.sign_transaction(fields, KEY).raw_transaction))
                blocks.append(await producer.producer.produce())
            return blocks

        for block in asyncio.run(produce()):
            assert len(block.transactions) == 1
            follower.chain.import_block(block, None)  # re-executed under Prague's rules
        assert follower.chain.head == producer.chain.head
        # Ethereum's rule: the base fee is burned, the producer earns only the tip.
        assert producer.state(BlockRef()).balance(producer.validator) == 3 * 21_000
    finally:
        producer.store.close()
        follower.store.close()
