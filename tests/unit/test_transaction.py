"""Transaction decoding and sender recovery for every supported type, and malformed input."""

import pytest
import rlp
from eth_account import Account

from cmt_chain import errors
from cmt_chain.transaction import decode_transaction

KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
SENDER = bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BASE = {"nonce": 7, "gas": 50_000, "to": TO, "value": 5, "data": b"\x01\x02"}


def sign(fields):
    return bytes(Account.sign_transaction(fields, KEY).raw_transaction)


@pytest.mark.parametrize(("fields", "tx_type"), [
    ({**BASE, "gasPrice": 3, "chainId": 1234}, 0),
    ({**BASE, "gasPrice": 3, "chainId": 1234, "accessList": [
        {"address": TO, "storageKeys": ["0x" + "00" * 31 + "01"]}]}, 1),
    ({**BASE, "maxFeePerGas": 9, "maxPriorityFeePerGas": 2, "chainId": 1234, "type": 2}, 2),
])
def test_decodes_and_recovers_each_type(fields, tx_type):
    raw = sign(fields)
    tx = decode_transaction(raw)
    assert tx.type == tx_type and tx.sender == SENDER and tx.chain_id == 1234
    assert (tx.nonce, tx.gas, tx.value, tx.data) == (7, 50_000, 5, b"\x01\x02")
    assert tx.to == bytes.fromhex(TO[2:].lower())
    assert tx.raw == raw and tx.is_protected


def test_dynamic_fee_prices():
    tx = decode_transaction(sign({**BASE, "maxFeePerGas": 9, "maxPriorityFeePerGas": 2,
                                  "chainId": 1234, "type": 2}))
    assert tx.effective_gas_price(5) == 7 and tx.effective_gas_price(8) == 9
    assert tx.max_cost() == 50_000 * 9 + 5


def test_unprotected_legacy_has_no_chain_id():
    raw = sign({**BASE, "gasPrice": 3})
    tx = decode_transaction(raw)
    assert tx.chain_id is None and not tx.is_protected and tx.sender == SENDER


def test_set_code_transaction_decodes_authorizations():
    authority = Account.from_key(KEY)
    auth = authority.sign_authorization({"chainId": 1234, "address": TO, "nonce": 8})
    raw = sign({**BASE, "maxFeePerGas": 9, "maxPriorityFeePerGas": 2, "chainId": 1234,
                "type": 4, "authorizationList": [auth]})
    tx = decode_transaction(raw)
    assert tx.type == 4 and len(tx.authorization_list) == 1
    assert tx.authorization_list[0].nonce == 8


@pytest.mark.parametrize("raw", [b"", b"\x05\xc0", b"\xc0", b"\x02\xc0", b"\xff\xff",
                                 rlp.encode([b"\x01"] * 9)[:-1]])
def test_malformed_bytes_are_invalid_encodings(raw):
    with pytest.raises(errors.InvalidTransactionEncoding):
        decode_transaction(raw)


def test_tampered_signature_is_invalid_sender():
    raw = bytearray(sign({**BASE, "maxFeePerGas": 9, "maxPriorityFeePerGas": 2,
                          "chainId": 1234, "type": 2}))
    items = rlp.decode(bytes(raw[1:]))
    items[-1] = b"\xff" * 32  # s above the curve order
    with pytest.raises(errors.InvalidSender):
        decode_transaction(b"\x02" + rlp.encode(items))


def test_leading_zero_integer_is_refused():
    items = rlp.decode(sign({**BASE, "gasPrice": 3, "chainId": 1234}))
    items[0] = b"\x00\x07"
    with pytest.raises(errors.InvalidTransactionEncoding, match="leading zero"):
        decode_transaction(rlp.encode(items))
