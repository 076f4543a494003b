"""The preloaded marketplace end to end, through the RPC of a running node with web3.py.

The contracts come from `cmt_getContracts` (names, fixed addresses, ABIs), as a shop front-end
would find them. Dev accounts play the parts: 0 the templates' owner and fee recipient, 1 the
seller, 2 the buyer, 3-7 arbiters who bond into the pool, 8 a bystander who calls the
permissionless steps (drawPanel, finalize, claim). Dev methods move the clock (evm_increaseTime)
and mine blocks (evm_mine). Each story checks where every wei went.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from tests.e2e.helpers import CMT, receipt

DAY = 86_400
PRICE = 3 * CMT
SHIPPING = CMT // 2
EU = keccak(text="EU")
FEE_BPS = 250
DEPOSIT = CMT  # the default [templates] dispute_deposit
BOND = 10 * CMT  # the default [templates] arbiter_min_bond
SHIP_WINDOW = 2 * DAY
DELIVERY_WINDOW = 7 * DAY
PAID, SHIPPED, DISPUTED, COMPLETED, REFUNDED, RESOLVED = 1, 2, 3, 4, 5, 6
VOTE = {"refund": 1, "release": 2, "split": 3}


class Shop:
    """The preloaded contracts and the dev accounts that use them."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        listed = w3.provider.make_request("cmt_getContracts", [])["result"]  # type: ignore
        self.c: dict[str, Contract] = {
            entry["name"]: w3.eth.contract(address=Web3.to_checksum_address(entry["address"]),
                                           abi=entry["abi"])
            for entry in listed}
        accounts = w3.eth.accounts
        self.owner, self.seller, self.buyer = accounts[0], accounts[1], accounts[2]
        self.arbiters = accounts[3:8]
        self.keeper = accounts[8]

    def send(self, fn: Any, sender: str, value: int = 0) -> Any:
        """Send a contract call from `sender` (an unlocked dev account); return its receipt."""
        rcpt = receipt(self.w3, fn.transact({"from": sender, "value": value}))
        assert rcpt["status"] == 1, rcpt
        return rcpt

    def events(self, contract: str, event: str, rcpt: Any) -> list[Any]:
        return list(getattr(self.c[contract].events, event)().process_receipt(rcpt, DISCARD))

    def list_item(self, token: str | None = None, price: int = PRICE, quantity: int = 10) -> int:
        fn = self.c["Marketplace"].functions.createListing(
            (token or "0x" + "00" * 20, price, quantity, SHIP_WINDOW, DELIVERY_WINDOW,
             "ipfs://bafy-teapot", keccak(text="teapot")),
            [] if token else [(EU, SHIPPING)])
        rcpt = self.send(fn, self.seller)
        return self.events("Marketplace", "ListingCreated", rcpt)[0]["args"]["listingId"]

    def buy(self, listing: int, quantity: int = 1, region: bytes = EU) -> tuple[int, int]:
        market = self.c["Marketplace"].functions
        total = market.quote(listing, quantity, region).call()
        token = market.getListing(listing).call()[5]
        value = total if int(token, 16) == 0 else 0
        rcpt = self.send(market.buy(listing, quantity, region, total), self.buyer, value)
        return self.events("Marketplace", "Purchased", rcpt)[0]["args"]["orderId"], total

    def shipped_order(self, listing: int) -> tuple[int, int]:
        order, total = self.buy(listing)
        self.send(self.c["Escrow"].functions.markShipped(order, keccak(text="DHL 123")),
                  self.seller)
        return order, total

    def state(self, order: int) -> int:
        return self.c["Escrow"].functions.stateOf(order).call()

    def balance(self, who: str) -> int:
        return self.w3.eth.get_balance(who)

    def dev(self, method: str, *params: Any) -> Any:
        response = self.w3.provider.make_request(method, list(params))
        assert "error" not in response, response
        return response["result"]

    def mine(self, blocks: int) -> None:
        self.dev("evm_mine", {"blocks": hex(blocks)})

    def pass_time(self, seconds: int) -> None:
        """Mine a block `seconds` after the latest one. (Blocks mined on demand run ahead of the
        wall clock, so evm_increaseTime alone may land a few seconds short.)"""
        latest = self.w3.eth.get_block("latest")["timestamp"]
        self.dev("evm_increaseTime", seconds)
        self.dev("evm_mine", hex(latest + seconds))


@pytest.fixture(scope="module")
def shop(w3: Web3) -> Shop:
    shop = Shop(w3)
    for arbiter in shop.arbiters:
        shop.send(shop.c["Disputes"].functions.join(), arbiter, BOND)
    assert shop.c["Disputes"].functions.poolSize().call() == 5
    return shop


@pytest.fixture(scope="module")
def listing(shop: Shop) -> int:
    return shop.list_item()


