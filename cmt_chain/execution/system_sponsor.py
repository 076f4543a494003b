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
from eth_abi import encode as abi_encode
from eth_typing import Address

from .. import errors, fees
from ..fees import Sponsor, SponsorBook, SponsorLimits, SponsorUse
from ..transaction import Transaction
from .system_abi import Call, SystemContract, View, Writer, address_arg
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


def _register(book: SponsorBook, call: Call) -> SponsorBook:
    target, selectors = call.args
    book = fees.register_sponsor(book, call.sender, address_arg(target), tuple(selectors),
                                 call.value)
    found = fees.sponsor_of(book, address_arg(target))
    assert found is not None
    call.log("SponsorRegistered(address,address,bytes4[],uint256)", [address_arg(target)],
             ["address", "bytes4[]", "uint256"], [found.manager, list(found.selectors),
                                                  call.value])
    return book


def _deposit(book: SponsorBook, call: Call) -> SponsorBook:
    (target,) = call.args
    book = fees.top_up_sponsor(book, address_arg(target), call.value)
    call.log("SponsorDeposited(address,address,uint256)", [address_arg(target)],
             ["address", "uint256"], [call.sender, call.value])
    return book


def _withdraw(book: SponsorBook, call: Call) -> SponsorBook:
    if call.value:
        raise errors.SponsorshipError("this function does not accept CMT")
    target, amount = call.args
    book = fees.withdraw_sponsor(book, call.sender, address_arg(target), amount)
    call.computation.state.delta_balance(Address(SPONSOR_ADDRESS), -amount)
    call.computation.state.delta_balance(Address(call.sender), amount)
    call.log("SponsorWithdrawn(address,address,uint256)", [address_arg(target)],
             ["address", "uint256"], [call.sender, amount])
    return book


def _view_sponsor(book: SponsorBook, args: tuple[Any, ...], height: int) -> bytes:
    found = fees.sponsor_of(book, address_arg(args[0]))
    return abi_encode(["address", "uint256", "bytes4[]"],
                      [found.manager, found.deposit, list(found.selectors)] if found
                      else [b"\0" * 20, 0, []])


def _view_uses(book: SponsorBook, args: tuple[Any, ...], height: int) -> bytes:
    used = fees.sponsored_uses(book, address_arg(args[0]), address_arg(args[1]), height)
    return abi_encode(["uint256", "uint256", "uint256"],
                      [used, book.limits.per_sender, book.limits.window])


WRITES: dict[str, tuple[Writer, int]] = {
    "register(address,bytes4[])": (_register, GAS_WRITE),
    "deposit(address)": (_deposit, GAS_WRITE),
    "withdrawDeposit(address,uint256)": (_withdraw, GAS_WRITE),
}
VIEWS: dict[str, View] = {
    "sponsorOf(address)": _view_sponsor,
    "sponsoredUses(address,address)": _view_uses,
}


def _save(vm_state: Any, book: SponsorBook) -> None:
    save_blob(vm_state, SPONSOR_ADDRESS, encode_book(book))


SPONSORSHIP = SystemContract(SPONSOR_ADDRESS, "sponsorship", WRITES, VIEWS, GAS_VIEW, load, _save,
                             errors.SponsorshipError)
