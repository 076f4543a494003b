"""The commerce templates preloaded at genesis: their fixed addresses, artifacts and setup steps.

A fresh chain (with `[templates] enabled`) holds a live, linked marketplace at fixed addresses:

    0x...2000  Marketplace  constructor(escrow, owner, fee recipient, fee bps)
    0x...2001  Escrow       constructor(owner); then setMarket(Marketplace), setResolver(Disputes)
    0x...2002  Disputes     constructor(escrow, owner, dispute params)
    0x...2003  Reputation   constructor(escrow)
    0x...2004  Identity     constructor(owner)
    0x...2005  TestToken    constructor(name, symbol, decimals, owner as minter); then mint

Here 0x...2000 is 0x0000000000000000000000000000000000002000. The range from 0x...1000 upward is
kept for the chain's native system contracts. `genesis.py` turns the config into these steps and
runs them through `execution.genesis_state_with_contracts`; `rpc/methods/cmt.py` lists the same
contracts with their ABIs. The artifacts are the compiled JSON files in `contracts/artifacts/`
(`scripts/build_contracts.sh`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from . import execution
from .accounts import dev_accounts
from .config import Config

# In a checkout: contracts/artifacts/. Installed with pip: <prefix>/share/cmt-chain/artifacts,
# where pyproject.toml's data-files put them.
_CHECKOUT_ARTIFACTS = Path(__file__).resolve().parents[1] / "contracts" / "artifacts"
_INSTALLED_ARTIFACTS = Path(sys.prefix) / "share" / "cmt-chain" / "artifacts"
ARTIFACTS_DIR = _CHECKOUT_ARTIFACTS if _CHECKOUT_ARTIFACTS.is_dir() else _INSTALLED_ARTIFACTS
BASE_ADDRESS = 0x2000

# In address order. Escrow deploys first (Marketplace's constructor reads its fee cap) and is linked
# once Marketplace and Disputes exist.
TEMPLATE_NAMES = ("Marketplace", "Escrow", "Disputes", "Reputation", "Identity", "TestToken")
_DEPLOY_ORDER = ("Escrow", "Marketplace", "Disputes", "Reputation", "Identity", "TestToken")


def template_address(name: str) -> bytes:
    """Return the fixed genesis address of the template `name`."""
    return (BASE_ADDRESS + TEMPLATE_NAMES.index(name)).to_bytes(20, "big")


@dataclass(frozen=True, slots=True)
class Template:
    """A preloaded contract: its name, address, ABI and where its source lives."""

    name: str
    address: bytes
    abi: tuple[dict[str, Any], ...]
    source: str


@cache
def artifact(name: str) -> dict[str, Any]:
    """Return the compiled artifact of `name` (ABI, creation and runtime bytecode)."""
    path = ARTIFACTS_DIR / f"{name}.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path}: template artifact missing (run bash scripts/build_contracts.sh)") from None


def preloaded(config: Config) -> tuple[Template, ...]:
    """Return the templates this config preloads (none when `[templates] enabled` is false)."""
    if not config.templates.enabled:
        return ()
    return tuple(
        Template(name, template_address(name), tuple(artifact(name)["abi"]),
                 artifact(name)["sourceName"])
        for name in TEMPLATE_NAMES)


def owner_of(config: Config) -> bytes:
    """Return the templates' owner: the configured one, else the mnemonic's first account."""
    if config.templates.owner:
        return config.templates.owner
    return dev_accounts(config.genesis.mnemonic, 1)[0].address


def genesis_steps(config: Config) -> tuple[execution.GenesisStep, ...]:
    """Return the constructor runs and linking calls that set the templates up at genesis."""
    if not config.templates.enabled:
        return ()
    t = config.templates
    owner = owner_of(config)
    a = template_address
    params = (t.dispute_deposit, t.arbiter_min_bond, t.panel_size, t.response_window,
              t.voting_period, t.slash_bps)
    constructors: dict[str, tuple[list[str], list[Any]]] = {
        "Marketplace": (["address", "address", "address", "uint16"],
                        [a("Escrow"), owner, t.fee_recipient or owner, t.fee_bps]),
        "Escrow": (["address"], [owner]),
        "Disputes": (["address", "address", "(uint128,uint128,uint8,uint32,uint32,uint16)"],
                     [a("Escrow"), owner, params]),
        "Reputation": (["address"], [a("Escrow")]),
        "Identity": (["address"], [owner]),
        "TestToken": (["string", "string", "uint8", "address"],
                      [t.token_name, t.token_symbol, t.token_decimals, owner]),
    }
    steps: list[execution.GenesisStep] = [
        execution.GenesisDeploy(name, a(name), _init_code(name, *constructors[name]), owner)
        for name in _DEPLOY_ORDER]
    steps += [
        _call("Escrow.setMarket", owner, a("Escrow"), "setMarket(address,bool)",
              ["address", "bool"], [a("Marketplace"), True]),
        _call("Escrow.setResolver", owner, a("Escrow"), "setResolver(address)",
              ["address"], [a("Disputes")]),
    ]
    if t.token_supply:
        steps.append(_call("TestToken.mint", owner, a("TestToken"), "mint(address,uint256)",
                           ["address", "uint256"],
                           [t.token_holder or owner, t.token_supply * 10**t.token_decimals]))
    return tuple(steps)


def _init_code(name: str, types: list[str], args: list[Any]) -> bytes:
    return bytes.fromhex(artifact(name)["bytecode"][2:]) + encode(types, args)


def _call(name: str, sender: bytes, to: bytes, signature: str, types: list[str],
          args: list[Any]) -> execution.GenesisCall:
    data = function_signature_to_4byte_selector(signature) + encode(types, args)
    return execution.GenesisCall(name, sender, to, data)