def test_contracts_are_live_and_linked_from_genesis(shop: Shop) -> None:
    escrow = shop.c["Escrow"].functions
    assert escrow.isMarket(shop.c["Marketplace"].address).call() is True
    assert escrow.resolver().call() == shop.c["Disputes"].address
    assert shop.c["Reputation"].functions.escrow().call() == shop.c["Escrow"].address
    assert shop.c["Marketplace"].functions.feeBps().call() == FEE_BPS
    assert shop.c["Marketplace"].functions.feeRecipient().call() == shop.owner
    token = shop.c["TestToken"].functions
    assert token.balanceOf(shop.owner).call() == 1_000_000 * CMT
    assert token.symbol().call() == "TST"


def test_list_buy_ship_confirm_rate(shop: Shop, listing: int) -> None:
    fee_before, seller_before = shop.balance(shop.owner), shop.balance(shop.seller)
    order, total = shop.buy(listing)
    assert total == PRICE + SHIPPING
    assert shop.state(order) == PAID
    assert shop.balance(shop.c["Escrow"].address) >= total
    ship = shop.send(shop.c["Escrow"].functions.markShipped(order, keccak(text="DHL 1")),
                     shop.seller)
    assert shop.state(order) == SHIPPED
    shop.send(shop.c["Escrow"].functions.confirmDelivery(order), shop.buyer)
    assert shop.state(order) == COMPLETED
    fee = total * FEE_BPS // 10_000
    ship_cost = ship["gasUsed"] * ship["effectiveGasPrice"]
    assert shop.balance(shop.seller) == seller_before + total - fee - ship_cost
    assert shop.balance(shop.owner) == fee_before + fee
    reputation = shop.c["Reputation"].functions
    shop.send(reputation.rate(order, 5, keccak(text="fast and as described")), shop.buyer)
    shop.send(reputation.rate(order, 4, keccak(text="paid promptly")), shop.seller)
    assert reputation.sellerStats(shop.seller).call() == [1, 5]
    assert reputation.buyerStats(shop.buyer).call() == [1, 4]
    with pytest.raises(ContractCustomError):
        reputation.rate(order, 3, b"\x00" * 32).call({"from": shop.buyer})


def test_seller_refunds(shop: Shop, listing: int) -> None:
    order, total = shop.buy(listing)
    buyer_before = shop.balance(shop.buyer)
    shop.send(shop.c["Escrow"].functions.refund(order), shop.seller)
    assert shop.state(order) == REFUNDED
    assert shop.balance(shop.buyer) == buyer_before + total


def test_seller_claims_after_the_delivery_window(shop: Shop, listing: int) -> None:
    order, total = shop.shipped_order(listing)
    escrow = shop.c["Escrow"].functions
    with pytest.raises(ContractCustomError):
        escrow.claim(order).call({"from": shop.keeper})
    shop.pass_time(DELIVERY_WINDOW + 1)
    seller_before = shop.balance(shop.seller)
    shop.send(escrow.claim(order), shop.keeper)  # anyone may claim for the seller
    assert shop.state(order) == COMPLETED
    assert shop.balance(shop.seller) == seller_before + total - total * FEE_BPS // 10_000


def _dispute_to_panel(shop: Shop, listing: int) -> tuple[int, int, list[str]]:
    """Buy, ship, dispute (both deposits), wait out the draw block and draw: return the panel."""
    order, total = shop.shipped_order(listing)
    disputes = shop.c["Disputes"].functions
    shop.send(disputes.postDeposit(order), shop.buyer, DEPOSIT)
    shop.send(shop.c["Escrow"].functions.openDispute(order, keccak(text="arrived broken")),
              shop.buyer)
    assert shop.state(order) == DISPUTED
    shop.send(disputes.submitEvidence(order, keccak(text="photo of the teapot")), shop.buyer)
    answer = shop.send(disputes.postDeposit(order), shop.seller, DEPOSIT)
    draw_block = shop.events("Disputes", "PanelDrawScheduled", answer)[0]["args"]["drawBlock"]
    assert draw_block == answer["blockNumber"] + 3
    assert disputes.getDispute(order).call()[6] == []  # nothing drawn in the seller's transaction
    with pytest.raises(ContractCustomError):  # DrawNotReady until the draw block is mined
        disputes.drawPanel(order).call({"from": shop.keeper})
    # past the draw block (calls and estimates run on the latest block, so it must be mined)
    shop.mine(draw_block + 1 - shop.w3.eth.block_number)
    drawn = shop.send(disputes.drawPanel(order), shop.keeper)
    panel = shop.events("Disputes", "PanelDrawn", drawn)[0]["args"]["panel"]
    assert len(panel) == 3 and set(panel) <= set(shop.arbiters)
    assert disputes.getDispute(order).call()[6] == panel
    return order, total, panel


