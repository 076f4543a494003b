"""Blocks, transactions, receipts and logs to JSON, as geth shapes them: the only JSON builder.

Quantities are hex without leading zeros, data is 0x-prefixed hex, every field geth serves is
present. Called by `rpc/methods/*` and `rpc/subscriptions.py`.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

from eth_utils import to_checksum_address

from cmt_chain import staking
from cmt_chain.block import Block, Header, Withdrawal
from cmt_chain.calls import AccessListResult, decode_revert_reason
from cmt_chain.forks import ForkConfig
from cmt_chain.logs import LocatedLog
from cmt_chain.proofs import AccountProof
from cmt_chain.receipt import Receipt
from cmt_chain.simulate import SimulatedBlock
from cmt_chain.templates import Template
from cmt_chain.transaction import ACCESS_LIST, BLOB, DYNAMIC_FEE, LEGACY, SET_CODE, Transaction


def qty(value: int) -> str:
    return hex(value)


def hexb(value: bytes) -> str:
    return "0x" + value.hex()


def header(h: Header) -> dict[str, Any]:
    out: dict[str, Any] = {
        "hash": hexb(h.hash), "parentHash": hexb(h.parent_hash),
        "sha3Uncles": hexb(h.uncles_hash), "miner": hexb(h.coinbase),
        "stateRoot": hexb(h.state_root), "transactionsRoot": hexb(h.transactions_root),
        "receiptsRoot": hexb(h.receipts_root), "logsBloom": hexb(h.logs_bloom),
        "difficulty": qty(h.difficulty), "number": qty(h.number), "gasLimit": qty(h.gas_limit),
        "gasUsed": qty(h.gas_used), "timestamp": qty(h.timestamp),
        "extraData": hexb(h.extra_data), "mixHash": hexb(h.mix_hash), "nonce": hexb(h.nonce),
    }
    for name, value in (("baseFeePerGas", h.base_fee_per_gas),
                        ("blobGasUsed", h.blob_gas_used), ("excessBlobGas", h.excess_blob_gas)):
        if value is not None:
            out[name] = qty(value)
    for name, raw in (("withdrawalsRoot", h.withdrawals_root),
                      ("parentBeaconBlockRoot", h.parent_beacon_block_root),
                      ("requestsHash", h.requests_hash)):
        if raw is not None:
            out[name] = hexb(raw)
    return out


def block(b: Block, full_transactions: bool) -> dict[str, Any]:
    out = header(b.header)
    out["size"] = qty(b.size())
    out["uncles"] = [hexb(u.hash) for u in b.uncles]
    if full_transactions:
        out["transactions"] = [transaction(tx, b, i) for i, tx in enumerate(b.transactions)]
    else:
        out["transactions"] = [hexb(tx.hash) for tx in b.transactions]
    if b.withdrawals is not None:
        out["withdrawals"] = [_withdrawal(w) for w in b.withdrawals]
    return out


def transaction(tx: Transaction, b: Block | None = None, index: int | None = None,
                ) -> dict[str, Any]:
    """Serialize a transaction; without a block it is pending (null block fields)."""
    out: dict[str, Any] = {
        "blockHash": hexb(b.hash) if b else None,
        "blockNumber": qty(b.number) if b else None,
        "blockTimestamp": qty(b.header.timestamp) if b else None,
        "from": hexb(tx.sender), "gas": qty(tx.gas), "hash": hexb(tx.hash),
        "input": hexb(tx.data), "nonce": qty(tx.nonce), "to": hexb(tx.to) if tx.to else None,
        "transactionIndex": qty(index) if b is not None and index is not None else None,
        "value": qty(tx.value), "type": qty(tx.type),
        "v": qty(tx.v), "r": qty(tx.r), "s": qty(tx.s),
    }
    base_fee = b.header.base_fee_per_gas if b else None
    if tx.type in (LEGACY, ACCESS_LIST):
        out["gasPrice"] = qty(tx.gas_price)
    else:
        out["gasPrice"] = qty(tx.effective_gas_price(base_fee) if b else tx.max_fee_per_gas)
        out["maxFeePerGas"] = qty(tx.max_fee_per_gas)
        out["maxPriorityFeePerGas"] = qty(tx.max_priority_fee_per_gas)
    if tx.chain_id is not None:
        out["chainId"] = qty(tx.chain_id)
    if tx.type != LEGACY:
        out["accessList"] = access_list(tx.access_list)
        out["yParity"] = qty(tx.v)
    if tx.type == BLOB:
        out["maxFeePerBlobGas"] = qty(tx.max_fee_per_blob_gas or 0)
        out["blobVersionedHashes"] = [hexb(h) for h in tx.blob_versioned_hashes]
    if tx.type == SET_CODE:
        out["authorizationList"] = [
            {"chainId": qty(a.chain_id), "address": hexb(a.address), "nonce": qty(a.nonce),
             "yParity": qty(a.y_parity), "r": qty(a.r), "s": qty(a.s)}
            for a in tx.authorization_list]
    assert tx.type in (LEGACY, ACCESS_LIST, DYNAMIC_FEE, BLOB, SET_CODE)
    return out


def access_list(entries: tuple[tuple[bytes, tuple[int, ...]], ...]) -> list[dict[str, Any]]:
    return [{"address": hexb(a), "storageKeys": [f"0x{k:064x}" for k in keys]}
            for a, keys in entries]


def payload(h: Header, transactions: tuple[Transaction, ...], withdrawals: tuple[Withdrawal, ...],
            requests: tuple[bytes, ...], value: int) -> dict[str, Any]:
    """Serialize a built block as the engine API's execution payload envelope (V4)."""
    sidecars = [tx.blob_sidecar for tx in transactions if tx.blob_sidecar]
    return {
        "executionPayload": {
            "parentHash": hexb(h.parent_hash), "feeRecipient": hexb(h.coinbase),
            "stateRoot": hexb(h.state_root), "receiptsRoot": hexb(h.receipts_root),
            "logsBloom": hexb(h.logs_bloom), "prevRandao": hexb(h.mix_hash),
            "blockNumber": qty(h.number), "gasLimit": qty(h.gas_limit),
            "gasUsed": qty(h.gas_used), "timestamp": qty(h.timestamp),
            "extraData": hexb(h.extra_data), "baseFeePerGas": qty(h.base_fee_per_gas or 0),
            "blockHash": hexb(h.hash), "transactions": [hexb(tx.raw) for tx in transactions],
            "withdrawals": [_withdrawal(w) for w in withdrawals],
            "blobGasUsed": qty(h.blob_gas_used or 0), "excessBlobGas": qty(h.excess_blob_gas or 0),
        },
        "blockValue": qty(value),
        "blobsBundle": {
            "commitments": [hexb(c) for _, commitments, _ in sidecars for c in commitments],
            "proofs": [hexb(p) for _, _, proofs in sidecars for p in proofs],
            "blobs": [hexb(b) for blobs, _, _ in sidecars for b in blobs],
        },
        "executionRequests": [hexb(r) for r in requests],
        "shouldOverrideBuilder": False,
    }


