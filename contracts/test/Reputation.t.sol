// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Base} from "./Base.t.sol";
import {Escrow} from "../src/Escrow.sol";
import {Reputation} from "../src/Reputation.sol";

contract ReputationTest is Base {
    Reputation internal rep;

    function setUp() public override {
        super.setUp();
        rep = new Reputation(escrow);
    }

    function _completed() internal returns (uint256 id) {
        id = _shippedOrder();
        vm.prank(buyer);
        escrow.confirmDelivery(id);
    }

    function test_rate_bothSides() public {
        uint256 id = _completed();
        vm.expectEmit(address(rep));
        emit Reputation.Rated(id, buyer, seller, true, 5, bytes32("great"));
        vm.prank(buyer);
        rep.rate(id, 5, bytes32("great"));
        vm.expectEmit(address(rep));
        emit Reputation.Rated(id, seller, buyer, false, 4, bytes32(0));
        vm.prank(seller);
        rep.rate(id, 4, bytes32(0));
        (uint64 count, uint64 sum) = rep.sellerStats(seller);
        assertEq(uint256(count), 1);
        assertEq(uint256(sum), 5);
        assertEq(rep.sellerAverageX100(seller), 500);
        assertEq(rep.buyerAverageX100(buyer), 400);
        assertEq(uint256(rep.scoreOf(id, buyer)), 5);
        assertEq(rep.sellerAverageX100(buyer), 0);
        (uint256 n, uint256 avg) = rep.overall(seller);
        assertEq(n, 1);
        assertEq(avg, 500);
        (n, avg) = rep.overall(other);
        assertEq(n, 0);
        assertEq(avg, 0);
    }

    function test_rate_averageOverOrders() public {
        uint256 listing = _listCmt();
        uint8[3] memory scores = [uint8(5), 4, 2];
        for (uint256 i; i < 3; ++i) {
            uint256 id = _buyCmt(listing, 1);
            vm.prank(buyer);
            escrow.confirmDelivery(id);
            vm.prank(buyer);
            rep.rate(id, scores[i], 0);
        }
        assertEq(rep.sellerAverageX100(seller), 366); // 11 * 100 / 3
    }

    function test_rate_afterRefundAndResolve() public {
        uint256 listing = _listCmt();
        uint256 a = _buyCmt(listing, 1);
        vm.prank(seller);
        escrow.refund(a);
        vm.prank(buyer);
        rep.rate(a, 3, 0);
        uint256 b = _disputedOrder();
        resolver.decide(b, Escrow.Outcome.Split, 5000);
        vm.prank(seller);
        rep.rate(b, 1, 0);
        assertEq(rep.buyerAverageX100(buyer), 100);
    }

    function test_rate_revertsInvalidScore() public {
        uint256 id = _completed();
        vm.startPrank(buyer);
        vm.expectRevert(abi.encodeWithSelector(Reputation.InvalidScore.selector, uint8(0)));
        rep.rate(id, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(Reputation.InvalidScore.selector, uint8(6)));
        rep.rate(id, 6, 0);
        vm.stopPrank();
    }

    function test_rate_revertsNotParty() public {
        uint256 id = _completed();
        vm.expectRevert(abi.encodeWithSelector(Reputation.NotParty.selector, id, other));
        vm.prank(other);
        rep.rate(id, 5, 0);
    }

    function test_rate_revertsUnknownOrder() public {
        vm.expectRevert(abi.encodeWithSelector(Reputation.NotParty.selector, 77, buyer));
        vm.prank(buyer);
        rep.rate(77, 5, 0);
    }

    function test_rate_revertsOpenOrder() public {
        uint256 id = _shippedOrder();
        vm.expectRevert(abi.encodeWithSelector(Reputation.OrderNotFinished.selector, id, Escrow.State.Shipped));
        vm.prank(buyer);
        rep.rate(id, 5, 0);
    }

    function test_rate_revertsTwice() public {
        uint256 id = _completed();
        vm.startPrank(buyer);
        rep.rate(id, 5, 0);
        vm.expectRevert(abi.encodeWithSelector(Reputation.AlreadyRated.selector, id, buyer));
        rep.rate(id, 1, 0);
        vm.stopPrank();
    }

    function testFuzz_average(uint8[8] memory scores) public {
        uint256 listing = _listCmt();
        vm.prank(seller);
        market.updateListing(listing, PRICE, 100, "", 0);
        uint256 sum;
        for (uint256 i; i < scores.length; ++i) {
            uint8 s = uint8(bound(scores[i], 1, 5));
            sum += s;
            uint256 id = _buyCmt(listing, 1);
            vm.prank(buyer);
            escrow.confirmDelivery(id);
            vm.prank(buyer);
            rep.rate(id, s, 0);
        }
        assertEq(rep.sellerAverageX100(seller), sum * 100 / scores.length);
    }
}
