"""Genesis deployment: contracts created at fixed addresses by running their constructors.

`genesis.py` asks for a genesis state with contracts preloaded (the commerce templates). Each
`GenesisDeploy` runs its init code (creation bytecode plus encoded constructor arguments) as a
CREATE message whose new account is the given fixed address, so the stored runtime code,
immutables and storage are exactly what a deployment transaction would leave. Each `GenesisCall`
then runs as a plain message (linking calls such as `setMarket`, a token mint). Nothing is charged:
these are messages, not transactions, so the senders' balances and nonces are untouched. A step
that fails raises `GenesisDeployFailed` with the revert reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eth.vm.forks.prague.state import PragueState
from eth.vm.message import Message
from eth_typing import Address

from .. import errors
from ..calls import BlockEnv, decode_revert_reason
from ..storage.kv import Store
from ..storage.state import StateOverlay
from .accounts import GenesisAccount, write_accounts
from .vm import make_state

_STEP_GAS = 30_000_000
_CREATE = Address(b"")


@dataclass(frozen=True, slots=True)
class GenesisDeploy:
    """Create a contract at `address` from `init_code`, as if `sender` deployed it."""

    name: str
    address: bytes
    init_code: bytes
    sender: bytes


@dataclass(frozen=True, slots=True)
class GenesisCall:
    """Call `to` with `data` from `sender` after the deployments (linking, minting)."""

    name: str
    sender: bytes
    to: bytes
    data: bytes


GenesisStep = GenesisDeploy | GenesisCall


def genesis_state_with_contracts(
    store: Store, accounts: Iterable[GenesisAccount], steps: Sequence[GenesisStep], env: BlockEnv,
) -> tuple[bytes, dict[bytes, bytes]]:
    """Write the accounts, run `steps` in order on top, and return the root and the writes."""
    overlay = StateOverlay(store)
    root = write_accounts(overlay, accounts)
    state = make_state(overlay, root, env)
    for step in steps:
        _run_step(state, step)
    state.persist()
    return state.state_root, overlay.writes


def _run_step(state: PragueState, step: GenesisStep) -> None:
    context = state.get_transaction_context_class()(gas_price=0, origin=Address(step.sender))
    computation_class = state.computation_class
    if isinstance(step, GenesisDeploy):
        if state.get_code(Address(step.address)):
            raise errors.GenesisDeployFailed(step.name, "the address already holds code")
        message = Message(
            gas=_STEP_GAS, to=_CREATE, sender=Address(step.sender), value=0, data=b"",
            code=step.init_code, create_address=Address(step.address))
        computation = computation_class.apply_create_message(state, message, context)
    else:
        message = Message(
            gas=_STEP_GAS, to=Address(step.to), sender=Address(step.sender), value=0,
            data=step.data, code=state.get_code(Address(step.to)))
        computation = computation_class.apply_message(state, message, context)
    if computation.is_error:
        output = computation.output
        reason = decode_revert_reason(output) or (
            f"reverted with 0x{output.hex()}" if output else f"failed: {computation.error!r}")
        raise errors.GenesisDeployFailed(step.name, reason)