def _withdrawal(w: Withdrawal) -> dict[str, Any]:
    return {"index": qty(w.index), "validatorIndex": qty(w.validator_index),
            "address": hexb(w.address), "amount": qty(w.amount)}


def access_list_result(result: AccessListResult) -> dict[str, Any]:
    """Serialize eth_createAccessList's answer; `error` only when the call failed."""
    out: dict[str, Any] = {"accessList": access_list(result.access_list),
                           "gasUsed": qty(result.gas_used)}
    if result.error is not None:
        out["error"] = result.error
    return out


def receipt(r: Receipt, b: Block, index: int, first_log_index: int,
            blob_gas_price: int | None = None) -> dict[str, Any]:
    """Serialize a receipt; `blob_gas_price` is the block's (Cancun on), for blob transactions."""
    tx = b.transactions[index]
    logs = [
        log(LocatedLog(entry, b.hash, b.number, b.header.timestamp, tx.hash, index,
                       first_log_index + i))
        for i, entry in enumerate(r.logs)
    ]
    out = {
        "blockHash": hexb(b.hash), "blockNumber": qty(b.number),
        "contractAddress": hexb(r.contract_address) if r.contract_address else None,
        "cumulativeGasUsed": qty(r.cumulative_gas_used),
        "effectiveGasPrice": qty(tx.effective_gas_price(b.header.base_fee_per_gas)),
        "from": hexb(tx.sender), "gasUsed": qty(r.gas_used), "logs": logs,
        "logsBloom": hexb(r.bloom), "status": qty(r.status),
        "to": hexb(tx.to) if tx.to else None, "transactionHash": hexb(tx.hash),
        "transactionIndex": qty(index), "type": qty(r.tx_type),
    }
    if r.state_root is not None:  # before Byzantium: the post-state root instead of a status
        del out["status"]
        out["root"] = hexb(r.state_root)
    if tx.type == BLOB:
        out["blobGasUsed"] = qty(tx.blob_gas)
        out["blobGasPrice"] = qty(blob_gas_price or 0)
    return out


