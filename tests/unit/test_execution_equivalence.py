"""The one-pass block builder gives bit-identical results to py-evm's own MiningChain path.

A mixed workload (transfers of every type, a deployment, event-emitting calls, a revert, an
out-of-gas failure, an EIP-7702 delegation) runs through both; state root, transaction and receipt
roots, bloom, gas and every receipt must match. The base fee is zero so py-evm's burn and the
chain's credit to the validator coincide (both move nothing).
"""

import json
from pathlib import Path

import pytest
from eth.chains.base import MiningChain
from eth.consensus.noproof import NoProofConsensus
from eth.db.atomic import AtomicDB
from eth.vm.forks.prague import PragueVM
from eth_account import Account
from eth_utils import to_checksum_address

from cmt_chain import execution
from cmt_chain.block import EMPTY_TRIE_ROOT, ZERO_HASH
from cmt_chain.calls import BlockEnv
from cmt_chain.storage.kv import open_store
from cmt_chain.transaction import decode_transaction

ARTIFACT = json.loads((Path(__file__).parents[1] / "fixtures/contracts/EventEmitter.json")
                      .read_text())
KEYS = [Account.from_key(bytes([i + 1]) * 32) for i in range(3)]
COINBASE = b"\x0c" * 20
GAS_LIMIT = 30_000_000
TIMESTAMP = 1_700_000_000
RANDAO = b"\x42" * 32
CHAIN_ID = 1234


def workload() -> list[bytes]:
    """Return signed raw transactions of a mixed workload."""
    deployer, user, other = KEYS
    contract = _contract_address(deployer.address, 0)
    sel = {name: _selector(sig) for name, sig in (
        ("set", "set(uint256)"), ("emitMany", "emitMany(uint256)"), ("fail", "fail(string)"),
        ("burn", "burn(uint256)"))}
    fee = {"maxFeePerGas": 10**9, "maxPriorityFeePerGas": 10**8, "chainId": CHAIN_ID, "type": 2}
    delegate = other.sign_authorization({"chainId": CHAIN_ID, "address": contract, "nonce": 0})
    txs = [
        deployer.sign_transaction({"nonce": 0, "gas": 2_000_000, "data": ARTIFACT["bytecode"]
                                   + "00" * 31 + "05", **fee}),
        user.sign_transaction({"nonce": 0, "gas": 21_000, "to": other.address, "value": 7,
                               "gasPrice": 10**9, "chainId": CHAIN_ID}),
        user.sign_transaction({"nonce": 1, "gas": 60_000, "to": contract,
                               "data": sel["set"] + _word(9), **fee}),
        user.sign_transaction({"nonce": 2, "gas": 300_000, "to": contract,
                               "data": sel["emitMany"] + _word(12), **fee}),
        user.sign_transaction({"nonce": 3, "gas": 100_000, "to": contract,
                               "data": sel["fail"] + _word(32) + _word(4) + "626f6f6d" + "00" * 28,
                               **fee}),
        user.sign_transaction({"nonce": 4, "gas": 60_000, "to": contract,
                               "data": sel["burn"] + _word(50), **fee}),  # runs out of gas
        deployer.sign_transaction({"nonce": 1, "gas": 40_000, "to": other.address, "value": 1,
                                   "gasPrice": 10**9, "chainId": CHAIN_ID, "type": 1,
                                   "accessList": [{"address": contract, "storageKeys": [
                                       "0x" + "00" * 32]}]}),
        deployer.sign_transaction({"nonce": 2, "gas": 200_000, "to": other.address,
                                   "data": sel["set"] + _word(3), "authorizationList": [delegate],
                                   **{**fee, "type": 4}}),
    ]
    return [bytes(tx.raw_transaction) for tx in txs]


def _word(value: int) -> str:
    return f"{value:064x}"


def _selector(signature: str) -> str:
    from eth_hash.auto import keccak

    return "0x" + keccak(signature.encode())[:4].hex()


def _contract_address(sender: str, nonce: int) -> str:
    import rlp
    from eth_hash.auto import keccak

    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])


GENESIS_STATE = {bytes.fromhex(k.address[2:]): {"balance": 10**21, "nonce": 0, "code": b"",
                                                "storage": {}} for k in KEYS}


