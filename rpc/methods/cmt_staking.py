"""The `cmt_` staking methods, with CyberMiles Travis' names and parameters.

Queries (`cmt_queryValidators`, `cmt_queryValidator`, `cmt_queryDelegator`,
`cmt_queryAwardInfos`, `cmt_queryAbsentValidators`) read the staking contract's state at a
height (0 or absent: the latest block). Writes (`cmt_declareCandidacy`, ..., `cmt_withdraw`)
take `{from, ...}` as the reference does, sign a call to the staking system contract with an
unlocked dev account (dev mode only; elsewhere a wallet sends the same call to 0x...1000) and
return the transaction hash. Also `cmt_sendRawTx` and `cmt_syncing`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from cmt_chain import staking
from cmt_chain.node import BlockRef

from .. import params as p
from .. import serialize as s
from ..errors import InvalidParams
from ..jsonrpc import Context, method, optional

_DECLARE = "declareCandidacy(uint256,uint16,string,string,string,string,string)"
_UPDATE = "updateCandidacy(uint256,uint16,string,string,string,string,string)"
_DESCRIPTION_KEYS = ("name", "website", "location", "email", "profile")


# --- parameters -------------------------------------------------------------------------------


def height(value: Any) -> BlockRef:
    """Parse the reference's height: a number (0 = latest), a hex quantity or a block tag."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise InvalidParams("height must not be negative")
        return BlockRef(number=value) if value else BlockRef("latest")
    ref = p.block_number_or_tag(value)
    return BlockRef("latest") if ref.number == 0 and ref.tag is None else ref


def amount(value: Any, what: str) -> int:
    """Parse wei given as a hex quantity, a decimal string or a JSON integer."""
    if isinstance(value, str) and value.startswith(("0x", "0X")):
        return p.quantity(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise InvalidParams(f"{what}: expected wei as a hex quantity or decimal string")


def comp_rate(value: Any) -> int:
    """Parse a commission rate ("1/5", "0.2" or a number in [0, 1]) into basis points."""
    try:
        rate = Fraction(value) if isinstance(value, str | int | float) and not isinstance(
            value, bool) else None
    except (ValueError, ZeroDivisionError):
        rate = None
    if rate is None or not 0 <= rate <= 1 or (rate * staking.BPS).denominator != 1:
        raise InvalidParams("compRate: expected a fraction between 0 and 1 in 1/10000 steps")
    return int(rate * staking.BPS)


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidParams("expected an object with `from`")
    if "from" not in value:
        raise InvalidParams("from: missing sender address")
    return value


def _field(obj: dict[str, Any], key: str, parse: Any) -> Any:
    if obj.get(key) is None:
        raise InvalidParams(f"{key}: missing")
    return parse(obj[key])


def _description(obj: dict[str, Any]) -> tuple[str, ...] | None:
    value = obj.get("description")
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
            isinstance(value.get(k, ""), str) for k in _DESCRIPTION_KEYS):
        raise InvalidParams("description: expected {name, website, location, email, profile}")
    return tuple(value.get(k, "") for k in _DESCRIPTION_KEYS)


def _nonce(obj: dict[str, Any]) -> int | None:
    return p.quantity(obj["nonce"], 64) if obj.get("nonce") is not None else None


# --- queries --------------------------------------------------------------------------------


@method("cmt_queryValidators", optional(height, BlockRef("latest")))
async def cmt_queryValidators(ctx: Context, ref: BlockRef) -> list[dict[str, Any]]:
    state, header = ctx.node.staking(ref)
    return [s.validator(state, c, header.number) for c in state.candidates]


@method("cmt_queryValidator", p.address, optional(height, BlockRef("latest")))
async def cmt_queryValidator(ctx: Context, address: bytes, ref: BlockRef,
                             ) -> dict[str, Any] | None:
    state, header = ctx.node.staking(ref)
    found = staking.candidate(state, address)
    return s.validator(state, found, header.number) if found else None


@method("cmt_queryDelegator", p.address, optional(height, BlockRef("latest")))
async def cmt_queryDelegator(ctx: Context, address: bytes, ref: BlockRef,
                             ) -> list[dict[str, Any]]:
    state, _ = ctx.node.staking(ref)
    return s.delegations_of(state, address)


@method("cmt_queryAwardInfos", optional(height, BlockRef("latest")))
async def cmt_queryAwardInfos(ctx: Context, ref: BlockRef) -> list[dict[str, Any]]:
    state, _ = ctx.node.staking(ref)
    return s.award_infos(state)


@method("cmt_queryAbsentValidators", optional(height, BlockRef("latest")))
async def cmt_queryAbsentValidators(ctx: Context, ref: BlockRef) -> list[dict[str, Any]]:
    state, _ = ctx.node.staking(ref)
    return s.absences(state)


