"""geth's prestateTracer: the accounts and slots a transaction touched, before (and after) it.

An account is read the first time the transaction touches it (its sender, recipient and the
block's coinbase before it starts, each frame's parties before value moves, the targets of
BALANCE, EXTCODE* and SELFDESTRUCT) and a slot the first time SLOAD or SSTORE names it, always
before anything in the transaction could change it, so the values read are the pre-state. In
diff mode the touched accounts are read again at the end and only what changed is kept, as geth.
"""

from __future__ import annotations

from typing import Any

from eth_hash.auto import keccak
from eth_typing import Address

from ..traces import AccountState, Prestate
from .tracers import ADDRESS_READS, SELFDESTRUCT, SLOAD, SSTORE, _word
from .tracing import Tracer, TxInfo


class PrestateTracer(Tracer):
    def __init__(self, diff_mode: bool = False) -> None:
        self.diff_mode = diff_mode
        self.pre: dict[bytes, AccountState] = {}
        self.created: set[bytes] = set()
        self.destructed: set[bytes] = set()
        self.outcome: Prestate | None = None

    def opcode_table(self, base: dict[int, Any]) -> dict[int, Any] | None:
        table = dict(base)
        for op in (SLOAD, SSTORE, *ADDRESS_READS, SELFDESTRUCT):
            table[op] = self._wrap(op, base[op])
        return table

    def _wrap(self, op: int, fn: Any) -> Any:
        def traced(computation: Any) -> None:
            values = computation._stack.values
            if values:
                top = _word(values[-1])
                own = bytes(computation.msg.storage_address)
                if op in (SLOAD, SSTORE):
                    self._slot(computation.state, own, top)
                else:
                    self._account(computation.state, (top & (2**160 - 1)).to_bytes(20, "big"))
                if op == SELFDESTRUCT and own in self.created:
                    self.destructed.add(own)  # EIP-6780: only a same-transaction contract goes
            fn(computation=computation)
        return traced

    def _account(self, state: Any, address: bytes) -> AccountState:
        known = self.pre.get(address)
        if known is None:
            where = Address(address)
            code = state.get_code(where)
            known = AccountState(state.get_balance(where), state.get_nonce(where), code,
                                 code_hash=keccak(code) if code else None)
            self.pre[address] = known
        return known

    def _slot(self, state: Any, address: bytes, slot: int) -> None:
        account = self._account(state, address)
        if slot not in account.storage:
            account.storage[slot] = state.get_storage(Address(address), slot)

    def tx_start(self, state: Any, tx: TxInfo) -> None:
        self._account(state, tx.sender)
        self._account(state, tx.coinbase)
        if tx.to is not None:
            self._account(state, tx.to)
        if tx.created is not None:
            self._account(state, tx.created)
            self.created.add(tx.created)

    def enter(self, state: Any, message: Any, parent: Any) -> None:
        for address in (message.sender, message.storage_address, message.code_address):
            if address:  # a create message has no code address
                self._account(state, bytes(address))
        if message.is_create:
            self.created.add(bytes(message.storage_address))

    def tx_end(self, state: Any, computation: Any, gas_used: int) -> None:
        post = self._diff(state) if self.diff_mode else None
        for address in self.created:
            if address in self.pre and _empty(self.pre[address]):
                del self.pre[address]  # it did not exist before the transaction made it
        self.outcome = Prestate(self.pre, post)

    def _diff(self, state: Any) -> dict[bytes, AccountState]:
        """Keep in `pre` only what changed; return the changed values."""
        post: dict[bytes, AccountState] = {}
        for address, before in list(self.pre.items()):
            if address in self.destructed:
                continue
            where = Address(address)
            after = AccountState(None, None, None)
            balance, nonce = state.get_balance(where), state.get_nonce(where)
            code = state.get_code(where)
            if balance != before.balance:
                after.balance = balance
            if nonce != before.nonce:
                after.nonce = nonce
            if code != before.code:
                after.code, after.code_hash = code, keccak(code) if code else None
            slots_changed = False
            for slot, value in list(before.storage.items()):
                now = state.get_storage(where, slot)
                if now == value or not value:
                    del before.storage[slot]  # geth keeps neither unchanged nor empty slots
                if now != value:
                    slots_changed = True
                    if now:
                        after.storage[slot] = now
            if slots_changed or (after.balance, after.nonce, after.code) != (None, None, None):
                post[address] = after
            else:
                del self.pre[address]
        return post

    def result(self) -> Prestate | None:
        return self.outcome


def _empty(account: AccountState) -> bool:
    return not account.balance and not account.nonce and not account.code