def reference_chain(genesis_state: dict):
    """Return py-evm's own MiningChain (Prague, no proof of work) from `genesis_state`."""
    vm = PragueVM.configure(consensus_class=NoProofConsensus)
    chain_class = MiningChain.configure(vm_configuration=((0, vm),), chain_id=CHAIN_ID)
    genesis = dict(
        difficulty=0, gas_limit=GAS_LIMIT, timestamp=TIMESTAMP - 1, base_fee_per_gas=0,
        withdrawals_root=EMPTY_TRIE_ROOT, blob_gas_used=0, excess_blob_gas=0,
        parent_beacon_block_root=ZERO_HASH, requests_hash=execution.EMPTY_REQUESTS_HASH,
        nonce=b"\x00" * 8, coinbase=b"\x00" * 20)
    return chain_class.from_genesis(AtomicDB(), genesis, genesis_state)


def py_evm_block(raw_txs: list[bytes]):
    chain = reference_chain(GENESIS_STATE)
    chain.header = chain.header.copy(coinbase=COINBASE, timestamp=TIMESTAMP, mix_hash=RANDAO)
    builder = PragueVM.get_transaction_builder()
    receipts = []
    for raw in raw_txs:
        _, receipt, _ = chain.apply_transaction(builder.decode(raw))
        receipts.append(receipt)
    block = chain.mine_block(mix_hash=RANDAO)
    return chain.get_canonical_head().parent_hash, block, receipts


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "db")
    yield store
    store.close()


def test_block_builder_matches_py_evm_bit_for_bit(store):
    raw_txs = workload()
    genesis_hash, reference, reference_receipts = py_evm_block(raw_txs)
    accounts = [execution.GenesisAccount(address, balance=10**21) for address in GENESIS_STATE]
    state_root, writes = execution.genesis_state(store, accounts)
    store.write([("state", key, value) for key, value in writes.items()])
    env = BlockEnv(number=1, timestamp=TIMESTAMP, coinbase=COINBASE,
                             gas_limit=GAS_LIMIT, base_fee=0, chain_id=CHAIN_ID,
                             prev_randao=RANDAO, ancestor_hashes=(genesis_hash,))
    built = execution.build_block(store, state_root, genesis_hash, env,
                                  [decode_transaction(raw) for raw in raw_txs], strict=True)

    header = reference.header
    assert [r.status for r in built.receipts] == [1, 1, 1, 1, 0, 0, 1, 1]
    assert built.header.state_root == header.state_root
    assert built.header.transactions_root == header.transaction_root
    assert built.header.receipts_root == header.receipt_root
    assert built.header.gas_used == header.gas_used
    assert int.from_bytes(built.header.logs_bloom, "big") == header.bloom
    for ours, theirs in zip(built.receipts, reference_receipts, strict=True):
        assert ours.encode_consensus() == theirs.encode()
    assert len(built.receipts[3].logs) == 12


@pytest.mark.parametrize("fields", [
    {"type": 2, "chainId": CHAIN_ID, "nonce": 5, "gas": 21_000, "maxFeePerGas": 10**10,
     "maxPriorityFeePerGas": 10**9, "to": "0x" + "22" * 20, "value": 1},
    {"type": 2, "chainId": CHAIN_ID, "nonce": 0, "gas": 100_000, "maxFeePerGas": 10**10,
     "maxPriorityFeePerGas": 0, "data": "0x6000", "value": 0},
    {"chainId": CHAIN_ID, "nonce": 7, "gas": 21_000, "gasPrice": 10**10, "to": "0x" + "22" * 20,
     "value": 10**18},
    {"nonce": 7, "gas": 21_000, "gasPrice": 10**10, "to": "0x" + "22" * 20, "value": 3},
    {"chainId": CHAIN_ID, "nonce": 0, "gas": 90_000, "gasPrice": 10**10, "data": "0x6000"},
], ids=["1559-transfer", "1559-create", "155-transfer", "unprotected", "legacy-create"])
def test_transaction_rebuilt_from_fields_is_the_decoded_one(fields):
    raw = bytes(KEYS[0].sign_transaction(fields).raw_transaction)
    rebuilt = execution.to_evm_transaction(decode_transaction(raw))
    decoded = execution.vm.BUILDER.decode(raw)
    assert rebuilt.encode() == decoded.encode() == raw
    assert rebuilt.hash == decoded.hash
    assert rebuilt.intrinsic_gas == decoded.intrinsic_gas


