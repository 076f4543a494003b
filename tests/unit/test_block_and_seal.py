"""Header encoding matches py-evm's, and seals sign and recover the validator."""

import pytest
from eth.vm.forks.prague.headers import PragueBlockHeader

from cmt_chain import consensus, errors
from cmt_chain.block import EMPTY_TRIE_ROOT, Header

KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")


def header(**changes):
    fields = dict(
        parent_hash=b"\x01" * 32, coinbase=b"\x02" * 20, state_root=b"\x03" * 32,
        transactions_root=EMPTY_TRIE_ROOT, receipts_root=EMPTY_TRIE_ROOT,
        logs_bloom=b"\x00" * 256, number=7, gas_limit=30_000_000, gas_used=21_000,
        timestamp=1_700_000_000, extra_data=b"cmt", base_fee_per_gas=2 * 10**9,
        withdrawals_root=EMPTY_TRIE_ROOT, blob_gas_used=0, excess_blob_gas=0,
        parent_beacon_block_root=b"\x00" * 32, requests_hash=b"\x04" * 32)
    fields.update(changes)
    return Header(**fields)


def test_header_hash_equals_py_evm_prague_header_hash():
    ours = header()
    theirs = PragueBlockHeader(
        parent_hash=ours.parent_hash, uncles_hash=ours.uncles_hash, coinbase=ours.coinbase,
        state_root=ours.state_root, transaction_root=ours.transactions_root,
        receipt_root=ours.receipts_root, bloom=0, difficulty=0, block_number=7,
        gas_limit=ours.gas_limit, gas_used=ours.gas_used, timestamp=ours.timestamp,
        extra_data=ours.extra_data, mix_hash=ours.mix_hash, nonce=ours.nonce,
        base_fee_per_gas=ours.base_fee_per_gas, withdrawals_root=ours.withdrawals_root,
        blob_gas_used=0, excess_blob_gas=0, parent_beacon_block_root=b"\x00" * 32,
        requests_hash=b"\x04" * 32)
    assert ours.hash == theirs.hash
    assert Header.decode(ours.encode()) == ours


def test_pre_london_header_round_trips_without_optional_fields():
    old = header(base_fee_per_gas=None, withdrawals_root=None, blob_gas_used=None,
                 excess_blob_gas=None, parent_beacon_block_root=None, requests_hash=None)
    assert Header.decode(old.encode()) == old
    assert len(old.rlp_fields()) == 15


def test_seal_recovers_the_validator():
    sealed = header()
    signature = consensus.seal(sealed, KEY)
    assert consensus.recover_signer(sealed, signature) == consensus.address_of(KEY)
    other = header(number=8)
    assert consensus.recover_signer(other, signature) != consensus.address_of(KEY)


@pytest.mark.parametrize("signature", [b"", b"\x01" * 64, b"\x01" * 64 + b"\x05",
                                       b"\x00" * 65])
def test_malformed_seals_are_invalid_blocks(signature):
    with pytest.raises(errors.InvalidBlock):
        consensus.recover_signer(header(), signature)
