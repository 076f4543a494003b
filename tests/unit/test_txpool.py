"""Txpool rules: admission errors (geth's messages), nonce order, replacement, limits, eviction."""

import pytest
from eth_account import Account

from cmt_chain import errors
from cmt_chain.config import TxpoolConfig
from cmt_chain.transaction import decode_transaction
from cmt_chain.txpool import PoolLimits, TxPool, intrinsic_gas

GWEI = 10**9
KEYS = [Account.create(f"pool-{i}").key for i in range(4)]
TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def tx(key=KEYS[0], nonce=0, fee=3 * GWEI, tip=GWEI, gas=21_000, chain_id=1234, value=0,
       data=b"", **extra):
    fields = {"nonce": nonce, "gas": gas, "to": TO, "value": value, "data": data,
              "chainId": chain_id, "maxFeePerGas": fee, "maxPriorityFeePerGas": tip, "type": 2,
              **extra}
    return decode_transaction(bytes(Account.sign_transaction(fields, key).raw_transaction))


class Accounts:
    def __init__(self):
        self.nonces: dict[bytes, int] = {}
        self.balance = 10**24

    def __call__(self, address):
        return self.nonces.get(address, 0), self.balance


def pool(accounts=None, **config):
    return TxPool(TxpoolConfig(**config), PoolLimits(1234, 30_000_000, 2 * GWEI),
                  accounts or Accounts())


def test_pending_and_queued_by_nonce():
    p = pool()
    p.add(tx(nonce=0), 2 * GWEI)
    p.add(tx(nonce=2), 2 * GWEI)
    pending, queued = p.content()
    assert [t.nonce for t in next(iter(pending.values()))] == [0]
    assert [t.nonce for t in next(iter(queued.values()))] == [2]
    p.add(tx(nonce=1), 2 * GWEI)
    pending, queued = p.content()
    assert [t.nonce for t in next(iter(pending.values()))] == [0, 1, 2] and not queued
    assert p.pending_nonce(tx().sender) == 3


def test_select_orders_by_tip_and_keeps_each_senders_nonce_order():
    p = pool()
    p.add(tx(KEYS[0], 0, tip=GWEI), 2 * GWEI)
    p.add(tx(KEYS[0], 1, fee=10 * GWEI, tip=5 * GWEI), 2 * GWEI)
    p.add(tx(KEYS[1], 0, tip=int(0.5 * GWEI)), 2 * GWEI)
    order = [(t.sender, t.nonce) for t in p.select(2 * GWEI)]
    first = tx(KEYS[0]).sender
    assert order[:2] == [(first, 0), (first, 1)]
    assert len(order) == 3


@pytest.mark.parametrize(("make", "error"), [
    (lambda: tx(chain_id=1), errors.InvalidChainId),
    (lambda: tx(gas=20_000), errors.IntrinsicGasTooLow),
    (lambda: tx(gas=30_000_001), errors.GasLimitExceeded),
    (lambda: tx(fee=GWEI, tip=GWEI), errors.Underpriced),
    (lambda: tx(fee=2 * GWEI, tip=3 * GWEI), errors.TipAboveFeeCap),
    (lambda: tx(gas=2_000_000, data=b"\x01" * 200_000), errors.OversizedData),
])
def test_static_rejections(make, error):
    with pytest.raises(error):
        pool().add(make(), 2 * GWEI)


def test_fee_cap_below_base_fee():
    with pytest.raises(errors.FeeCapTooLow, match="max fee per gas less than block base fee"):
        pool().add(tx(fee=3 * GWEI), 4 * GWEI)


def test_nonce_too_low_and_insufficient_funds():
    accounts = Accounts()
    accounts.nonces[tx().sender] = 5
    with pytest.raises(errors.NonceTooLow, match="next nonce 5, tx nonce 1"):
        pool(accounts).add(tx(nonce=1), 2 * GWEI)
    accounts.balance = 21_000 * 3 * GWEI - 1
    with pytest.raises(errors.InsufficientFunds, match=r"insufficient funds for gas \* price"):
        pool(accounts).add(tx(nonce=5), 2 * GWEI)


def test_already_known_and_replacement_needs_ten_percent_on_both_fees():
    p = pool()
    original = tx(fee=10 * GWEI, tip=2 * GWEI)
    p.add(original, 2 * GWEI)
    with pytest.raises(errors.AlreadyKnown):
        p.add(original, 2 * GWEI)
    with pytest.raises(errors.ReplacementUnderpriced):
        p.add(tx(fee=11 * GWEI, tip=int(2.1 * GWEI)), 2 * GWEI)
    replacement = tx(fee=11 * GWEI, tip=int(2.2 * GWEI))
    p.add(replacement, 2 * GWEI)
    assert p.get(original.hash) is None and p.get(replacement.hash) is replacement
    assert len(p) == 1


def test_full_pool_evicts_the_cheapest_of_an_over_quota_sender():
    p = pool(global_slots=4, account_slots=2)
    for nonce in range(4):
        p.add(tx(KEYS[0], nonce, fee=3 * GWEI), 2 * GWEI)
    with pytest.raises(errors.TxPoolFull):
        p.add(tx(KEYS[1], 0, fee=3 * GWEI), 2 * GWEI)
    richer = tx(KEYS[1], 0, fee=5 * GWEI)
    p.add(richer, 2 * GWEI)
    assert len(p) == 4 and p.get(richer.hash) is richer
    assert p.pending_nonce(tx(KEYS[0]).sender) == 3  # its highest nonce went


def test_senders_within_their_slots_are_not_evicted_for_others():
    p = pool(global_slots=2, account_slots=2)
    p.add(tx(KEYS[0], 0), 2 * GWEI)
    p.add(tx(KEYS[0], 1), 2 * GWEI)
    with pytest.raises(errors.TxPoolFull):
        p.add(tx(KEYS[1], 0, fee=50 * GWEI), 2 * GWEI)


def test_remove_included_drops_stale_nonces():
    accounts = Accounts()
    p = pool(accounts)
    mined, stale, kept = tx(nonce=0), tx(nonce=1), tx(nonce=2)
    for t in (mined, stale, kept):
        p.add(t, 2 * GWEI)
    accounts.nonces[mined.sender] = 2
    p.remove_included([mined])
    assert p.get(stale.hash) is None and p.get(kept.hash) is kept


def test_intrinsic_gas_counts_data_creation_and_access_lists():
    assert intrinsic_gas(tx()) == 21_000
    # Prague (EIP-7623): the gas limit must also cover the calldata floor, 10 per token.
    assert intrinsic_gas(tx(data=b"\x00\x01", gas=30_000)) == max(21_000 + 4 + 16,
                                                                   21_000 + 10 * (1 + 4))
    creation = tx(gas=100_000, to=None, data=b"\x00" * 64)
    assert intrinsic_gas(creation) == 21_000 + 64 * 4 + 32_000 + 2 * 2
    with_list = tx(gas=30_000, accessList=[{"address": TO, "storageKeys": ["0x" + "00" * 32]}])
    assert intrinsic_gas(with_list) == 21_000 + 2400 + 1900