def storage_workload() -> list[list[bytes]]:
    """Return three blocks that grow, rewrite, clear and revert contract storage over time."""
    deployer, user, other = KEYS
    contract = _contract_address(deployer.address, 0)
    fee = {"maxFeePerGas": 10**9, "maxPriorityFeePerGas": 10**8, "chainId": CHAIN_ID, "type": 2}
    nonces = {key.address: 0 for key in KEYS}

    def tx(key, **fields):
        signed = key.sign_transaction({"nonce": nonces[key.address], **fee, **fields})
        nonces[key.address] += 1
        return bytes(signed.raw_transaction)

    def call(key, name, arg, gas=1_200_000):
        sig = {"set": "set(uint256)", "burn": "burn(uint256)"}[name]
        return tx(key, to=contract, gas=gas, data=_selector(sig) + _word(arg))

    def pay(key, i):  # to a fresh account each time: the account trie grows
        return tx(key, to=to_checksum_address((0xABC000 + i).to_bytes(20, "big")), value=i + 1,
                  gas=21_000)

    first = [tx(deployer, gas=2_000_000, data=ARTIFACT["bytecode"] + _word(5)),
             call(user, "burn", 40), call(other, "set", 9)] + [pay(user, i) for i in range(30)]
    second = [call(user, "set", 0),  # clears slot 0: a deletion from the stored trie
              call(other, "burn", 25), call(user, "burn", 200, gas=60_000),  # runs out of gas
              call(deployer, "set", 3), call(other, "set", 0)] + [
                  pay(other, 100 + i) for i in range(30)]
    third = [call(user, "burn", 3), call(deployer, "set", 11)] + [
        pay(deployer, 200 + i) for i in range(5)]
    return [first, second, third]


def test_block_builder_matches_py_evm_over_several_blocks_of_storage(store):
    blocks = storage_workload()
    chain = reference_chain(GENESIS_STATE)
    builder = PragueVM.get_transaction_builder()
    accounts = [execution.GenesisAccount(address, balance=10**21) for address in GENESIS_STATE]
    state_root, writes = execution.genesis_state(store, accounts)
    store.write([("state", key, value) for key, value in writes.items()])

    for number, raw_txs in enumerate(blocks, start=1):
        parent = chain.get_canonical_head()
        chain.header = chain.header.copy(coinbase=COINBASE, timestamp=TIMESTAMP + number,
                                         mix_hash=RANDAO)
        theirs = [chain.apply_transaction(builder.decode(raw))[1] for raw in raw_txs]
        reference = chain.mine_block(mix_hash=RANDAO).header
        env = BlockEnv(number=number, timestamp=TIMESTAMP + number, coinbase=COINBASE,
                       gas_limit=GAS_LIMIT, base_fee=reference.base_fee_per_gas,
                       chain_id=CHAIN_ID, prev_randao=RANDAO, ancestor_hashes=(parent.hash,))
        built = execution.build_block(store, state_root, parent.hash, env,
                                      [decode_transaction(raw) for raw in raw_txs], strict=True)
        assert built.header.state_root == reference.state_root, f"block {number}"
        assert built.header.receipts_root == reference.receipt_root
        assert [r.encode_consensus() for r in built.receipts] == [r.encode() for r in theirs]
        assert [r.status for r in built.receipts][:5] == (
            [1, 1, 0, 1, 1] if number == 2 else [1] * 5)
        store.write([("state", key, value) for key, value in built.state_writes.items()])
        state_root = built.header.state_root


def _push(value: int, size: int = 32) -> bytes:
    return bytes([0x5F + size]) + value.to_bytes(size, "big")


def _store(slot: int) -> bytes:
    return _push(slot, 1) + b"\x55"  # PUSH1 slot SSTORE