def block_receipts(b: Block, receipts: tuple[Receipt, ...],
                   blob_gas_price: int | None = None) -> list[dict[str, Any]]:
    out, log_index = [], 0
    for index, r in enumerate(receipts):
        out.append(receipt(r, b, index, log_index, blob_gas_price))
        log_index += len(r.logs)
    return out


def log(entry: LocatedLog) -> dict[str, Any]:
    return {
        "address": hexb(entry.log.address), "topics": [hexb(t) for t in entry.log.topics],
        "data": hexb(entry.log.data), "blockNumber": qty(entry.block_number),
        "transactionHash": hexb(entry.tx_hash), "transactionIndex": qty(entry.tx_index),
        "blockHash": hexb(entry.block_hash), "blockTimestamp": qty(entry.block_timestamp),
        "logIndex": qty(entry.log_index), "removed": entry.removed,
    }


def account_proof(proof: AccountProof, keys: tuple[tuple[int, bool], ...]) -> dict[str, Any]:
    """Serialize an EIP-1186 proof; keys come back as sent if 32 bytes, else as quantities."""
    return {
        "address": hexb(proof.address), "accountProof": [hexb(n) for n in proof.proof],
        "balance": qty(proof.balance), "codeHash": hexb(proof.code_hash),
        "nonce": qty(proof.nonce), "storageHash": hexb(proof.storage_root),
        "storageProof": [
            {"key": f"0x{entry.slot:064x}" if full else qty(entry.slot),
             "value": qty(entry.value), "proof": [hexb(n) for n in entry.proof]}
            for entry, (_, full) in zip(proof.storage, keys, strict=True)],
    }


def fork_config(fork: ForkConfig | None) -> dict[str, Any] | None:
    """Serialize one fork of eth_config (EIP-7910); None for no such fork."""
    if fork is None:
        return None
    blobs = fork.blob_schedule
    return {
        "activationTime": fork.activation_time,
        "blobSchedule": {"target": blobs.target, "max": blobs.max,
                         "baseFeeUpdateFraction": blobs.base_fee_update_fraction},
        "chainId": qty(fork.chain_id), "forkId": hexb(fork.fork_id),
        "precompiles": {name: hexb(a) for name, a in sorted(fork.precompiles)},
        "systemContracts": {name: hexb(a) for name, a in sorted(fork.system_contracts)},
    }


def storage_values(values: tuple[tuple[bytes, tuple[int, ...]], ...]) -> dict[str, list[str]]:
    return {hexb(address): [f"0x{v:064x}" for v in slots] for address, slots in values}


def template(t: Template) -> dict[str, Any]:
    """Return a preloaded contract as cmt_getContracts lists it."""
    return {"name": t.name, "address": hexb(t.address), "abi": list(t.abi), "source": t.source}


# --- staking (the cmt_ methods: field names and shapes of CyberMiles Travis) ----------------


def _rate(bps: int) -> str:
    """Return a rate as the reference writes it: a reduced fraction ("1/10")."""
    fraction = Fraction(bps, staking.BPS)
    return f"{fraction.numerator}/{fraction.denominator}"