@pytest.mark.parametrize("outcome", ["refund", "release", "split"])
def test_dispute_decided_by_panel_vote(shop: Shop, listing: int, outcome: str) -> None:
    order, total, panel = _dispute_to_panel(shop, listing)
    disputes = shop.c["Disputes"].functions
    for panelist in panel[:2]:  # a majority of three; the third stays silent and is slashed
        shop.send(disputes.vote(order, VOTE[outcome]), panelist)
    buyer_before, seller_before = shop.balance(shop.buyer), shop.balance(shop.seller)
    fee_before = shop.balance(shop.owner)
    credit = disputes.credit
    credit_before = [credit(member).call() for member in panel]  # earlier rewards not withdrawn
    done = shop.send(disputes.finalize(order), shop.keeper)
    assert shop.state(order) == RESOLVED
    resolved = shop.events("Escrow", "DisputeResolved", done)[0]["args"]
    fee = {"refund": 0, "release": total * FEE_BPS // 10_000,
           "split": (total // 2) * FEE_BPS // 10_000}[outcome]
    to_buyer = {"refund": total, "release": 0, "split": total - total // 2}[outcome]
    assert (resolved["buyerAmount"], resolved["fee"]) == (to_buyer, fee)
    assert resolved["buyerAmount"] + resolved["sellerAmount"] + resolved["fee"] == total
    assert shop.balance(shop.buyer) == buyer_before + to_buyer
    assert shop.balance(shop.seller) == seller_before + total - to_buyer - fee
    assert shop.balance(shop.owner) == fee_before + fee
    # deposits: the loser's (half of each on a split) and the silent panelist's slash pay the two
    # majority voters; the winner's deposit comes back
    decided = shop.events("Disputes", "Decided", done)[0]["args"]
    slash = BOND * 1000 // 10_000
    assert decided["pot"] >= DEPOSIT + slash  # plus any reserve carried over (rounding dust)
    assert decided["rewardEach"] == decided["pot"] // 2
    earned = [credit(member).call() - before
              for member, before in zip(panel, credit_before, strict=True)]
    assert earned == [decided["rewardEach"], decided["rewardEach"], 0]
    before = shop.balance(panel[0])
    owed = credit(panel[0]).call()
    rcpt = shop.send(disputes.withdraw(), panel[0])
    assert shop.balance(panel[0]) == before + owed - rcpt["gasUsed"] * rcpt["effectiveGasPrice"]
    # the silent panelist fell below the minimum bond and left the draw pool; it rejoins by
    # topping its bond back up
    bond, active, slot, _joined = disputes.arbiters(panel[2]).call()
    assert (bond, active, slot) == (BOND - slash, 0, 0)
    assert disputes.poolSize().call() == 4
    shop.send(disputes.join(), panel[2], slash)
    assert disputes.poolSize().call() == 5


def test_token_priced_order(shop: Shop) -> None:
    token = shop.c["TestToken"]
    price = 50 * CMT
    listing = shop.list_item(token=token.address, price=price)
    shop.send(token.functions.faucet(), shop.buyer)
    shop.send(token.functions.approve(shop.c["Marketplace"].address, price), shop.buyer)
    seller_before = token.functions.balanceOf(shop.seller).call()
    owner_before = token.functions.balanceOf(shop.owner).call()
    order, total = shop.buy(listing, region=b"\x00" * 32)
    assert total == price
    assert token.functions.balanceOf(shop.c["Escrow"].address).call() >= price
    shop.send(shop.c["Escrow"].functions.markShipped(order, keccak(text="DHL 9")), shop.seller)
    shop.send(shop.c["Escrow"].functions.confirmDelivery(order), shop.buyer)
    fee = price * FEE_BPS // 10_000
    assert token.functions.balanceOf(shop.seller).call() == seller_before + price - fee
    assert token.functions.balanceOf(shop.owner).call() == owner_before + fee


def test_identity_profile_and_attestation(shop: Shop) -> None:
    identity = shop.c["Identity"].functions
    claim = keccak(text="verified seller")
    shop.send(identity.setProfile(b"\x02" + b"\xab" * 32, keccak(text="profile.json")),
              shop.seller)
    key, profile_hash = identity.profileOf(shop.seller).call()[:2]
    assert (key, profile_hash) == (b"\x02" + b"\xab" * 32, keccak(text="profile.json"))
    verifier = shop.keeper
    with pytest.raises(ContractCustomError):  # not appointed yet
        identity.attest(shop.seller, claim).call({"from": verifier})
    shop.send(identity.setVerifier(verifier, True), shop.owner)  # the genesis owner is the admin
    shop.send(identity.attest(shop.seller, claim), verifier)
    assert identity.isVerified(shop.seller, claim, verifier).call() is True
    shop.send(identity.revoke(shop.seller, claim, verifier), verifier)
    assert identity.isVerified(shop.seller, claim, verifier).call() is False


def test_escrow_holds_nothing_after_every_order_is_final(shop: Shop) -> None:
    escrow = shop.c["Escrow"].functions
    for order in range(1, escrow.orderCount().call() + 1):
        assert escrow.stateOf(order).call() in (COMPLETED, REFUNDED, RESOLVED)
    assert escrow.held("0x" + "00" * 20).call() == 0
    assert shop.balance(shop.c["Escrow"].address) == 0
    assert escrow.held(shop.c["TestToken"].address).call() == 0
