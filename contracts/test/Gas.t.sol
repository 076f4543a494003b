// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Base} from "./Base.t.sol";
import {console} from "./utils/Test.sol";
import {Escrow} from "../src/Escrow.sol";
import {Marketplace} from "../src/Marketplace.sol";
import {Disputes} from "../src/Disputes.sol";
import {Reputation} from "../src/Reputation.sol";
import {Identity} from "../src/Identity.sol";

/// @notice Gas of each user action, printed with -vv. Run with --isolate so every call is its own
///         transaction (cold storage, refunds, 21,000 intrinsic and calldata included):
///         `bash contracts/forge.sh test --match-contract GasTest --isolate -vv`.
///         Without --isolate the figures are execution-only and warm (much lower).
contract GasTest is Base {
    Disputes internal disputes;
    Reputation internal rep;
    Identity internal ident;

    function setUp() public override {
        super.setUp();
        disputes = new Disputes(
            escrow,
            admin,
            Disputes.Params({
                deposit: 0.1 ether,
                minBond: 1 ether,
                panelSize: 3,
                responseWindow: 3 days,
                votingPeriod: 5 days,
                slashBps: 1000
            })
        );
        rep = new Reputation(escrow);
        ident = new Identity(admin);
        vm.prank(admin);
        escrow.setResolver(address(disputes));
        vm.deal(seller, 10 ether);
    }

    function _g(string memory what) internal view {
        console.log(what, vm.lastCallGas().gasTotalUsed);
    }

    function test_gas_userActions() public {
        // list (CMT, two shipping regions) and list (token, no regions)
        vm.prank(seller);
        uint256 cmtListing = market.createListing(_input(address(0), PRICE, 10), _regions());
        _g("list (CMT, 2 regions)");
        vm.prank(seller);
        uint256 tokListing = market.createListing(_input(address(token), PRICE, 10), _noRegions());
        _g("list (token, no regions)");
        vm.prank(seller);
        market.updateListing(cmtListing, PRICE, 20, "ipfs://item", HASH);
        _g("update listing");
        vm.prank(seller);
        market.pause(cmtListing);
        _g("pause");
        vm.prank(seller);
        market.resume(cmtListing);
        _g("resume");

        // buy, ship, confirm (CMT)
        uint256 total = PRICE + 0.1 ether;
        vm.prank(buyer);
        uint256 o1 = market.buy{value: total}(cmtListing, 1, EU, total);
        _g("buy (CMT)");
        vm.prank(buyer);
        uint256 o2 = market.buy(tokListing, 1, bytes32(0), PRICE);
        _g("buy (token)");
        vm.prank(seller);
        escrow.markShipped(o1, bytes32("track"));
        _g("ship");
        vm.prank(buyer);
        escrow.confirmDelivery(o1);
        _g("confirm (CMT, with fee)");
        vm.prank(seller);
        escrow.markShipped(o2, bytes32("track"));
        vm.prank(buyer);
        escrow.confirmDelivery(o2);
        _g("confirm (token, with fee)");

        // rate
        vm.prank(buyer);
        rep.rate(o1, 5, bytes32("great"));
        _g("rate (first rating of the seller)");
        vm.prank(seller);
        rep.rate(o1, 4, 0);
        _g("rate (buyer)");

        // refund, claim
        vm.prank(buyer);
        uint256 o3 = market.buy{value: total}(cmtListing, 1, EU, total);
        vm.prank(seller);
        escrow.refund(o3);
        _g("refund (seller)");
        vm.prank(buyer);
        uint256 o4 = market.buy{value: total}(cmtListing, 1, EU, total);
        vm.prank(seller);
        escrow.markShipped(o4, 0);
        vm.warp(block.timestamp + DELIVERY + 1);
        vm.prank(seller);
        escrow.claim(o4);
        _g("claim after window");

        // arbiters, dispute, vote, finalize
        for (uint256 i; i < 5; ++i) {
            address a = makeAddr(string(abi.encodePacked("arb", bytes1(uint8(48 + i)))));
            vm.deal(a, 1 ether);
            vm.prank(a);
            disputes.join{value: 1 ether}();
            if (i == 4) _g("arbiter join");
        }
        vm.prank(buyer);
        uint256 o5 = market.buy{value: total}(cmtListing, 1, EU, total);
        vm.prank(seller);
        escrow.markShipped(o5, 0);
        vm.prank(buyer);
        disputes.postDeposit{value: 0.1 ether}(o5);
        _g("dispute deposit (buyer)");
        vm.prank(buyer);
        escrow.openDispute(o5, bytes32("broken"));
        _g("open dispute");
        vm.prank(buyer);
        disputes.submitEvidence(o5, bytes32("photo"));
        _g("submit evidence");
        vm.prank(seller);
        disputes.postDeposit{value: 0.1 ether}(o5);
        _g("dispute deposit (seller), schedules the draw");
        vm.roll(disputes.drawBlockOf(o5) + 1);
        disputes.drawPanel(o5);
        _g("draw panel of 3 from a pool of 5 (anyone)");
        (,,,,,, address[] memory panel,) = disputes.getDispute(o5);
        vm.prank(panel[0]);
        disputes.vote(o5, Disputes.Vote.Refund);
        _g("vote");
        vm.prank(panel[1]);
        disputes.vote(o5, Disputes.Vote.Refund);
        disputes.finalize(o5);
        _g("finalize (majority refund, 1 slashed)");
        vm.prank(panel[0]);
        disputes.withdraw();
        _g("withdraw reward");

        // identity
        vm.prank(seller);
        ident.setProfile(hex"02aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899", bytes32("doc"));
        _g("set profile (33-byte key)");
        vm.prank(admin);
        ident.setVerifier(other, true);
        vm.prank(other);
        ident.attest(seller, keccak256("verified seller"));
        _g("attest");
    }
}