MAX = 2**256 - 1
# Contracts exercising the block builder's own opcode implementations (fast_opcodes.py) at their
# edges; each stores what it computes, so the state root checks every result.
def _arithmetic() -> bytes:
    head = b"".join([
        _push(1, 1), _push(MAX), b"\x01", _store(0),            # ADD wraps
        _push(2, 1), _push(1, 1), b"\x03", _store(1),           # SUB underflows
        _push(MAX), _push(300, 2), b"\x1b", _store(2),          # SHL by >= 256 is 0
        _push(MAX), _push(255, 1), b"\x1c", _store(3),          # SHR
        _push(1, 1), _push(MAX), b"\x12", _store(4),            # SLT: -1 < 1
        _push(1, 1), _push(MAX), b"\x13", _store(5),            # SGT
        _push(7, 1), _push(7, 1), b"\x14", _store(6),           # EQ
        _push(0, 0), b"\x15", _store(7),                        # PUSH0, ISZERO
        _push(0xF0, 1), _push(0x3C, 1), b"\x16", _push(0x0F, 1), b"\x17", _push(0xFF, 1),
        b"\x18", _store(8),                                     # AND, OR, XOR
        b"".join(_push(i, 1) for i in range(17)), b"\x8f", _store(9),  # DUP16
        b"\x9f", _store(10), b"\x50" * 15,                      # SWAP16, POP
    ])
    target = len(head) + 2 + 3 + 1 + 4  # past PUSH1 1, PUSH2 target, JUMPI and four STOPs
    return b"".join([
        head, _push(1, 1), _push(target, 2), b"\x57", b"\x00" * 4,  # JUMPI taken over STOPs
        b"\x5b", _push(42, 1), _store(11),                      # ... to this JUMPDEST
        _push(0, 1), _push(0, 1), b"\x57", _push(43, 1), _store(12),  # JUMPI not taken
        b"\x61\xff",                                            # PUSH2 cut off by the end
    ])


# Contracts exercising the block builder's own opcode implementations (fast_opcodes.py) at their
# edges; the first stores what it computes, so the state root checks every result.
OPCODE_CONTRACTS = {
    "arithmetic": _arithmetic(),
    "bad_jump": _push(3, 1) + b"\x56" + b"\x60\x5b",            # JUMP into PUSH data
    "underflow": b"\x01",                                       # ADD on an empty stack
    "overflow": b"\x5b" + _push(0, 1) + _push(0, 1) + b"\x56",  # loop pushing: stack full
    "spin": b"\x5b" + _push(0, 1) + b"\x56",                    # runs out of gas
}


def _opcode_genesis() -> tuple[dict, dict[str, bytes]]:
    addresses = {name: bytes([0xC0, i]) + b"\x00" * 18 for i, name in enumerate(OPCODE_CONTRACTS)}
    state = dict(GENESIS_STATE)
    for name, code in OPCODE_CONTRACTS.items():
        state[addresses[name]] = {"balance": 0, "nonce": 0, "code": code, "storage": {}}
    return state, addresses


def test_fast_opcodes_match_py_evm_at_their_edges(store):
    genesis_state, addresses = _opcode_genesis()
    user = KEYS[1]
    fee = {"maxFeePerGas": 10**9, "maxPriorityFeePerGas": 10**8, "chainId": CHAIN_ID, "type": 2}
    raw_txs = [bytes(user.sign_transaction({
        "nonce": i, "to": to_checksum_address(addresses[name]), **fee,
        "gas": 1_000_000 if name == "arithmetic" else 100_000,
    }).raw_transaction) for i, name in enumerate(OPCODE_CONTRACTS)]
    chain = reference_chain(genesis_state)
    chain.header = chain.header.copy(coinbase=COINBASE, timestamp=TIMESTAMP, mix_hash=RANDAO)
    builder = PragueVM.get_transaction_builder()
    theirs = [chain.apply_transaction(builder.decode(raw))[1] for raw in raw_txs]
    reference = chain.mine_block(mix_hash=RANDAO).header

    accounts = [execution.GenesisAccount(address, balance=entry["balance"], code=entry["code"])
                for address, entry in genesis_state.items()]
    state_root, writes = execution.genesis_state(store, accounts)
    store.write([("state", key, value) for key, value in writes.items()])
    env = BlockEnv(number=1, timestamp=TIMESTAMP, coinbase=COINBASE, gas_limit=GAS_LIMIT,
                   base_fee=0, chain_id=CHAIN_ID, prev_randao=RANDAO,
                   ancestor_hashes=(reference.parent_hash,))
    built = execution.build_block(store, state_root, reference.parent_hash, env,
                                  [decode_transaction(raw) for raw in raw_txs], strict=True)
    assert [r.status for r in built.receipts] == [1, 0, 0, 0, 0]
    assert [r.encode_consensus() for r in built.receipts] == [r.encode() for r in theirs]
    assert built.header.state_root == reference.state_root
    store.write([("state", key, value) for key, value in built.state_writes.items()])
    reader = execution.AccountReader(store, built.header.state_root)
    assert [reader.storage(addresses["arithmetic"], slot) for slot in (0, 1, 6, 7, 11, 12)] == [
        0, MAX, 1, 1, 42, 43]