# --- writes (dev accounts) ------------------------------------------------------------------


@method("cmt_declareCandidacy", _object, dev_only=True)
async def cmt_declareCandidacy(ctx: Context, obj: dict[str, Any]) -> str:
    sender = _field(obj, "from", p.address)
    max_amount = _field(obj, "maxAmount", lambda v: amount(v, "maxAmount"))
    rate = _field(obj, "compRate", comp_rate)
    state, _ = ctx.node.staking(BlockRef("latest"))
    stake = staking.required_self_stake(state.params, max_amount)
    texts = _description(obj) or ("",) * 5
    return s.hexb(ctx.node.send_staking(sender, _DECLARE, (max_amount, rate, *texts), stake,
                                        _nonce(obj)))


@method("cmt_updateCandidacy", _object, dev_only=True)
async def cmt_updateCandidacy(ctx: Context, obj: dict[str, Any]) -> str:
    sender = _field(obj, "from", p.address)
    state, _ = ctx.node.staking(BlockRef("latest"))
    current = staking.candidate(state, sender)
    if current is None:
        raise InvalidParams("from: no candidacy declared by this address")
    max_amount = amount(obj["maxAmount"], "maxAmount") if obj.get("maxAmount") is not None \
        else current.max_amount
    rate = comp_rate(obj["compRate"]) if obj.get("compRate") is not None else current.comp_rate
    texts = _description(obj) or tuple(getattr(current.description, k)
                                       for k in _DESCRIPTION_KEYS)
    own = staking.delegation(state, sender, sender)
    extra = max(0, staking.required_self_stake(state.params, max_amount)
                - (own.amount if own else 0))
    return s.hexb(ctx.node.send_staking(sender, _UPDATE, (max_amount, rate, *texts), extra,
                                        _nonce(obj)))


async def _plain(ctx: Context, obj: dict[str, Any], signature: str) -> str:
    sender = _field(obj, "from", p.address)
    return s.hexb(ctx.node.send_staking(sender, signature, (), 0, _nonce(obj)))


@method("cmt_withdrawCandidacy", _object, dev_only=True)
async def cmt_withdrawCandidacy(ctx: Context, obj: dict[str, Any]) -> str:
    return await _plain(ctx, obj, "withdrawCandidacy()")


@method("cmt_activateCandidacy", _object, dev_only=True)
async def cmt_activateCandidacy(ctx: Context, obj: dict[str, Any]) -> str:
    return await _plain(ctx, obj, "activateCandidacy()")


@method("cmt_deactivateCandidacy", _object, dev_only=True)
async def cmt_deactivateCandidacy(ctx: Context, obj: dict[str, Any]) -> str:
    return await _plain(ctx, obj, "deactivateCandidacy()")


@method("cmt_setCompRate", _object, dev_only=True)
async def cmt_setCompRate(ctx: Context, obj: dict[str, Any]) -> str:
    sender = _field(obj, "from", p.address)
    delegator = _field(obj, "delegatorAddress", p.address)
    rate = _field(obj, "compRate", comp_rate)
    return s.hexb(ctx.node.send_staking(sender, "setCompRate(address,uint16)",
                                        (delegator, rate), 0, _nonce(obj)))


@method("cmt_delegate", _object, dev_only=True)
async def cmt_delegate(ctx: Context, obj: dict[str, Any]) -> str:
    sender = _field(obj, "from", p.address)
    validator = _field(obj, "validatorAddress", p.address)
    value = _field(obj, "amount", lambda v: amount(v, "amount"))
    return s.hexb(ctx.node.send_staking(sender, "delegate(address)", (validator,),
                                        value, _nonce(obj)))


@method("cmt_withdraw", _object, dev_only=True)
async def cmt_withdraw(ctx: Context, obj: dict[str, Any]) -> str:
    sender = _field(obj, "from", p.address)
    validator = _field(obj, "validatorAddress", p.address)
    if obj.get("completelyWithdraw"):
        state, _ = ctx.node.staking(BlockRef("latest"))
        found = staking.delegation(state, sender, validator)
        value = found.amount if found else 0
    else:
        value = _field(obj, "amount", lambda v: amount(v, "amount"))
    return s.hexb(ctx.node.send_staking(sender, "withdraw(address,uint256)",
                                        (validator, value), 0, _nonce(obj)))


# --- transactions and sync ------------------------------------------------------------------


@method("cmt_sendRawTx", p.data)
async def cmt_sendRawTx(ctx: Context, raw: bytes) -> str:
    return s.hexb(ctx.node.submit_raw(raw))


@method("cmt_syncing")
async def cmt_syncing(ctx: Context) -> dict[str, Any]:
    return s.cmt_syncing(ctx.node.chain.head)
