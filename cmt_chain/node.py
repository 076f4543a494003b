"""The composition root: opens storage, builds chain, pool, producer and events, and offers the
operations the RPC layer needs (the narrow backend it depends on).

`Node.open(config)` wires everything; `start()`/`stop()` run and end the producer. The RPC methods
call the operations below with typed values (parsed at the RPC edge) and get typed values back.
Long work (calls, gas estimates) runs in worker threads so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import to_checksum_address

from . import chainspec, errors, execution, fees, forks, proofs
from .accounts import (
    DevAccount,
    dev_accounts,
    dev_validator_key,
    load_or_create_key,
    validator_address,
)
from .block import Header, PayloadAttributes, Withdrawal
from .calls import (
    NO_OVERRIDES,
    AccessListResult,
    CallOverrides,
    CallRequest,
    decode_revert_reason,
)
from .chain import Chain
from .cheats import Cheats, PatchedReader, impersonated_transaction
from .config import Config, ConfigError
from .events import EventBus, NewPendingTx
from .executor import Executor, ProcessExecutor, ThreadExecutor
from .logs import LocatedLog, LogFilter, find_logs, logs_in_block
from .producer import Producer
from .replay import Replayer
from .simulate import (
    SimRequest,
    SimulatedBlock,
    check_request,
    plan_blocks,
    with_first_overrides,
)
from .staking import StakingState, settle_all
from .storage import schema
from .storage.kv import Store, open_store
from .transaction import ACCESS_LIST, BLOB, DYNAMIC_FEE, LEGACY, Transaction, decode_transaction
from .txpool import PoolLimits, TxPool

log = logging.getLogger(__name__)
CLIENT_VERSION = "cmt-chain/v0.1.0/python"
FEE_HISTORY_BLOCKS = 20


@dataclass(frozen=True, slots=True)
class FeeHistory:
    oldest: int
    base_fees: list[int]  # one per block, plus the next block's
    gas_used_ratios: list[float]
    rewards: list[list[int]]
    blob_base_fees: list[int]  # one per block (0 before Cancun), plus the next block's
    blob_gas_used_ratios: list[float]


@dataclass(frozen=True, slots=True)
class Payload:
    """A block built but not stored (testing_buildBlockV1), with what its producer earns."""

    built: execution.BuiltBlock
    withdrawals: tuple[Withdrawal, ...]
    value: int  # fees the fee recipient receives


@dataclass(frozen=True, slots=True)
class BlockRef:
    """A block named by tag, number or hash (EIP-1898), as parsed at the RPC edge."""

    tag: str | None = "latest"
    number: int | None = None
    hash: bytes | None = None
    require_canonical: bool = False


def adopt_stored_chain(config: Config, store: Store) -> Config:
    """Return the config for the chain the data folder holds: an imported Ethereum chain
    (geth genesis) brings its chain id and Ethereum's fees (no minimum gas price), and has no
    dev accounts (the mnemonic's accounts hold nothing there)."""
    stored = store.get(schema.META, schema.CHAIN_SPEC_KEY)
    spec = chainspec.from_json(stored.decode()) if stored else None
    if spec is None or not spec.burn_base_fee:
        return config
    return (config.replace("network", chain_id=spec.chain_id)
            .replace("fees", min_gas_price=0).replace("genesis", dev_accounts=0))


class Node:
    """One running cmt-chain node."""

    def __init__(self, config: Config, store: Store, validator_key: bytes,
                 extra_keys: tuple[bytes, ...] = ()) -> None:
        self.config = config
        self.store = store
        self.events = EventBus()
        self.validator = validator_address(validator_key)
        local = (self.validator, *(validator_address(k) for k in extra_keys))
        self.chain = Chain(store, config, self.events, genesis_validators=local)
        self._accounts_at = b""
        self._accounts: dict[bytes, tuple[int, int]] = {}
        self._head_reader = self.chain.state_at(self.chain.head)
        ethereum = self.chain.spec.burn_base_fee  # an imported Ethereum chain
        self.pool = TxPool(config.txpool, PoolLimits(
            chain_id=config.network.chain_id, block_gas_limit=(
                self.chain.head.gas_limit if ethereum else config.genesis.gas_limit),
            min_gas_price=config.fees.min_gas_price, accept_blobs=ethereum,
            free_lane=self.chain.free_lane),
            self._account_state, self._sponsorship)
        self.executor: Executor = ThreadExecutor(store)
        self.producer = Producer(self.chain, self.pool, config.mining,
                                 (validator_key, *extra_keys), self.events, self.executor)
        self.cheats = Cheats()  # dev mode's pending state patch, impersonation, snapshots
        self.replay = Replayer(self.chain)  # tracing: debug_trace*, trace_*, ots_*
        self.producer.cheats = self.cheats
        self.dev_accounts: dict[bytes, DevAccount] = {}
        if config.network.dev:
            accounts = dev_accounts(config.genesis.mnemonic, config.genesis.dev_accounts)
            self.dev_accounts = {a.address: a for a in accounts}

    @classmethod
    def open(cls, config: Config) -> Node:
        """Open (or create) the node's data folder and everything on it."""
        data_dir = config.data_dir
        if config.validator.key_file:
            key = load_or_create_key(Path(config.validator.key_file))
        elif config.network.dev:
            key = dev_validator_key(config.genesis.mnemonic)
        else:
            key = load_or_create_key(data_dir / "validator.key")
        missing = [p for p in config.validator.extra_key_files if not Path(p).is_file()]
        if missing:  # never make up a validator key the operator named
            raise ConfigError(f"validator.extra_key_files: no key file at {missing[0]}")
        extra = tuple(load_or_create_key(Path(p)) for p in config.validator.extra_key_files)
        store = open_store(data_dir / "chaindb", config.storage.sync_writes)
        try:
            return cls(adopt_stored_chain(config, store), store, key, extra)
        except Exception:
            store.close()
            raise

    async def start(self) -> None:
        if self.config.mining.executor == "process":
            data = self.config.data_dir
            self.executor = ProcessExecutor(data / "chaindb", data / "executor-view")
            self.producer.executor = self.executor
        self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()
        self.executor.close()
        self.store.close()

    # --- accounts and state -------------------------------------------------------------------

    def _account_state(self, address: bytes) -> tuple[int, int]:
        """Return (nonce, balance) at the head; memoized until the head moves."""
        head = self.chain.head.hash
        if self._accounts_at != head:
            self._accounts_at, self._accounts = head, {}
            self._head_reader = self.chain.state_at(self.chain.head)
        known = self._accounts.get(address)
        if known is None:
            known = self._head_reader.nonce(address), self._head_reader.balance(address)
            self._accounts[address] = known
        return self.cheats.account_state(address, *known)

    def _sponsorship(self, tx: Transaction) -> tuple[bool, errors.ChainError | None]:
        """Return whether a zero-priced call has a sponsor, and why it cannot pay at the head."""
        reader = self.chain.state_at(self.chain.head)
        book = execution.read_book(
            lambda slot: reader.storage(execution.SPONSOR_ADDRESS, slot))
        sponsor = fees.sponsor_for_call(book, tx.to, tx.data) if book is not None else None
        if book is None or sponsor is None:
            return False, None
        return True, fees.sponsorship_refusal(
            book, sponsor, tx.sender, tx.gas, self.chain.next_base_fee(self.chain.head),
            self.chain.head.number + 1)

    def resolve(self, ref: BlockRef) -> Header:
        """Return the header a BlockRef names; raise UnknownBlock if there is none."""
        header: Header | None
        if ref.hash is not None:
            header = self.chain.header_by_hash(ref.hash)
            if header is not None and ref.require_canonical and (
                    self.chain.header_by_number(header.number) != header):
                header = None
        elif ref.number is not None:
            header = self.chain.header_by_number(ref.number)
        elif ref.tag == "earliest":
            header = self.chain.genesis
        else:  # latest, pending, safe, finalized: one validator seals with instant finality
            header = self.chain.head
        if header is None:
            raise errors.UnknownBlockHash() if ref.hash is not None else errors.UnknownBlock()
        return header

    def state(self, ref: BlockRef) -> execution.AccountReader | PatchedReader:
        header = self.resolve(ref)
        reader = self.chain.state_at(header)
        if self.cheats.patch and header.hash == self.chain.head.hash:
            return PatchedReader(reader, self.cheats.patch)  # dev cheats show at once
        return reader

    def _with_cheats(self, header: Header, overrides: CallOverrides) -> CallOverrides:
        """Lay the caller's overrides over the pending dev patch, for calls at the head."""
        if not self.cheats.patch or header.hash != self.chain.head.hash:
            return overrides
        return CallOverrides(self.cheats.overrides() + overrides.accounts, overrides.block)

    def transaction_count(self, address: bytes, ref: BlockRef) -> int:
        if ref.tag == "pending" and ref.hash is None and ref.number is None:
            return self.pool.pending_nonce(address)
        return self.state(ref).nonce(address)

    def proof(self, address: bytes, slots: tuple[int, ...], ref: BlockRef) -> proofs.AccountProof:
        """Return the EIP-1186 proof of an account and some of its slots (eth_getProof)."""
        return proofs.account_proof(self.store, self.resolve(ref).state_root, address, slots)

    def fork(self) -> forks.ForkConfig:
        spec = self.chain.spec
        return forks.current_fork(spec.chain_id, self.chain.genesis.hash,
                                  self.chain.genesis.timestamp, spec.activations)

    # --- transactions -------------------------------------------------------------------------

    def submit_raw(self, raw: bytes) -> bytes:
        """Decode, validate and pool a signed transaction; return its hash."""
        tx = decode_transaction(raw)
        if tx.type == BLOB:
            execution.blobs.verify_sidecar(tx)
        return self.submit(tx)

    def submit(self, tx: Transaction) -> bytes:
        base_fee = self.chain.next_base_fee(self.chain.head)
        self.pool.add(tx, base_fee)
        self.events.publish(NewPendingTx(tx))
        return tx.hash

    def send_transaction(self, request: CallRequest) -> bytes:
        """Fill in, sign with an unlocked dev account, and submit (eth_sendTransaction).

        An impersonated sender (anvil_impersonateAccount) needs no key: see `cheats`.
        """
        impersonated = request.sender in self.cheats.impersonated
        account = None if impersonated else self._unlocked(request.sender)
        gas = request.gas or self.estimate_gas_sync(request, BlockRef("pending"))
        fields: dict[str, Any] = {
            "chainId": self.config.network.chain_id,
            "nonce": request.nonce if request.nonce is not None else self.pool.pending_nonce(
                request.sender),
            "gas": gas, "value": request.value, "data": request.data,
        }
        if request.to is not None:
            fields["to"] = to_checksum_address(request.to)
        fields.update(self._fee_fields(request))
        if request.access_list or fields.get("type") == ACCESS_LIST:
            fields["accessList"] = [
                {"address": to_checksum_address(a), "storageKeys": [f"0x{k:064x}" for k in keys]}
                for a, keys in request.access_list]
        if account is None:
            return self.submit(impersonated_transaction(fields, request.sender))
        signed = Account.sign_transaction(fields, account.private_key)
        return self.submit_raw(bytes(signed.raw_transaction))

    def _fee_fields(self, request: CallRequest) -> dict[str, Any]:
        """Choose the transaction type and prices as geth does for eth_sendTransaction."""
        if request.tx_type in (LEGACY, ACCESS_LIST) or (
                request.gas_price is not None and request.tx_type is None):
            price = request.gas_price if request.gas_price is not None else self.gas_price()
            kind = ACCESS_LIST if request.access_list or request.tx_type == ACCESS_LIST else None
            return {"gasPrice": price, **({"type": kind} if kind is not None else {})}
        tip = request.max_priority_fee_per_gas
        tip = self.suggested_tip() if tip is None else tip
        base_fee = self.chain.next_base_fee(self.chain.head)
        return {"type": DYNAMIC_FEE, "maxPriorityFeePerGas": tip,
                "maxFeePerGas": request.max_fee_per_gas or 2 * base_fee + tip}

    def _unlocked(self, address: bytes) -> DevAccount:
        account = self.dev_accounts.get(address)
        if account is None:
            raise errors.UnknownAccount()
        return account

    def sign_message(self, address: bytes, message: bytes) -> bytes:
        """Sign an EIP-191 personal message with an unlocked dev account."""
        signed = Account.sign_message(encode_defunct(primitive=message),
                                      self._unlocked(address).private_key)
        return bytes(signed.signature)

    def sign_typed_data(self, address: bytes, typed_data: dict[str, Any]) -> bytes:
        """Sign EIP-712 typed data (v4) with an unlocked dev account."""
        signed = Account.sign_typed_data(self._unlocked(address).private_key,
                                         full_message=typed_data)
        return bytes(signed.signature)

    # --- calls ----------------------------------------------------------------------------------

    async def call(self, request: CallRequest, ref: BlockRef,
                   overrides: CallOverrides = NO_OVERRIDES) -> bytes:
        """Run eth_call; return the output or raise ExecutionReverted / ExecutionFailed."""
        header = self.resolve(ref)
        result = await asyncio.to_thread(
            execution.call, self.store, header.state_root, self.chain.env_at(header), request,
            self.config.rpc.gas_cap, self.config.rpc.evm_timeout,
            self._with_cheats(header, overrides))
        if result.success:
            return result.output
        if result.error == "execution reverted":
            raise errors.ExecutionReverted(result.output,
                                           decode_revert_reason(result.output))
        raise errors.ExecutionFailed(result.error)

    async def create_access_list(self, request: CallRequest, ref: BlockRef,
                                 ) -> AccessListResult:
        """Run eth_createAccessList: the call's access list and its gas with it."""
        header = self.resolve(ref)
        return await asyncio.to_thread(
            execution.create_access_list, self.store, header.state_root,
            self.chain.env_at(header), request, min(self.config.rpc.gas_cap, header.gas_limit),
            self.config.rpc.evm_timeout)

    async def estimate_gas(self, request: CallRequest, ref: BlockRef,
                           overrides: CallOverrides = NO_OVERRIDES) -> int:
        return await asyncio.to_thread(self.estimate_gas_sync, request, ref, overrides)

    def estimate_gas_sync(self, request: CallRequest, ref: BlockRef,
                          overrides: CallOverrides = NO_OVERRIDES) -> int:
        header = self.resolve(ref)
        return execution.estimate_gas(
            self.store, header.state_root, self.chain.env_at(header), request,
            min(self.config.rpc.gas_cap, header.gas_limit), self.config.rpc.evm_timeout,
            self._with_cheats(header, overrides))

    # --- dev mode: fees, snapshots -------------------------------------------------------------

    def set_min_gas_price(self, price: int) -> None:
        """Change the pool's minimum price and the base-fee floor (anvil_setMinGasPrice)."""
        self.chain.min_gas_price = price
        self.pool.limits = dataclasses.replace(self.pool.limits, min_gas_price=price,
                                               free_lane=self.chain.free_lane)

    def snapshot(self) -> int:
        """Remember the head and the pending cheats (evm_snapshot); return the id."""
        return self.cheats.snapshot(self.chain.head.number, self.chain.head.hash)

    async def revert(self, snapshot_id: int) -> bool:
        """Return the chain to a snapshot (evm_revert); False if there is no such snapshot.

        Blocks after it leave the canonical chain with their transactions' index entries;
        pooled transactions stay, and wait again for their nonces.
        """
        snapshot = self.cheats.snapshots.get(snapshot_id)
        target = self.chain.header_by_number(snapshot.head_number) if snapshot else None
        if target is None or snapshot is None or target.hash != snapshot.head_hash:
            return False
        await self.producer.rewind(target)
        self.cheats.take_snapshot(snapshot_id)
        return True

    async def simulate(self, request: SimRequest, ref: BlockRef) -> tuple[SimulatedBlock, ...]:
        """Run eth_simulateV1: blocks of calls on top of `ref`, built as geth builds them."""
        check_request(request)
        base = self.resolve(ref)
        planned = with_first_overrides(
            plan_blocks(base.number, base.timestamp, request.blocks),
            self._with_cheats(base, NO_OVERRIDES).accounts)
        spec = self.chain.spec
        context = execution.SimChain(
            base, self.chain.ancestor_hashes(base), spec.chain_id, spec.fork_at,
            self.chain.expected_base_fee, not spec.burn_base_fee)
        return await asyncio.to_thread(
            execution.simulate, self.store, context, request, planned,
            self.config.rpc.gas_cap, self.config.rpc.evm_timeout)

    # --- building without storing ---------------------------------------------------------------

    async def build_payload(self, parent_hash: bytes, attributes: PayloadAttributes,
                            raws: list[bytes] | None, extra_data: bytes) -> Payload:
        """Build a block on any known block, as geth's testing_buildBlockV1; store nothing.

        `raws` None takes the pool's transactions; given ones must all apply. The gas limit
        moves toward the configured one as geth's miner moves it toward its gas ceiling.
        """
        parent = self.chain.header_by_hash(parent_hash)
        if parent is None:
            raise errors.UnknownBlockHash()
        env = dataclasses.replace(
            self.chain.block_env(parent, attributes.timestamp, attributes.fee_recipient,
                                 fees.next_gas_limit(parent.gas_limit,
                                                     self.config.genesis.gas_limit)),
            prev_randao=attributes.prev_randao,
            parent_beacon_block_root=attributes.parent_beacon_block_root)
        candidates = ([decode_transaction(raw) for raw in raws] if raws is not None
                      else list(self.pool.select(env.base_fee)))
        built = await asyncio.to_thread(functools.partial(
            execution.build_block, self.store, parent.state_root, parent.hash, env, candidates,
            extra_data=extra_data, withdrawals=attributes.withdrawals))
        if raws is not None and built.rejected:
            raise built.rejected[0][1]
        burned = env.base_fee if env.burn_base_fee else 0
        value = sum((tx.effective_gas_price(env.base_fee) - burned) * r.gas_used
                    for tx, r in zip(built.transactions, built.receipts, strict=True))
        return Payload(built, attributes.withdrawals, value)

    # --- fees ---------------------------------------------------------------------------------

    def suggested_tip(self) -> int:
        tips: list[int] = []
        head = self.chain.head.number
        for number in range(max(0, head - FEE_HISTORY_BLOCKS + 1), head + 1):
            block = self.chain.block_by_number(number)
            if block is None:
                continue
            base_fee = block.header.base_fee_per_gas or 0
            tips.extend(max(tx.effective_tip(base_fee), 0) for tx in block.transactions)
        return fees.suggested_tip(tips)

    def gas_price(self) -> int:
        """Return eth_gasPrice: the next block's base fee plus the suggested tip."""
        return self.chain.next_base_fee(self.chain.head) + self.suggested_tip()

    def fee_history(self, count: int, newest: BlockRef, percentiles: list[float] | None,
                    ) -> FeeHistory:
        """Return eth_feeHistory's figures for `count` blocks ending at `newest`."""
        last = self.resolve(newest).number
        first = max(0, last - count + 1) if count else last + 1
        base_fees, ratios, rewards = [], [], []
        blob_fees: list[int] = []
        blob_ratios: list[float] = []
        for number in range(first, last + 1):
            block = self.chain.block_by_number(number)
            assert block is not None
            header = block.header
            base_fee = header.base_fee_per_gas or 0
            base_fees.append(base_fee)
            ratios.append(header.gas_used / header.gas_limit if header.gas_limit else 0.0)
            blob_fees.append(self.chain.blob_base_fee(header) or 0)
            blob_ratios.append(self.chain.blob_gas_ratio(header))
            if percentiles is not None:
                receipts = self.chain.receipts(block.hash) or ()
                tips = [(tx.effective_tip(base_fee), r.gas_used)
                        for tx, r in zip(block.transactions, receipts, strict=False)]
                rewards.append(fees.fee_percentiles(tips, percentiles))
        last_header = self.chain.header_by_number(last)
        assert last_header is not None
        base_fees.append(self.chain.next_base_fee(last_header))
        blob_fees.append(self.chain.next_blob_base_fee(last_header))
        return FeeHistory(first, base_fees, ratios, rewards, blob_fees, blob_ratios)

    # --- staking (the cmt_ methods) -------------------------------------------------------------

    def staking(self, ref: BlockRef) -> tuple[StakingState, Header]:
        """Return the staking state at a block (pending awards shown as credited) and the
        block; raise if staking is off."""
        header = self.resolve(ref)
        state = self.chain.staking_at(header)
        if state is None:
            raise errors.StakingError("staking is not enabled on this chain")
        return settle_all(state), header

    def send_staking(self, sender: bytes, signature: str, args: tuple[Any, ...],
                     value: int = 0, nonce: int | None = None) -> bytes:
        """Sign a call to the staking contract with an unlocked dev account and submit it.

        Gas is estimated first, so a call breaking a staking rule fails here with its reason.
        """
        return self.send_transaction(CallRequest(
            sender=sender, to=execution.STAKING_ADDRESS, value=value, nonce=nonce,
            data=execution.staking_call_data(signature, args)))

    # --- logs ---------------------------------------------------------------------------------

    def logs(self, criteria: LogFilter, within_head: bool = False) -> list[LocatedLog]:
        """Return the logs matching eth_getLogs criteria.

        `within_head` (eth_getLogs, as geth) refuses a range that ends after the head; a polling
        filter's range may reach into blocks still to come.
        """
        if criteria.block_hash is not None:
            if self.chain.header_by_hash(criteria.block_hash) is None:
                raise errors.UnknownLogBlock()
            return logs_in_block(self.chain, criteria.block_hash, criteria)
        first, last = self.log_range(criteria)
        if within_head and self._log_bound(criteria.to_block, 0) > self.chain.head.number:
            raise errors.BlockRangeBeyondHead()
        return find_logs(self.chain, criteria, first, last)

    def log_range(self, criteria: LogFilter) -> tuple[int, int]:
        head = self.chain.head.number
        first = self._log_bound(criteria.from_block, head)
        last = self._log_bound(criteria.to_block, head)
        if first > last:
            raise errors.InvalidBlockRange()
        return first, min(last, head)

    def _log_bound(self, ref: BlockRef | None, head: int) -> int:
        if ref is None or ref.tag in ("latest", "pending", "safe", "finalized"):
            return head
        if ref.tag == "earliest":
            return 0
        assert ref.number is not None
        return ref.number
