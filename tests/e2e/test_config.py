"""Config files: a bad key or value stops the node at start with one clear line naming the key
(no traceback, non-zero exit); a good file is applied."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import pytest
from web3 import Web3

from tests.nodeproc import ROOT, NodeProcess


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def run_cli(tmp_path: Path, *flags: str) -> Result:
    """Run `python -m cmt_chain` until it exits; a node that starts instead is stopped, failing."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    args = [sys.executable, "-m", "cmt_chain", "--data-dir", str(tmp_path / "data"),
            "--port", "0", "--quiet", *flags]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        out = []
        for line in iter(proc.stdout.readline, b""):
            out.append(line.decode())
            if "Listening on" in out[-1]:
                proc.send_signal(signal.SIGINT)
                proc.wait(20)
                raise AssertionError(f"the node started instead of refusing: {out[-1]}")
        code = proc.wait(20)
        err.seek(0)
        return Result(code, "".join(out), err.read().decode(errors="replace"))


def run_node(tmp_path: Path, config_text: str, *flags: str) -> Result:
    config = tmp_path / "bad.toml"
    config.write_text(config_text)
    return run_cli(tmp_path, "--config", str(config), *flags)


@pytest.mark.parametrize(("config_text", "key"), [
    ("[rpc]\nbogus = 1\n", "rpc.bogus"),
    ('[txpool]\naccount_slots = "x"\n', "txpool.account_slots"),
    ("[txpool]\naccount_slots = 0\n", "txpool.account_slots"),
    ('[mining]\nmode = "sometimes"\n', "mining.mode"),
    ("[mining]\ninterval = -1\n", "mining.interval"),
    ("[rpc]\nport = 70000\n", "rpc.port"),
    ('[genesis]\ndev_balance = "lots"\n', "genesis.dev_balance"),
    ("[network]\nchain_id = true\n", "network.chain_id"),
    ("[nonsense]\nx = 1\n", "nonsense"),
    # Values the loader lets through but the node cannot use must be refused the same way.
    ('[genesis]\nmnemonic = "not a valid mnemonic at all"\n', "genesis.mnemonic"),
    ("[network]\nchain_id = 100000000000000000000000\n", "network.chain_id"),
    ("[genesis]\ngas_limit = 100\n", "genesis.gas_limit"),  # --gas-limit refuses < 21000
    ('[validator]\nextra_key_files = ["no/such.key"]\n', "validator.extra_key_files"),
    ("[staking]\ngenesis_validators = [{ address = \"0x12\", stake = 1 }]\n",
     "staking.genesis_validators[0].address"),
])
def test_bad_config_exits_with_message_naming_the_key(tmp_path: Path, config_text: str,
                                                      key: str) -> None:
    result = run_node(tmp_path, config_text)
    assert result.returncode != 0
    assert key in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Listening on" not in result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_invalid_toml_is_reported_without_traceback(tmp_path: Path) -> None:
    result = run_node(tmp_path, "[rpc\nport = 1\n")
    assert result.returncode != 0
    assert "bad.toml" in result.stderr and "TOML" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_invalid_utf8_is_reported_without_traceback(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_bytes(b'[rpc]\nhost = "\xff\xfe"\n')
    result = run_cli(tmp_path, "--config", str(config))
    assert result.returncode != 0
    assert "bad.toml" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_directory_as_config_is_reported_without_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "conf.d"
    folder.mkdir()
    result = run_cli(tmp_path, "--config", str(folder))
    assert result.returncode != 0
    assert "conf.d" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_data_folder_of_another_chain_is_refused(tmp_path: Path) -> None:
    process = NodeProcess(tmp_path / "data", "--mining-mode", "instant")
    assert process.stop() == 0
    config = tmp_path / "other.toml"
    config.write_text("[network]\nchain_id = 99\n")
    result = run_cli(tmp_path, "--config", str(config))
    assert result.returncode != 0
    assert "1234" in result.stderr and "99" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    # A user error, not the node's fault: it must not be labelled an internal error.
    assert "internal error" not in result.stderr, result.stderr


def test_missing_config_file_is_reported(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--config", str(tmp_path / "absent.toml"))
    assert result.returncode != 0
    assert "absent.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_good_config_is_applied(tmp_path: Path) -> None:
    config = tmp_path / "good.toml"
    config.write_text('[network]\nchain_id = 4321\n\n[genesis]\ndev_balance = "5 CMT"\n'
                      'gas_limit = 12000000\n\n[mining]\nmode = "instant"\n')
    process = NodeProcess(tmp_path / "data", config=config)
    try:
        w3 = Web3(Web3.HTTPProvider(process.url))
        assert w3.eth.chain_id == 4321
        assert w3.eth.get_balance(w3.eth.accounts[0]) == 5 * 10**18
        assert w3.eth.get_block("latest")["gasLimit"] == 12_000_000
        tx_hash = w3.eth.send_transaction({"from": w3.eth.accounts[0],
                                           "to": w3.eth.accounts[1], "value": 1})
        rcpt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
        assert rcpt["status"] == 1
        assert w3.eth.get_transaction(tx_hash)["chainId"] == 4321
        assert process.stop() == 0
    finally:
        if process.proc.poll() is None:
            process.kill()
