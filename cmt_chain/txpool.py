"""The transaction pool: validation, per-sender nonce order, replacement, limits and eviction.

A transaction whose nonce continues its sender's run from the account nonce is *pending*
(executable); one after a gap is *queued* until the gap fills. A same-nonce replacement must raise
both price fields by `price_bump` percent. The pool holds at most `global_slots` transactions; when
full, a better-paying newcomer evicts the cheapest transaction of a sender holding more than
`account_slots` (geth's guarantee: senders within their slots are not evicted for others).
Called by the RPC backend (`add`), the producer (`select`, `remove_included`) and txpool_* reads.
Account nonces and balances come from a callable over the head state, so the pool holds no state.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from . import errors, fees
from .config import TxpoolConfig
from .fees import FreeLane
from .transaction import BLOB, LEGACY, Transaction

AccountState = Callable[[bytes], tuple[int, int]]  # address -> (nonce, balance) at the head

TX_GAS = 21_000
TX_DATA_ZERO_GAS, TX_DATA_NONZERO_GAS = 4, 16
TX_CREATE_GAS = 32_000
ACCESS_LIST_ADDRESS_GAS, ACCESS_LIST_KEY_GAS = 2400, 1900
AUTHORIZATION_GAS = 25_000
INITCODE_WORD_GAS = 2
MAX_INITCODE_SIZE = 49_152


def intrinsic_gas(tx: Transaction) -> int:
    """Return the gas a transaction costs before execution (Prague rules, floor included)."""
    zeros = tx.data.count(0)
    nonzeros = len(tx.data) - zeros
    gas = TX_GAS + zeros * TX_DATA_ZERO_GAS + nonzeros * TX_DATA_NONZERO_GAS
    if tx.to is None:
        gas += TX_CREATE_GAS + INITCODE_WORD_GAS * ((len(tx.data) + 31) // 32)
    for _, keys in tx.access_list:
        gas += ACCESS_LIST_ADDRESS_GAS + ACCESS_LIST_KEY_GAS * len(keys)
    gas += AUTHORIZATION_GAS * len(tx.authorization_list)
    floor = TX_GAS + 10 * (zeros + 4 * nonzeros)  # EIP-7623 calldata floor
    return max(gas, floor)


@dataclass
class _SenderTxs:
    by_nonce: dict[int, Transaction] = field(default_factory=dict)


# For a zero-priced call: whether a sponsor covers it, and why that sponsor cannot pay now.
Sponsorship = Callable[[Transaction], tuple[bool, errors.ChainError | None]]


@dataclass(frozen=True)
class PoolLimits:
    chain_id: int
    block_gas_limit: int
    min_gas_price: int
    accept_blobs: bool = False  # an imported Ethereum chain takes blob transactions
    free_lane: FreeLane = FreeLane()


class TxPool:
    """Pending and queued transactions, by sender and nonce."""

    def __init__(self, config: TxpoolConfig, limits: PoolLimits, account_state: AccountState,
                 sponsorship: Sponsorship = lambda tx: (False, None)):
        self.config = config
        self.limits = limits
        self._account_state = account_state
        self._sponsorship = sponsorship
        self._senders: dict[bytes, _SenderTxs] = {}
        self._by_hash: dict[bytes, Transaction] = {}

    def __len__(self) -> int:
        return len(self._by_hash)

    def get(self, tx_hash: bytes) -> Transaction | None:
        return self._by_hash.get(tx_hash)

    # --- admission ----------------------------------------------------------------------------

    def add(self, tx: Transaction, base_fee: int) -> None:
        """Validate `tx` against the head state and pool it; raise a TxRejected error if not."""
        if tx.hash in self._by_hash:
            raise errors.AlreadyKnown()
        self._check_static(tx, base_fee)
        nonce, balance = self._account_state(tx.sender)
        if tx.nonce < nonce:
            raise errors.NonceTooLow(f"next nonce {nonce}, tx nonce {tx.nonce}")
        if balance < tx.max_cost():
            raise errors.InsufficientFunds(
                f"balance {balance}, tx cost {tx.max_cost()}, overshot {tx.max_cost() - balance}")
        bucket = self._senders.setdefault(tx.sender, _SenderTxs())
        existing = bucket.by_nonce.get(tx.nonce)
        if existing is not None:
            self._check_replacement(existing, tx)
        elif len(self._by_hash) >= self.config.global_slots:
            self._make_room(tx)
        if existing is not None:
            del self._by_hash[existing.hash]
        bucket.by_nonce[tx.nonce] = tx
        self._by_hash[tx.hash] = tx

    def _check_static(self, tx: Transaction, base_fee: int) -> None:
        limits = self.limits
        if len(tx.raw) > self.config.max_tx_size:
            raise errors.OversizedData(
                f"transaction size {len(tx.raw)}, limit {self.config.max_tx_size}")
        if tx.type == BLOB and not limits.accept_blobs:
            raise errors.UnsupportedTxType("blob transactions are not accepted")
        if tx.type == LEGACY and not tx.is_protected:
            if not self.config.allow_unprotected:
                raise errors.UnprotectedTransaction()
        elif tx.chain_id != limits.chain_id:
            raise errors.InvalidChainId(f"have {tx.chain_id} want {limits.chain_id}")
        if tx.to is None and len(tx.data) > MAX_INITCODE_SIZE:
            raise errors.OversizedData(f"max initcode size exceeded: {len(tx.data)}")
        if tx.gas > limits.block_gas_limit:
            raise errors.GasLimitExceeded()
        needed = intrinsic_gas(tx)
        if tx.gas < needed:
            raise errors.IntrinsicGasTooLow(f"gas {tx.gas}, minimum needed {needed}")
        if tx.max_priority_fee_per_gas > tx.max_fee_per_gas:
            raise errors.TipAboveFeeCap(
                f"maxPriorityFeePerGas: {tx.max_priority_fee_per_gas}, "
                f"maxFeePerGas: {tx.max_fee_per_gas}")
        if tx.max_fee_per_gas == 0 and tx.to is not None:
            sponsored, refusal = self._sponsorship(tx)
            if sponsored and refusal is None:
                return  # a sponsor pays; the builder applies its deposit and rate limits
            lane = limits.free_lane
            if refusal is not None and (tx.gas > lane.gas_limit or not fees.in_free_lane(0, lane)):
                raise refusal  # nor can the free lane take it
        if fees.in_free_lane(tx.max_fee_per_gas, limits.free_lane):
            if tx.gas > limits.free_lane.gas_limit:
                raise errors.FreeLaneGasTooHigh(
                    f"gas price {tx.max_fee_per_gas} below minimum {limits.min_gas_price} "
                    f"takes at most {limits.free_lane.gas_limit} gas (the free lane)")
            return  # priced below the minimum: the builder applies the per-block limits
        if tx.max_fee_per_gas < limits.min_gas_price:
            raise errors.Underpriced(
                f"gas price {tx.max_fee_per_gas} below minimum {limits.min_gas_price}")
        if tx.max_fee_per_gas < base_fee:
            raise errors.FeeCapTooLow(
                f"maxFeePerGas: {tx.max_fee_per_gas}, baseFee: {base_fee}")

    def _check_replacement(self, old: Transaction, new: Transaction) -> None:
        bump = 100 + self.config.price_bump
        if (new.max_fee_per_gas * 100 < old.max_fee_per_gas * bump
                or new.max_priority_fee_per_gas * 100 < old.max_priority_fee_per_gas * bump):
            raise errors.ReplacementUnderpriced()

    def _make_room(self, incoming: Transaction) -> None:
        """Evict the cheapest last transaction of an over-quota sender, if `incoming` pays more."""
        victim = self._cheapest_evictable(incoming.sender)
        if victim is None or victim.max_fee_per_gas >= incoming.max_fee_per_gas:
            raise errors.TxPoolFull()
        self._drop(victim)

    def _cheapest_evictable(self, newcomer: bytes) -> Transaction | None:
        cheapest: Transaction | None = None
        for sender, bucket in self._senders.items():
            over_quota = len(bucket.by_nonce) > self.config.account_slots
            if not bucket.by_nonce or (not over_quota and sender != newcomer):
                continue
            last = bucket.by_nonce[max(bucket.by_nonce)]
            if cheapest is None or last.max_fee_per_gas < cheapest.max_fee_per_gas:
                cheapest = last
        return cheapest

    def _drop(self, tx: Transaction) -> None:
        bucket = self._senders.get(tx.sender)
        if bucket is not None and bucket.by_nonce.get(tx.nonce) is tx:
            del bucket.by_nonce[tx.nonce]
            if not bucket.by_nonce:
                del self._senders[tx.sender]
        self._by_hash.pop(tx.hash, None)

    def drop(self, tx_hash: bytes) -> bool:
        """Remove a transaction by hash (anvil_dropTransaction); return whether it was there."""
        tx = self._by_hash.get(tx_hash)
        if tx is not None:
            self._drop(tx)
        return tx is not None

    # --- views --------------------------------------------------------------------------------

    def _split(self, sender: bytes, bucket: _SenderTxs) -> tuple[list[Transaction],
                                                                   list[Transaction]]:
        nonce, _ = self._account_state(sender)
        pending, queued = [], []
        for tx_nonce in sorted(bucket.by_nonce):
            tx = bucket.by_nonce[tx_nonce]
            if tx_nonce == nonce:
                pending.append(tx)
                nonce += 1
            else:
                queued.append(tx)
        return pending, queued

    def content(self) -> tuple[dict[bytes, list[Transaction]], dict[bytes, list[Transaction]]]:
        """Return (pending, queued) transactions by sender, each in nonce order."""
        pending: dict[bytes, list[Transaction]] = {}
        queued: dict[bytes, list[Transaction]] = {}
        for sender, bucket in self._senders.items():
            executable, waiting = self._split(sender, bucket)
            if executable:
                pending[sender] = executable
            if waiting:
                queued[sender] = waiting
        return pending, queued

    def pending_nonce(self, sender: bytes) -> int:
        """Return the nonce the sender's next transaction should use (after pooled ones)."""
        nonce, _ = self._account_state(sender)
        bucket = self._senders.get(sender)
        while bucket is not None and nonce in bucket.by_nonce:
            nonce += 1
        return nonce

    def has_pending(self) -> bool:
        return any(self._split(s, b)[0] for s, b in self._senders.items())

    # --- block production ---------------------------------------------------------------------

    def select(self, base_fee: int) -> Iterator[Transaction]:
        """Yield executable transactions, best tip first, each sender's in nonce order."""
        runs: dict[bytes, list[Transaction]] = {}
        heap: list[tuple[int, int, bytes]] = []
        for order, (sender, bucket) in enumerate(self._senders.items()):
            executable, _ = self._split(sender, bucket)
            executable = [tx for tx in executable if tx.max_fee_per_gas >= base_fee
                          or fees.in_free_lane(tx.max_fee_per_gas, self.limits.free_lane)
                          or tx.max_fee_per_gas == 0]  # a sponsored call
            if executable:
                runs[sender] = executable
                heapq.heappush(heap, (-executable[0].effective_tip(base_fee), order, sender))
        while heap:
            _, order, sender = heapq.heappop(heap)
            run = runs[sender]
            yield run.pop(0)
            if run:
                heapq.heappush(heap, (-run[0].effective_tip(base_fee), order, sender))

    def remove_included(self, included: list[Transaction]) -> None:
        """Forget mined transactions and any made stale by the new account nonces."""
        senders = {tx.sender for tx in included}
        for tx in included:
            self._drop(tx)
        for sender in senders:
            self.remove_stale(sender)

    def remove_stale(self, sender: bytes) -> None:
        """Drop the sender's transactions whose nonce is now below the account nonce."""
        bucket = self._senders.get(sender)
        if bucket is None:
            return
        nonce, _ = self._account_state(sender)
        for tx in [t for n, t in bucket.by_nonce.items() if n < nonce]:
            self._drop(tx)
