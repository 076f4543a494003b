"""EIP-7702: an account delegates to contract code with a type-4 transaction, over RPC."""

from eth_account import Account
from web3 import Web3

from tests.nodeproc import CHAIN_ID, DEV_KEYS


def test_set_code_transaction_delegates_an_account(w3: Web3, emitter_artifact: dict) -> None:
    deployer = Account.from_key(DEV_KEYS[0])
    emitter = w3.eth.contract(abi=emitter_artifact["abi"], bytecode=emitter_artifact["bytecode"])
    deploy_hash = emitter.constructor(1).transact({"from": deployer.address})
    target = w3.eth.wait_for_transaction_receipt(deploy_hash).contractAddress

    authority = Account.create("7702 authority")
    sponsor = Account.from_key(DEV_KEYS[1])
    auth = authority.sign_authorization({"chainId": CHAIN_ID, "address": target, "nonce": 0})
    call = emitter.encode_abi("set", [77])
    fields = {
        "type": 4, "chainId": CHAIN_ID, "nonce": w3.eth.get_transaction_count(sponsor.address),
        "to": authority.address, "value": 0, "data": call, "gas": 200_000,
        "maxFeePerGas": 10 * 10**9, "maxPriorityFeePerGas": 10**9, "authorizationList": [auth],
    }
    signed = sponsor.sign_transaction(fields)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)

    assert receipt.status == 1 and receipt.type == 4
    code = w3.eth.get_code(authority.address)
    assert bytes(code) == bytes.fromhex("ef0100") + bytes.fromhex(target[2:])
    assert w3.eth.get_storage_at(authority.address, 0) == (77).to_bytes(32, "big")
    delegated = w3.eth.contract(address=authority.address, abi=emitter_artifact["abi"])
    assert delegated.functions.value().call() == 77
    assert w3.eth.get_transaction_count(authority.address) == 1  # the authorization's nonce
    tx = w3.eth.get_transaction(signed.hash)
    assert tx["type"] == 4 and len(tx["authorizationList"]) == 1
