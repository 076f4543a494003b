"""Config loading: defaults in code, config.toml equals them, unknown keys and bad values named."""

import re
from pathlib import Path

import pytest

from cmt_chain.config import Config, ConfigError, config_from_dict, load_config, parse_amount

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_config_toml_equals_the_defaults_in_code():
    assert load_config(ROOT / "config.toml") == Config()


def test_defaults_are_the_documented_dev_network():
    config = Config()
    assert config.network.chain_id == 1234
    assert config.rpc.host == "127.0.0.1" and config.rpc.port == 8545
    assert config.genesis.dev_accounts == 10 and config.genesis.dev_balance == 10_000 * 10**18
    assert config.txpool.account_slots == 16 and config.txpool.global_slots == 5120
    assert config.rpc.max_batch == 1000 and config.rpc.gas_cap == 50_000_000


@pytest.mark.parametrize(("raw", "named"), [
    ({"rpc": {"bogus": 1}}, "rpc.bogus"),
    ({"nosuch": {}}, "nosuch"),
    ({"txpool": {"account_slots": "x"}}, "txpool.account_slots"),
    ({"txpool": {"account_slots": True}}, "txpool.account_slots"),
    ({"mining": {"mode": "sometimes"}}, "mining.mode"),
    ({"mining": {"interval": 0}}, "mining.interval"),
    ({"rpc": {"port": 70000}}, "rpc.port"),
    ({"network": {"chain_id": -1}}, "network.chain_id"),
    ({"fees": {"min_gas_price": "2 bananas"}}, "fees.min_gas_price"),
    ({"genesis": {"alloc": {"0x12": {"balance": 1}}}}, "genesis.alloc.0x12"),
    ({"genesis": {"alloc": {"0x" + "11" * 20: {"colour": 1}}}}, "colour"),
    ({"staking": {"slash_bps": 10_001}}, "staking.slash_bps"),
    ({"staking": {"epoch_length": 0}}, "staking.epoch_length"),
    ({"staking": {"min_delegation": "a lot"}}, "staking.min_delegation"),
    ({"staking": {"genesis_validators": [{"address": "0x12", "stake": 1}]}},
     "staking.genesis_validators[0].address"),
    ({"staking": {"genesis_validators": [{"address": "0x" + "11" * 20}]}},
     "staking.genesis_validators[0]"),
    ({"staking": {"genesis_validators": [{"address": "0x" + "11" * 20, "stake": 0}]}},
     "staking.genesis_validators[0].stake"),
    ({"validator": {"extra_key_files": "k.key"}}, "validator.extra_key_files"),
    ({"fees": {"sponsor_window": 0}}, "fees.sponsor_window"),
])
def test_bad_config_names_the_key(raw, named):
    with pytest.raises(ConfigError, match=re.escape(named)):
        config_from_dict(raw)


def test_invalid_toml_and_missing_file_are_config_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[rpc\nport = 1")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


@pytest.mark.parametrize(("text", "wei"), [
    ("10000 CMT", 10_000 * 10**18), ("2 gwei", 2 * 10**9), ("1.5 cmt", 15 * 10**17),
    ("0x10", 16), ("12345", 12345), (7, 7),
])
def test_amounts_take_units(text, wei):
    assert parse_amount(text, "k") == wei


def test_alloc_entries_parse(tmp_path):
    config = config_from_dict({"genesis": {"alloc": {"0x" + "11" * 20: {
        "balance": "5 CMT", "nonce": 3, "code": "0x6000", "storage": {"0x01": "0x02"}}}}})
    address, entry = config.genesis.alloc[0]
    assert address == bytes.fromhex("11" * 20)
    assert (entry.balance, entry.nonce, entry.code, entry.storage) == (
        5 * 10**18, 3, b"\x60\x00", ((1, 2),))
