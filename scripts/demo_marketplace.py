"""Walk through cmt-chain's preloaded marketplace against a running dev node, step by step.

    python -m cmt_chain                               # in one terminal: a dev node on :8545
    python scripts/demo_marketplace.py                # in another
    python scripts/demo_marketplace.py --rpc http://127.0.0.1:8545 --mnemonic "test test ... junk"

The contracts come from the node (`cmt_getContracts`: names, addresses, ABIs). The parts are played
by the dev accounts of the mnemonic, and every transaction is signed here, as a wallet would sign
it: 0 the marketplace owner and fee recipient, 1 Sam the seller, 2 Bea the buyer, 3-5 three
arbiters, 6 Kim, a bystander who runs the steps anyone may run. The story: the arbiters bond into
the pool; Sam lists a teapot; Bea buys, Sam ships, Bea confirms, and they rate each other; Sam
refunds an order; Sam claims an order after the delivery window; Bea disputes an order and the
panel refunds her; Sam sells for tokens. Each step prints who does what, the transaction hash,
the gas used and the balances that changed; a table of gas per action closes the run. Passing
time uses the dev methods evm_increaseTime and evm_mine (dev mode only).
The script runs again on the same chain: it only makes new listings and orders.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

DEV_MNEMONIC = "test test test test test test test test test test test junk"
CMT = 10**18
ZERO = "0x" + "00" * 20
EU = keccak(text="EU")
NO_REGION = b"\x00" * 32
VOTE_REFUND = 1

Account.enable_unaudited_hdwallet_features()


def cmt(wei: int) -> str:
    """Format wei as CMT (or 18-decimal tokens) for people."""
    return f"{wei / CMT:,.4f}".rstrip("0").rstrip(".")


class Demo:
    """The node, the contracts it lists, the accounts that play the parts, the gas measured."""

    def __init__(self, rpc: str, mnemonic: str) -> None:
        self.w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 60}))
        listed = self.rpc("cmt_getContracts")
        if not listed:
            raise SystemExit("this node preloads no contracts ([templates] enabled = false)")
        self.c: dict[str, Contract] = {
            e["name"]: self.w3.eth.contract(address=Web3.to_checksum_address(e["address"]),
                                            abi=e["abi"]) for e in listed}
        keys = [Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{i}")
                for i in range(7)]
        self.owner, self.sam, self.bea, *self.arbiters, self.kim = keys
        self.names = {self.owner.address: "Owner", self.sam.address: "Sam (seller)",
                      self.bea.address: "Bea (buyer)", self.kim.address: "Kim (anyone)",
                      **{a.address: f"Arbiter {i + 1}" for i, a in enumerate(self.arbiters)}}
        self.gas: dict[str, int] = {}
        self.orders: list[int] = []
        self.step_no = 0

    def rpc(self, method: str, *params: Any) -> Any:
        response = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']['message']}")
        return response["result"]

    def step(self, text: str) -> None:
        self.step_no += 1
        print(f"\n[{self.step_no}] {text}")

    def send(self, who: LocalAccount, contract: str, fn_name: str, *args: Any, value: int = 0,
             action: str | None = None) -> Any:
        """Sign and send `contract.fn_name(*args)` from `who`; print it; return the receipt."""
        fn = getattr(self.c[contract].functions, fn_name)(*args)
        tx = fn.build_transaction({
            "from": who.address, "value": value, "chainId": self.w3.eth.chain_id,
            "nonce": self.w3.eth.get_transaction_count(who.address, "pending")})
        signed = who.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        rcpt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.1)
        if rcpt["status"] != 1:
            raise RuntimeError(f"{contract}.{fn_name} reverted in tx {tx_hash.to_0x_hex()}")
        paid = f", value {cmt(value)} CMT" if value else ""
        print(f"    {self.names[who.address]} -> {contract}.{fn_name}{paid}")
        print(f"    tx {tx_hash.to_0x_hex()}  block {rcpt['blockNumber']}  "
              f"gas used {rcpt['gasUsed']:,}")
        if action:
            self.gas.setdefault(action, rcpt["gasUsed"])
        return rcpt

    def event(self, contract: str, name: str, rcpt: Any) -> Any:
        return getattr(self.c[contract].events, name)().process_receipt(rcpt, DISCARD)[0]["args"]

    def balances(self, *accounts: LocalAccount, token: bool = False) -> None:
        def balance(address: str) -> int:
            if token:
                return int(self.c["TestToken"].functions.balanceOf(address).call())
            return self.w3.eth.get_balance(address)  # type: ignore[arg-type]
        unit = "TST" if token else "CMT"
        print("    balances: " + ", ".join(
            f"{self.names[a.address]} {cmt(balance(a.address))} {unit}" for a in accounts))

    def wait_blocks_past(self, number: int) -> None:
        """Get the chain past block `number`: mine on a dev node, else wait for blocks."""
        while self.w3.eth.block_number <= number:
            try:
                self.rpc("evm_mine")
            except RuntimeError:  # not a dev node: its own blocks will come
                time.sleep(0.5)

    def pass_time(self, seconds: int) -> None:
        latest = self.w3.eth.get_block("latest")["timestamp"]
        self.rpc("evm_increaseTime", seconds)
        self.rpc("evm_mine", hex(latest + seconds))
        print(f"    (dev node: evm_increaseTime {seconds} s, evm_mine)")


def introduce(d: Demo) -> None:
    d.step("Ask the node for the preloaded contracts (cmt_getContracts)")
    for name, contract in d.c.items():
        print(f"    {name:<12} {contract.address}")
    fee = d.c["Marketplace"].functions.feeBps().call()
    print(f"    marketplace fee: {fee / 100}% of what the seller receives, to "
          f"{d.c['Marketplace'].functions.feeRecipient().call()}")
    d.balances(d.owner, d.sam, d.bea)


def arbiters_join(d: Demo) -> None:
    disputes = d.c["Disputes"].functions
    deposit, min_bond, panel = disputes.params().call()[:3]
    d.step(f"Three arbiters bond {cmt(min_bond)} CMT each into the dispute pool "
           f"(panels of {panel}, dispute deposit {cmt(deposit)} CMT)")
    for arbiter in d.arbiters:
        if disputes.arbiters(arbiter.address).call()[2] != 0:
            print(f"    {d.names[arbiter.address]} is already in the pool")
            continue
        d.send(arbiter, "Disputes", "join", value=min_bond, action="arbiter join")
    print(f"    pool size: {disputes.poolSize().call()}")


def list_teapot(d: Demo) -> int:
    d.step("Sam lists a teapot: 3 CMT each, 10 in stock, shipping to EU for 0.5 CMT; "
           "2 days to ship, 7 days to dispute after shipping")
    item = (ZERO, 3 * CMT, 10, 2 * 86_400, 7 * 86_400, "ipfs://bafy-teapot", keccak(text="teapot"))
    rcpt = d.send(d.sam, "Marketplace", "createListing", item, [(EU, CMT // 2)],
                  action="list (CMT, 1 shipping region)")
    listing = d.event("Marketplace", "ListingCreated", rcpt)["listingId"]
    print(f"    -> listing #{listing}")
    return listing


def buy(d: Demo, listing: int, region: bytes = EU, token: bool = False) -> int:
    total = d.c["Marketplace"].functions.quote(listing, 1, region).call()
    d.step(f"Bea buys one (quote: {cmt(total)} {'TST' if token else 'CMT'}); the payment goes "
           "into escrow as a new order")
    rcpt = d.send(d.bea, "Marketplace", "buy", listing, 1, region, total,
                  value=0 if token else total, action="buy (token)" if token else "buy (CMT)")
    order = d.event("Marketplace", "Purchased", rcpt)["orderId"]
    d.orders.append(order)
    print(f"    -> order #{order}, held by Escrow {d.c['Escrow'].address}")
    return order


def ship(d: Demo, order: int) -> None:
    d.step(f"Sam ships order #{order} (with a tracking number's hash)")
    d.send(d.sam, "Escrow", "markShipped", order, keccak(text=f"DHL {order}"), action="ship")


def happy_path(d: Demo, listing: int) -> None:
    order = buy(d, listing)
    ship(d, order)
    d.step("Bea confirms delivery: Sam is paid, less the fee")
    d.send(d.bea, "Escrow", "confirmDelivery", order, action="confirm (CMT)")
    d.balances(d.sam, d.owner)
    d.step("They rate each other (1-5 stars and a comment hash)")
    d.send(d.bea, "Reputation", "rate", order, 5, keccak(text="lovely teapot"), action="rate")
    d.send(d.sam, "Reputation", "rate", order, 4, keccak(text="quick payer"))
    average = d.c["Reputation"].functions.sellerAverageX100(d.sam.address).call()
    print(f"    Sam's average as a seller: {average / 100:.2f} stars")


def refund_path(d: Demo, listing: int) -> None:
    order = buy(d, listing)
    d.step(f"Sam is out of stock after all and refunds order #{order} in full")
    d.send(d.sam, "Escrow", "refund", order, action="refund (seller)")
    d.balances(d.bea)


def claim_path(d: Demo, listing: int) -> None:
    order = buy(d, listing)
    ship(d, order)
    d.step("Bea never confirms; the 7-day delivery window passes without a dispute")
    d.pass_time(7 * 86_400 + 1)
    d.step(f"Anyone (here Kim) releases order #{order} to Sam")
    d.send(d.kim, "Escrow", "claim", order, action="claim after window")
    d.balances(d.sam)


def dispute_path(d: Demo, listing: int) -> None:
    disputes = d.c["Disputes"].functions
    deposit = disputes.params().call()[0]
    order = buy(d, listing)
    ship(d, order)
    d.step(f"The teapot arrives broken. Bea posts the {cmt(deposit)} CMT dispute deposit, "
           "opens a dispute and submits a photo's hash as evidence")
    d.send(d.bea, "Disputes", "postDeposit", order, value=deposit, action="dispute deposit (buyer)")
    d.send(d.bea, "Escrow", "openDispute", order, keccak(text="arrived broken"),
           action="open dispute")
    d.send(d.bea, "Disputes", "submitEvidence", order, keccak(text="photo.jpg"),
           action="submit evidence")
    d.step("Sam answers with an equal deposit; the panel draw is set on a block 3 blocks ahead, "
           "whose hash nobody knows yet")
    rcpt = d.send(d.sam, "Disputes", "postDeposit", order, value=deposit,
                  action="dispute deposit (seller, schedules the draw)")
    draw_block = d.event("Disputes", "PanelDrawScheduled", rcpt)["drawBlock"]
    print(f"    -> draw block {draw_block}")
    d.wait_blocks_past(draw_block)
    d.step(f"Block {draw_block} is mined: anyone (Kim) draws the panel from its hash")
    rcpt = d.send(d.kim, "Disputes", "drawPanel", order, action="draw panel")
    panel = d.event("Disputes", "PanelDrawn", rcpt)["panel"]
    print("    -> panel: " + ", ".join(d.names.get(p, p) for p in panel))
    vote_and_finalize(d, order, panel)


def vote_and_finalize(d: Demo, order: int, panel: list[str]) -> None:
    keys = {a.address: a for a in d.arbiters}
    d.step("The panel votes: two for Refund, one for Release (Vote: 1 Refund, 2 Release, 3 Split)")
    for i, member in enumerate(panel):
        if member not in keys:
            print(f"    {member} is not one of this demo's arbiters: it does not vote")
            continue
        d.send(keys[member], "Disputes", "vote", order, VOTE_REFUND if i < 2 else 2,
               action="vote")
    d.step("Kim finalizes: the majority decides Refund; Bea gets her money back, Sam's deposit "
           "pays the majority panelists")
    rcpt = d.send(d.kim, "Disputes", "finalize", order, action="finalize dispute")
    decided = d.event("Disputes", "Decided", rcpt)
    print(f"    -> outcome Refund, reward pot {cmt(decided['pot'])} CMT, "
          f"{cmt(decided['rewardEach'])} CMT each")
    d.balances(d.bea, d.sam)
    d.step("Pull payments: Bea withdraws her returned deposit, the majority their rewards")
    for who in (d.bea, *(keys[m] for m in panel if m in keys)):
        if d.c["Disputes"].functions.credit(who.address).call():
            d.send(who, "Disputes", "withdraw", action="withdraw")
    d.balances(d.bea, *(keys[m] for m in panel if m in keys))


def token_path(d: Demo) -> None:
    token = d.c["TestToken"]
    d.step("Sam lists a tea set priced in TST, the test token (50 TST, no shipping regions)")
    item = (token.address, 50 * CMT, 5, 2 * 86_400, 7 * 86_400, "ipfs://bafy-teaset",
            keccak(text="tea set"))
    rcpt = d.send(d.sam, "Marketplace", "createListing", item, [],
                  action="list (token, no regions)")
    listing = d.event("Marketplace", "ListingCreated", rcpt)["listingId"]
    print(f"    -> listing #{listing}")
    d.step("Bea takes 1,000 TST from the token's faucet and lets the marketplace spend 50")
    if token.functions.balanceOf(d.bea.address).call() < 50 * CMT:
        d.send(d.bea, "TestToken", "faucet", action="token faucet")
    d.send(d.bea, "TestToken", "approve", d.c["Marketplace"].address, 50 * CMT,
           action="approve token")
    order = buy(d, listing, NO_REGION, token=True)
    ship(d, order)
    d.step("Bea confirms: Sam is paid in TST, the fee goes to the fee recipient in TST")
    d.send(d.bea, "Escrow", "confirmDelivery", order, action="confirm (token)")
    d.balances(d.sam, d.owner, token=True)


def summary(d: Demo) -> None:
    print("\nGas per action (the first of each kind in this run, as measured on this node):")
    for action, gas in d.gas.items():
        print(f"    {action:<48} {gas:>9,}")
    escrow = d.c["Escrow"].functions
    states = {order: escrow.stateOf(order).call() for order in d.orders}
    final = {4: "Completed", 5: "Refunded", 6: "Resolved"}
    if any(state not in final for state in states.values()):
        raise RuntimeError(f"orders left open: {states}")
    print("\nOrders: " + ", ".join(f"#{o} {final[s]}" for o, s in states.items()))
    print(f"Escrow holds {cmt(escrow.held(ZERO).call())} CMT and "
          f"{cmt(escrow.held(d.c['TestToken'].address).call())} TST for open orders.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rpc", default="http://127.0.0.1:8545", help="the node's HTTP RPC URL")
    parser.add_argument("--mnemonic", default=DEV_MNEMONIC, help="the dev accounts' mnemonic")
    args = parser.parse_args(argv)
    try:
        d = Demo(args.rpc, args.mnemonic)
        introduce(d)
        arbiters_join(d)
        listing = list_teapot(d)
        happy_path(d, listing)
        refund_path(d, listing)
        claim_path(d, listing)
        dispute_path(d, listing)
        token_path(d)
        summary(d)
    except (OSError, RuntimeError) as exc:
        print(f"\ndemo stopped: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
