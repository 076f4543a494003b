"""The commerce templates at genesis: fixed addresses, constructors run in the EVM, linked, config
checked with key names, and an older data folder (made without them) refused as another genesis."""

import dataclasses
import json
from pathlib import Path

import pytest
from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector

from cmt_chain import errors, execution, templates
from cmt_chain.accounts import dev_accounts
from cmt_chain.calls import BlockEnv, CallRequest
from cmt_chain.config import Config, ConfigError, TemplatesConfig, config_from_dict
from cmt_chain.genesis import genesis_accounts, make_genesis
from cmt_chain.node import Node

ROOT = Path(__file__).resolve().parents[2]
OWNER = dev_accounts(Config().genesis.mnemonic, 1)[0].address
ADDRESSES = {name: bytes.fromhex(f"{0x2000 + i:040x}") for i, name in enumerate(
    ("Marketplace", "Escrow", "Disputes", "Reputation", "Identity", "TestToken"))}


def _config(tmp_path, **templates_changes) -> Config:
    config = Config().replace("storage", data_dir=str(tmp_path / "data"))
    if templates_changes:
        config = config.replace("templates", **templates_changes)
    return config


@pytest.fixture
def genesis_node(tmp_path):
    node = Node.open(_config(tmp_path).replace("mining", mode="instant"))
    yield node
    node.store.close()


def _call(node, to: bytes, signature: str, out: list[str], types=(), args=()) -> tuple:
    data = function_signature_to_4byte_selector(signature) + encode(list(types), list(args))
    header = node.chain.head
    env = BlockEnv(number=header.number + 1, timestamp=header.timestamp + 1,
                   coinbase=header.coinbase, gas_limit=header.gas_limit, base_fee=0,
                   chain_id=node.config.network.chain_id)
    result = execution.call(node.store, header.state_root, env,
                            CallRequest(sender=OWNER, to=to, data=data), 10_000_000, 10.0)
    return decode(out, result.output)


def test_templates_sit_at_their_documented_addresses():
    listed = templates.preloaded(Config())
    assert [(t.name, t.address) for t in listed] == list(ADDRESSES.items())
    for t in listed:
        artifact = json.loads((ROOT / "contracts" / "artifacts" / f"{t.name}.json").read_text())
        assert list(t.abi) == artifact["abi"]
        assert t.source == f"contracts/src/{t.name}.sol"
    assert templates.preloaded(Config().replace("templates", enabled=False)) == ()


def test_genesis_runs_the_constructors_and_links_the_contracts(genesis_node):
    reader = execution.AccountReader(genesis_node.store, genesis_node.chain.genesis.state_root)
    for name, address in ADDRESSES.items():
        code = reader.code(address)
        runtime = json.loads((ROOT / "contracts" / "artifacts" / f"{name}.json").read_text())[
            "deployedBytecode"]
        # same length as the compiled runtime; contracts with immutables differ only there
        assert len(code) == len(runtime) // 2 - 1, name
        assert reader.nonce(address) == 1  # as a CREATE leaves it (EIP-161)
    assert reader.nonce(OWNER) == 0  # genesis steps are messages, not transactions
    a = ADDRESSES
    assert _call(genesis_node, a["Escrow"], "isMarket(address)", ["bool"], ["address"],
                 [a["Marketplace"]]) == (True,)
    assert _call(genesis_node, a["Escrow"], "resolver()", ["address"])[0] == "0x" + a[
        "Disputes"].hex()
    for name in ("Marketplace", "Disputes", "Reputation"):  # immutables
        assert _call(genesis_node, a[name], "escrow()", ["address"])[0] == "0x" + a["Escrow"].hex()
    for name in ("Marketplace", "Escrow", "Disputes", "Identity"):
        assert _call(genesis_node, a[name], "owner()", ["address"])[0] == "0x" + OWNER.hex()
    assert _call(genesis_node, a["Marketplace"], "feeBps()", ["uint16"]) == (250,)
    assert _call(genesis_node, a["Disputes"], "params()",
                 ["uint128", "uint128", "uint8", "uint32", "uint32", "uint16"]) == (
        10**18, 10 * 10**18, 3, 3 * 86400, 5 * 86400, 1000)
    assert _call(genesis_node, a["TestToken"], "balanceOf(address)", ["uint256"], ["address"],
                 [OWNER]) == (10**6 * 10**18,)
    assert _call(genesis_node, a["TestToken"], "symbol()", ["string"]) == ("TST",)