def validator(state: staking.StakingState, c: staking.Candidate, height: int) -> dict[str, Any]:
    """Return a validator object (amounts in wei as decimal strings, as Travis serves them)."""
    powers = staking.voting_powers(state)
    ranked = sorted(powers, key=lambda a: (-powers[a], a))
    return {
        "owner_address": to_checksum_address(c.address),
        "shares": str(staking.stake_of(state, c.address)),
        "voting_power": powers[c.address],
        "max_shares": str(c.max_amount),
        "comp_rate": _rate(c.comp_rate),
        "created_at": c.created_at,
        "description": dict(zip(("name", "website", "location", "email", "profile"),
                                dataclasses.astuple(c.description), strict=True)),
        "verified": "N",
        "active": "Y" if c.active else "N",
        "block_height": height,
        "rank": ranked.index(c.address),
        "state": staking.role(state, c.address),
        "num_of_delegators": sum(1 for d in state.delegations if d.validator == c.address),
    }


def delegations_of(state: staking.StakingState, delegator: bytes) -> list[dict[str, Any]]:
    """Return a delegator's delegations, each with its pending withdrawals to that validator."""
    powers = staking.delegation_powers(state)
    pending = staking.pending_withdrawals(state, delegator)
    validators = sorted({d.validator for d in state.delegations if d.delegator == delegator}
                        | {u.validator for u in pending})
    result = []
    for address in validators:
        found = staking.delegation(state, delegator, address)
        owner = staking.candidate(state, address)
        rate = found.comp_rate if found and found.comp_rate is not None else (
            owner.comp_rate if owner else 0)
        result.append({
            "delegator_address": to_checksum_address(delegator),
            "validator_address": to_checksum_address(address),
            "delegate_amount": str(found.amount if found else 0),
            "award_amount": str(found.award_total if found else 0),
            "pending_withdraw_amount": str(sum(u.amount for u in pending
                                               if u.validator == address)),
            "pending_withdrawals": [{"amount": str(u.amount), "release_height": u.release_at}
                                    for u in pending if u.validator == address],
            "slash_amount": str(found.slashed if found else 0),
            "comp_rate": _rate(rate),
            "voting_power": powers.get((address, delegator), 0),
        })
    return result


def award_infos(state: staking.StakingState) -> list[dict[str, Any]]:
    """Return each validator's share of the latest block's pool (award plus fees)."""
    return [{"address": to_checksum_address(a), "state": staking.role(state, a),
             "amount": str(n)} for a, n in state.last_awards]


def absences(state: staking.StakingState) -> list[dict[str, Any]]:
    """Return the validators with missed turns and how many in a row."""
    return [{"address": to_checksum_address(a), "absent_count": n,
             "limit": state.params.absence_limit} for a, n in state.absences]


def cmt_syncing(head: Header) -> dict[str, Any]:
    """Return cmt_syncing's object (the state root stands for Travis' app hash)."""
    return {"latest_block_hash": hexb(head.hash), "latest_app_hash": hexb(head.state_root),
            "latest_block_height": head.number, "latest_block_time": head.timestamp,
            "catching_up": False}


def simulated_block(built: SimulatedBlock, full_transactions: bool) -> dict[str, Any]:
    """Serialize one eth_simulateV1 block: the block as eth_getBlockByHash has it, and `calls`."""
    b = Block(built.header, built.transactions, (), built.withdrawals)
    out = block(b, full_transactions)
    calls = []
    for index, (tx, result) in enumerate(zip(b.transactions, built.calls, strict=True)):
        logs = [log(LocatedLog(entry, b.hash, b.number, b.header.timestamp, tx.hash, index,
                               log_index))
                for entry, log_index in zip(result.logs, result.log_indexes, strict=True)]
        # As geth: a failed call returns no data (a revert's is in its error).
        call: dict[str, Any] = {"returnData": hexb(b"" if result.error else result.output),
                                "logs": logs,
                                "gasUsed": qty(result.gas_used),
                                "maxUsedGas": qty(result.max_used_gas),
                                "status": qty(result.status)}
        if result.error == "execution reverted":
            reason = decode_revert_reason(result.output)
            call["error"] = {"message": f"execution reverted: {reason}" if reason
                             else "execution reverted", "code": 3, "data": hexb(result.output)}
        elif result.error is not None:
            call["error"] = {"message": result.error, "code": -32015}  # geth's VM error code
        calls.append(call)
    out["calls"] = calls
    return out
