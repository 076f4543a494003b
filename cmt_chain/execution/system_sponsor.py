"""The sponsorship system contract at 0x...1001: contracts whose calls are paid by a deposit.

A contract (or anyone, for a contract nobody sponsors yet) registers the function selectors it
pays for with a CMT deposit (`contracts/src/system/ISponsorship.sol`). A transaction priced 0
that calls one of them runs free for its sender; the block builder (`blocks.py`) takes base fee
x gas used from the deposit into the fee pool, within a per-sender rate limit so one sender
cannot drain a sponsor. The rules are in `cmt_chain/fees.py`; the state is one record in this
contract's storage (`system_storage.py`), its balance holds every deposit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rlp
from eth.exceptions import WriteProtection
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_hash.auto import keccak
from eth_typing import Address

from .. import errors, fees
from ..fees import Sponsor, SponsorBook, SponsorLimits, SponsorUse
from ..transaction import Transaction
from .system_staking import _address, _arg_types, _Call, revert_with
from .system_storage import blob_slots, load_blob, read_blob, save_blob

SPONSOR_ADDRESS = bytes.fromhex("0000000000000000000000000000000000001001")
GAS_WRITE = 40_000
GAS_VIEW = 3_000


def encode_book(book: SponsorBook) -> bytes:
    """Return the RLP record of the sponsorship state."""
    return rlp.encode([
        [book.limits.per_sender, book.limits.window],
        [[s.target, s.manager, s.deposit, list(s.selectors)] for s in book.sponsors],
        [[u.target, u.sender, u.window, u.count] for u in book.uses],
    ])


def decode_book(raw: bytes) -> SponsorBook:
    """Return the sponsorship state an `encode_book` output holds."""
    limits, sponsors, uses = rlp.decode(raw)
    number = _int
    return SponsorBook(
        SponsorLimits(number(limits[0]), number(limits[1])),
        tuple(Sponsor(s[0], s[1], number(s[2]), tuple(s[3])) for s in sponsors),
        tuple(SponsorUse(u[0], u[1], number(u[2]), number(u[3])) for u in uses))


def _int(value: bytes) -> int:
    return int.from_bytes(value, "big")


def storage_slots(book: SponsorBook) -> tuple[tuple[int, int], ...]:
    """Return the storage that holds `book` (for genesis)."""
    return blob_slots(encode_book(book))


def read_book(get_storage: Callable[[int], int]) -> SponsorBook | None:
    """Return the sponsorship state stored in the contract (None when sponsorship is off)."""
    raw = read_blob(get_storage)
    return decode_book(raw) if raw is not None else None


def load(vm_state: Any) -> SponsorBook | None:
    raw = load_blob(vm_state, SPONSOR_ADDRESS)
    return decode_book(raw) if raw is not None else None


# --- the block builder's side ---------------------------------------------------------------


def sponsor_check(vm_state: Any, tx: Transaction, base_fee: int, height: int,
                  ) -> tuple[Sponsor | None, errors.ChainError | None]:
    """Return the sponsor of a zero-priced call and why it cannot pay now (None if it can)."""
    if tx.max_fee_per_gas or tx.to is None:
        return None, None
    book = load(vm_state)
    sponsor = fees.sponsor_for_call(book, tx.to, tx.data) if book is not None else None
    if book is None or sponsor is None:
        return None, None
    return sponsor, fees.sponsorship_refusal(book, sponsor, tx.sender, tx.gas, base_fee, height)


def charge(vm_state: Any, tx: Transaction, amount: int, height: int) -> int:
    """Move a sponsored call's fee from the deposit to the block's fee recipient; return it.

    The call itself may have emptied the deposit (a contract withdrawing its own): then the
    sponsor pays what is left.
    """
    book = load(vm_state)
    sponsor = fees.sponsor_of(book, tx.to) if book is not None and tx.to is not None else None
    assert book is not None and sponsor is not None and tx.to is not None
    amount = min(amount, sponsor.deposit)
    save_blob(vm_state, SPONSOR_ADDRESS,
              encode_book(fees.charge_sponsor(book, tx.to, tx.sender, amount, height)))
    vm_state.delta_balance(Address(SPONSOR_ADDRESS), -amount)
    vm_state.delta_balance(vm_state.coinbase, amount)  # the staking pool when staking is on
    return amount


# --- the precompile -------------------------------------------------------------------------


def _register(book: SponsorBook, call: _Call) -> SponsorBook:
    target, selectors = call.args
    book = fees.register_sponsor(book, call.sender, _address(target), tuple(selectors),
                                 call.value)
    found = fees.sponsor_of(book, _address(target))
    assert found is not None
    call.log("SponsorRegistered(address,address,bytes4[],uint256)", [_address(target)],
             ["address", "bytes4[]", "uint256"], [found.manager, list(found.selectors),
                                                  call.value])
    return book


def _deposit(book: SponsorBook, call: _Call) -> SponsorBook:
    (target,) = call.args
    book = fees.top_up_sponsor(book, _address(target), call.value)
    call.log("SponsorDeposited(address,address,uint256)", [_address(target)],
             ["address", "uint256"], [call.sender, call.value])
    return book


def _withdraw(book: SponsorBook, call: _Call) -> SponsorBook:
    if call.value:
        raise errors.SponsorshipError("this function does not accept CMT")
    target, amount = call.args
    book = fees.withdraw_sponsor(book, call.sender, _address(target), amount)
    call.computation.state.delta_balance(Address(SPONSOR_ADDRESS), -amount)
    call.computation.state.delta_balance(Address(call.sender), amount)
    call.log("SponsorWithdrawn(address,address,uint256)", [_address(target)],
             ["address", "uint256"], [call.sender, amount])
    return book


def _view_sponsor(book: SponsorBook, args: tuple[Any, ...], height: int) -> bytes:
    found = fees.sponsor_of(book, _address(args[0]))
    return abi_encode(["address", "uint256", "bytes4[]"],
                      [found.manager, found.deposit, list(found.selectors)] if found
                      else [b"\0" * 20, 0, []])


def _view_uses(book: SponsorBook, args: tuple[Any, ...], height: int) -> bytes:
    used = fees.sponsored_uses(book, _address(args[0]), _address(args[1]), height)
    return abi_encode(["uint256", "uint256", "uint256"],
                      [used, book.limits.per_sender, book.limits.window])


WRITES: dict[str, Callable[[SponsorBook, _Call], SponsorBook]] = {
    "register(address,bytes4[])": _register,
    "deposit(address)": _deposit,
    "withdrawDeposit(address,uint256)": _withdraw,
}
VIEWS: dict[str, Callable[[SponsorBook, tuple[Any, ...], int], bytes]] = {
    "sponsorOf(address)": _view_sponsor,
    "sponsoredUses(address,address)": _view_uses,
}
_SELECTORS = {keccak(sig.encode())[:4]: sig for sig in [*WRITES, *VIEWS]}


def sponsor_precompile(computation: Any) -> Any:
    """Run one call to the sponsorship contract."""
    msg = computation.msg
    if msg.storage_address != SPONSOR_ADDRESS:
        revert_with(computation, "the sponsorship contract cannot be delegate-called")
    signature = _SELECTORS.get(bytes(msg.data[:4]))
    if signature is None:
        revert_with(computation, "unknown sponsorship function")
    assert signature is not None
    try:
        args = tuple(abi_decode(_arg_types(signature), bytes(msg.data[4:])))
    except Exception:  # eth-abi raises several types for short or malformed data
        revert_with(computation, "malformed arguments")
    book = load(computation.state)
    if book is None:
        revert_with(computation, "sponsorship is not enabled on this chain")
    assert book is not None
    if signature in VIEWS:
        computation.consume_gas(GAS_VIEW, reason="sponsorship view")
        if msg.value:
            revert_with(computation, "this function does not accept CMT")
        computation.output = VIEWS[signature](book, args, computation.state.block_number)
        return computation
    computation.consume_gas(GAS_WRITE, reason=f"sponsorship {signature}")
    if msg.is_static:
        raise WriteProtection("cannot change sponsorships in a static call")
    try:
        book = WRITES[signature](book, _Call(computation, args))
    except errors.SponsorshipError as exc:
        revert_with(computation, str(exc))
    save_blob(computation.state, SPONSOR_ADDRESS, encode_book(book))
    return computation