def test_configured_values_reach_the_contracts(tmp_path):
    holder = bytes.fromhex("11" * 20)
    config = config_from_dict({
        "storage": {"data_dir": str(tmp_path / "data")},
        "templates": {"fee_bps": 0, "fee_recipient": "0x" + "22" * 20, "panel_size": 5,
                      "token_symbol": "USDX", "token_decimals": 6, "token_supply": 500,
                      "token_holder": "0x" + holder.hex(), "dispute_deposit": "0.5 CMT"}})
    node = Node.open(config)
    try:
        a = ADDRESSES
        assert _call(node, a["Marketplace"], "feeRecipient()", ["address"])[0] == "0x" + "22" * 20
        assert _call(node, a["Disputes"], "params()", ["uint128", "uint128", "uint8"])[0::2] == (
            5 * 10**17, 5)
        assert _call(node, a["TestToken"], "balanceOf(address)", ["uint256"], ["address"],
                     [holder]) == (500 * 10**6,)
    finally:
        node.store.close()


def test_disabled_templates_leave_the_old_genesis(tmp_path):
    store_config = _config(tmp_path, enabled=False)
    node = Node.open(store_config)
    try:
        validators = (node.validator,)  # the genesis staking state names the local validator
        block, _ = make_genesis(node.store, store_config, validators)
        root, _ = execution.genesis_state(node.store, genesis_accounts(store_config, validators))
        assert block.header.state_root == root
        assert execution.AccountReader(node.store, root).code(ADDRESSES["Marketplace"]) == b""
        enabled, _ = make_genesis(node.store, Config(), validators)
        assert enabled.hash != block.hash
    finally:
        node.store.close()


def test_a_data_folder_from_an_older_genesis_is_refused_cleanly(tmp_path):
    Node.open(_config(tmp_path, enabled=False)).store.close()
    with pytest.raises(errors.DataDirError, match="genesis settings changed"):
        Node.open(_config(tmp_path))
    # and the folder still opens with the settings it was made with
    Node.open(_config(tmp_path, enabled=False)).store.close()


def test_a_failing_constructor_names_the_step(tmp_path):
    # 0 is not a valid panel size: the config refuses it; forced past the config, genesis names it
    config = _config(tmp_path, panel_size=0)
    node = Node.open(_config(tmp_path, enabled=False))
    try:
        with pytest.raises(errors.GenesisDeployFailed, match="Disputes: reverted with 0x"):
            make_genesis(node.store, config)
    finally:
        node.store.close()


def test_an_alloc_on_a_template_address_is_refused(tmp_path):
    config = config_from_dict({
        "storage": {"data_dir": str(tmp_path / "data")},
        "genesis": {"alloc": {"0x" + ADDRESSES["Escrow"].hex(): {"code": "0x00"}}}})
    with pytest.raises(errors.GenesisDeployFailed, match="Escrow: the address already holds code"):
        Node.open(config)


@pytest.mark.parametrize(("raw", "named"), [
    ({"templates": {"bogus": 1}}, "templates.bogus"),
    ({"templates": {"enabled": "yes"}}, "templates.enabled"),
    ({"templates": {"owner": "0x12"}}, "templates.owner"),
    ({"templates": {"fee_recipient": 5}}, "templates.fee_recipient"),
    ({"templates": {"fee_bps": 1001}}, "templates.fee_bps"),
    ({"templates": {"panel_size": 4}}, "templates.panel_size"),
    ({"templates": {"panel_size": 17}}, "templates.panel_size"),
    ({"templates": {"response_window": 60}}, "templates.response_window"),
    ({"templates": {"voting_period": 2**32}}, "templates.voting_period"),
    ({"templates": {"slash_bps": 5001}}, "templates.slash_bps"),
    ({"templates": {"dispute_deposit": "0 CMT"}}, "templates.dispute_deposit"),
    ({"templates": {"arbiter_min_bond": "1 banana"}}, "templates.arbiter_min_bond"),
    ({"templates": {"token_decimals": 40}}, "templates.token_decimals"),
    ({"templates": {"token_supply": -1}}, "templates.token_supply"),
])
def test_bad_template_config_names_the_key(raw, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        config_from_dict(raw)


def test_template_defaults_and_explicit_owner():
    assert TemplatesConfig() == Config().templates
    config = config_from_dict({"network": {"dev": False},
                               "templates": {"owner": "0x" + "33" * 20}})
    assert config.templates.owner == bytes.fromhex("33" * 20)
    assert templates.owner_of(config) == bytes.fromhex("33" * 20)
    assert templates.owner_of(Config()) == OWNER
    assert dataclasses.replace(config.templates, enabled=False).enabled is False
