// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Base} from "./Base.t.sol";
import {Escrow} from "../src/Escrow.sol";
import {Marketplace} from "../src/Marketplace.sol";
import {IEscrow} from "../src/interfaces/IEscrow.sol";
import {Owned} from "../src/lib/Owned.sol";
import {SafeTransfer} from "../src/lib/SafeTransfer.sol";
import {FeeOnTransferToken, FalseToken} from "./mocks/Mocks.sol";

contract MarketplaceTest is Base {
    // ------------------------------------------------------------ constructor and fee

    function test_constructor_setsState() public view {
        assertEq(address(market.escrow()), address(escrow));
        assertEq(market.owner(), admin);
        assertEq(market.feeRecipient(), feeTo);
        assertEq(uint256(market.feeBps()), FEE_BPS);
        assertEq(market.listingCount(), 0);
    }

    function test_constructor_revertsZeroEscrow() public {
        vm.expectRevert(Owned.ZeroAddress.selector);
        new Marketplace(IEscrow(address(0)), admin, feeTo, 0);
    }

    function test_constructor_revertsZeroOwner() public {
        vm.expectRevert(Owned.ZeroAddress.selector);
        new Marketplace(IEscrow(address(escrow)), address(0), feeTo, 0);
    }

    function test_constructor_revertsFeeTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(Marketplace.FeeTooHigh.selector, uint16(1001), uint16(1000)));
        new Marketplace(IEscrow(address(escrow)), admin, feeTo, 1001);
    }

    function test_constructor_revertsFeeWithoutRecipient() public {
        vm.expectRevert(Owned.ZeroAddress.selector);
        new Marketplace(IEscrow(address(escrow)), admin, address(0), 1);
    }

    function test_setFee() public {
        vm.expectEmit(address(market));
        emit Marketplace.FeeSet(other, 1000);
        vm.prank(admin);
        market.setFee(other, 1000);
        assertEq(market.feeRecipient(), other);
        assertEq(uint256(market.feeBps()), 1000);
        vm.prank(admin);
        market.setFee(address(0), 0); // no fee, no recipient
        assertEq(uint256(market.feeBps()), 0);
    }

    function test_setFee_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Owned.NotOwner.selector, other));
        vm.prank(other);
        market.setFee(other, 1);
    }

    function test_setFee_revertsTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(Marketplace.FeeTooHigh.selector, uint16(1001), uint16(1000)));
        vm.prank(admin);
        market.setFee(other, 1001);
    }

    function test_setFee_revertsZeroRecipient() public {
        vm.expectRevert(Owned.ZeroAddress.selector);
        vm.prank(admin);
        market.setFee(address(0), 5);
    }

    function test_ownership_twoStep() public {
        vm.prank(admin);
        market.transferOwnership(other);
        assertEq(market.pendingOwner(), other);
        vm.expectRevert(abi.encodeWithSelector(Owned.NotPendingOwner.selector, seller));
        vm.prank(seller);
        market.acceptOwnership();
        vm.expectEmit(address(market));
        emit Owned.OwnershipTransferred(admin, other);
        vm.prank(other);
        market.acceptOwnership();
        assertEq(market.owner(), other);
        assertEq(market.pendingOwner(), address(0));
    }

    function test_transferOwnership_revertsNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Owned.NotOwner.selector, other));
        vm.prank(other);
        market.transferOwnership(other);
    }

    // ------------------------------------------------------------ createListing

    function test_createListing() public {
        vm.expectEmit(address(market));
        emit Marketplace.ListingCreated(1, seller, address(token), PRICE, 5, SHIP, DELIVERY, "ipfs://item", HASH);
        vm.expectEmit(address(market));
        emit Marketplace.ShippingRegionSet(1, EU, 0.1 ether, true);
        vm.expectEmit(address(market));
        emit Marketplace.ShippingRegionSet(1, US, 0.3 ether, true);
        vm.prank(seller);
        uint256 id = market.createListing(_input(address(token), PRICE, 5), _regions());
        assertEq(id, 1);
        assertEq(market.listingCount(), 1);
        Marketplace.Listing memory l = market.getListing(id);
        assertEq(l.seller, seller);
        assertEq(uint256(l.status), uint256(Marketplace.Status.Active));
        assertEq(l.token, address(token));
        assertEq(l.unitPrice, PRICE);
        assertEq(uint256(l.quantity), 5);
        assertEq(uint256(l.shipWindow), SHIP);
        assertEq(uint256(l.deliveryWindow), DELIVERY);
        assertEq(uint256(l.regionCount), 2);
        assertEq(l.contentHash, HASH);
        assertEq(l.metadataURI, "ipfs://item");
        (bool offered, uint256 cost) = market.shipping(id, US);
        assertTrue(offered);
        assertEq(cost, 0.3 ether);
        assertEq(market.quote(id, 3, US), 3 * PRICE + 0.3 ether);
    }

    function test_createListing_revertsZeroPrice() public {
        vm.expectRevert(Marketplace.ZeroPrice.selector);
        vm.prank(seller);
        market.createListing(_input(address(0), 0, 1), _noRegions());
    }

    function test_createListing_revertsZeroQuantity() public {
        vm.expectRevert(Marketplace.ZeroQuantity.selector);
        vm.prank(seller);
        market.createListing(_input(address(0), 1, 0), _noRegions());
    }

    function test_createListing_revertsShipWindowTooShort() public {
        Marketplace.ListingInput memory input = _input(address(0), 1, 1);
        input.shipWindow = 1 hours - 1;
        vm.expectRevert(abi.encodeWithSelector(Marketplace.InvalidWindow.selector, uint32(1 hours - 1)));
        vm.prank(seller);
        market.createListing(input, _noRegions());
    }

    function test_createListing_revertsDeliveryWindowTooLong() public {
        Marketplace.ListingInput memory input = _input(address(0), 1, 1);
        input.deliveryWindow = 365 days + 1;
        vm.expectRevert(abi.encodeWithSelector(Marketplace.InvalidWindow.selector, uint32(365 days + 1)));
        vm.prank(seller);
        market.createListing(input, _noRegions());
    }

    function test_createListing_revertsNotAToken() public {
        vm.expectRevert(abi.encodeWithSelector(Marketplace.NotAToken.selector, other));
        vm.prank(seller);
        market.createListing(_input(other, 1, 1), _noRegions());
    }

    function test_createListing_revertsZeroRegion() public {
        Marketplace.RegionInput[] memory r = new Marketplace.RegionInput[](1);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.InvalidRegion.selector, bytes32(0)));
        vm.prank(seller);
        market.createListing(_input(address(0), 1, 1), r);
    }

    // ------------------------------------------------------------ updateListing / regions

    function test_updateListing() public {
        uint256 id = _listCmt();
        vm.expectEmit(address(market));
        emit Marketplace.ListingUpdated(id, 3 ether, 7, "ipfs://v2", bytes32("h2"));
        vm.prank(seller);
        market.updateListing(id, 3 ether, 7, "ipfs://v2", bytes32("h2"));
        Marketplace.Listing memory l = market.getListing(id);
        assertEq(l.unitPrice, 3 ether);
        assertEq(uint256(l.quantity), 7);
        assertEq(l.metadataURI, "ipfs://v2");
        assertEq(l.contentHash, bytes32("h2"));
    }

    function test_updateListing_revertsUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(Marketplace.UnknownListing.selector, 9));
        vm.prank(seller);
        market.updateListing(9, 1, 1, "", 0);
    }

    function test_updateListing_revertsNotSeller() public {
        uint256 id = _listCmt();
        vm.expectRevert(abi.encodeWithSelector(Marketplace.NotSeller.selector, id, other));
        vm.prank(other);
        market.updateListing(id, 1, 1, "", 0);
    }

    function test_updateListing_revertsClosed() public {
        uint256 id = _listCmt();
        vm.startPrank(seller);
        market.close(id);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.WrongStatus.selector, id, Marketplace.Status.Closed));
        market.updateListing(id, 1, 1, "", 0);
        vm.stopPrank();
    }

    function test_updateListing_revertsZeroPrice() public {
        uint256 id = _listCmt();
        vm.expectRevert(Marketplace.ZeroPrice.selector);
        vm.prank(seller);
        market.updateListing(id, 0, 1, "", 0);
    }

    function test_setShippingRegion_addChangeRemove() public {
        uint256 id = _listCmt();
        vm.expectEmit(address(market));
        emit Marketplace.ShippingRegionSet(id, EU, 1 ether, true);
        vm.prank(seller);
        market.setShippingRegion(id, EU, 1 ether, true);
        assertEq(uint256(market.getListing(id).regionCount), 1);
        assertEq(market.quote(id, 1, EU), PRICE + 1 ether);
        // a region is now required
        vm.expectRevert(abi.encodeWithSelector(Marketplace.RegionNotOffered.selector, id, bytes32(0)));
        market.quote(id, 1, bytes32(0));
        vm.prank(seller);
        market.setShippingRegion(id, EU, 2 ether, true); // change cost, count unchanged
        assertEq(uint256(market.getListing(id).regionCount), 1);
        assertEq(market.quote(id, 1, EU), PRICE + 2 ether);
        vm.expectEmit(address(market));
        emit Marketplace.ShippingRegionSet(id, EU, 0, false);
        vm.prank(seller);
        market.setShippingRegion(id, EU, 5, false);
        assertEq(uint256(market.getListing(id).regionCount), 0);
        (bool offered, uint256 cost) = market.shipping(id, EU);
        assertFalse(offered);
        assertEq(cost, 0);
        vm.prank(seller);
        market.setShippingRegion(id, US, 0, false); // removing a region never offered is a no-op
        assertEq(uint256(market.getListing(id).regionCount), 0);
        assertEq(market.quote(id, 1, bytes32(0)), PRICE);
    }

    function test_setShippingRegion_revertsZeroRegion() public {
        uint256 id = _listCmt();
        vm.expectRevert(abi.encodeWithSelector(Marketplace.InvalidRegion.selector, bytes32(0)));
        vm.prank(seller);
        market.setShippingRegion(id, bytes32(0), 1, true);
    }

    function test_setShippingRegion_revertsNotSeller() public {
        uint256 id = _listCmt();
        vm.expectRevert(abi.encodeWithSelector(Marketplace.NotSeller.selector, id, buyer));
        vm.prank(buyer);
        market.setShippingRegion(id, EU, 1, true);
    }

    // ------------------------------------------------------------ pause / resume / close

    function test_pauseResumeClose() public {
        uint256 id = _listCmt();
        vm.startPrank(seller);
        vm.expectEmit(address(market));
        emit Marketplace.ListingPaused(id);
        market.pause(id);
        assertEq(uint256(market.getListing(id).status), uint256(Marketplace.Status.Paused));
        vm.expectEmit(address(market));
        emit Marketplace.ListingResumed(id);
        market.resume(id);
        assertEq(uint256(market.getListing(id).status), uint256(Marketplace.Status.Active));
        market.pause(id);
        vm.expectEmit(address(market));
        emit Marketplace.ListingClosed(id);
        market.close(id); // a paused listing can be closed
        assertEq(uint256(market.getListing(id).status), uint256(Marketplace.Status.Closed));
        vm.stopPrank();
    }

    function test_pause_revertsWhenPaused() public {
        uint256 id = _listCmt();
        vm.startPrank(seller);
        market.pause(id);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.WrongStatus.selector, id, Marketplace.Status.Paused));
        market.pause(id);
        vm.stopPrank();
    }

    function test_pause_revertsNotSeller() public {
        uint256 id = _listCmt();
        vm.expectRevert(abi.encodeWithSelector(Marketplace.NotSeller.selector, id, other));
        vm.prank(other);
        market.pause(id);
    }

    function test_resume_revertsWhenActive() public {
        uint256 id = _listCmt();
        vm.expectRevert(abi.encodeWithSelector(Marketplace.WrongStatus.selector, id, Marketplace.Status.Active));
        vm.prank(seller);
        market.resume(id);
    }

    function test_resume_revertsClosed() public {
        uint256 id = _listCmt();
        vm.startPrank(seller);
        market.close(id);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.WrongStatus.selector, id, Marketplace.Status.Closed));
        market.resume(id);
        vm.stopPrank();
    }

    function test_close_revertsTwice() public {
        uint256 id = _listCmt();
        vm.startPrank(seller);
        market.close(id);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.WrongStatus.selector, id, Marketplace.Status.Closed));
        market.close(id);
        vm.stopPrank();
    }

    function test_close_revertsUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(Marketplace.UnknownListing.selector, 1));
        vm.prank(seller);
        market.close(1);
    }

    // ------------------------------------------------------------ buy

    function test_buy_cmt_opensEscrowedOrder() public {
        uint256 id = _listCmt();
        uint256 total = 3 * PRICE;
        vm.expectEmit(address(escrow));
        emit Escrow.OrderOpened(1, id, buyer, seller, address(0), total, feeTo, FEE_BPS, uint64(block.timestamp + SHIP));
        vm.expectEmit(address(market));
        emit Marketplace.Purchased(id, 1, buyer, 3, bytes32(0), total);
        vm.prank(buyer);
        uint256 orderId = market.buy{value: total}(id, 3, bytes32(0), total);
        assertEq(orderId, 1);
        assertEq(address(escrow).balance, total);
        assertEq(address(market).balance, 0);
        assertEq(escrow.held(address(0)), total);
        assertEq(uint256(market.getListing(id).quantity), 7);
        Escrow.Order memory o = escrow.getOrder(orderId);
        assertEq(o.buyer, buyer);
        assertEq(o.seller, seller);
        assertEq(o.token, address(0));
        assertEq(o.amount, total);
        assertEq(o.feeRecipient, feeTo);
        assertEq(uint256(o.feeBps), FEE_BPS);
        assertEq(uint256(o.state), uint256(Escrow.State.Paid));
        assertEq(uint256(o.deadline), block.timestamp + SHIP);
        assertEq(o.listingId, id);
    }

    function test_buy_token_withShipping() public {
        vm.prank(seller);
        uint256 id = market.createListing(_input(address(token), PRICE, 10), _regions());
        uint256 total = 2 * PRICE + 0.3 ether;
        vm.prank(buyer);
        uint256 orderId = market.buy(id, 2, US, total);
        assertEq(token.balanceOf(address(escrow)), total);
        assertEq(token.balanceOf(buyer), 1_000 ether - total);
        assertEq(escrow.held(address(token)), total);
        assertEq(escrow.getOrder(orderId).token, address(token));
    }

    function test_buy_manyBuyersOneListing() public {
        uint256 id = _listCmt();
        vm.deal(other, 100 ether);
        uint256 a = _buyCmt(id, 4);
        vm.prank(other);
        uint256 b = market.buy{value: 6 * PRICE}(id, 6, bytes32(0), 6 * PRICE);
        assertEq(a, 1);
        assertEq(b, 2);
        assertEq(uint256(market.getListing(id).quantity), 0);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.NotEnoughStock.selector, id, uint64(0), uint64(1)));
        vm.prank(buyer);
        market.buy{value: PRICE}(id, 1, bytes32(0), PRICE);
        // the seller restocks
        vm.prank(seller);
        market.updateListing(id, PRICE, 1, "ipfs://item", HASH);
        _buyCmt(id, 1);
    }

    function test_buy_feeIsSnapshotted() public {
        uint256 id = _listCmt();
        uint256 orderId = _buyCmt(id, 1);
        vm.prank(admin);
        market.setFee(other, 1000);
        Escrow.Order memory o = escrow.getOrder(orderId);
        assertEq(o.feeRecipient, feeTo);
        assertEq(uint256(o.feeBps), FEE_BPS);
    }

    function test_buy_revertsUnknownListing() public {
        vm.expectRevert(abi.encodeWithSelector(Marketplace.UnknownListing.selector, 5));
        vm.prank(buyer);
        market.buy(5, 1, bytes32(0), 0);
    }

    function test_buy_revertsPaused() public {
        uint256 id = _listCmt();
        vm.prank(seller);
        market.pause(id);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.WrongStatus.selector, id, Marketplace.Status.Paused));
        vm.prank(buyer);
        market.buy{value: PRICE}(id, 1, bytes32(0), PRICE);
    }

    function test_buy_revertsClosed() public {
        uint256 id = _listCmt();
        vm.prank(seller);
        market.close(id);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.WrongStatus.selector, id, Marketplace.Status.Closed));
        vm.prank(buyer);
        market.buy{value: PRICE}(id, 1, bytes32(0), PRICE);
    }

    function test_buy_revertsSelfPurchase() public {
        uint256 id = _listCmt();
        vm.deal(seller, PRICE);
        vm.expectRevert(Marketplace.SelfPurchase.selector);
        vm.prank(seller);
        market.buy{value: PRICE}(id, 1, bytes32(0), PRICE);
    }

    function test_buy_revertsZeroQuantity() public {
        uint256 id = _listCmt();
        vm.expectRevert(Marketplace.ZeroQuantity.selector);
        vm.prank(buyer);
        market.buy(id, 0, bytes32(0), 0);
    }

    function test_buy_revertsNotEnoughStock() public {
        uint256 id = _listCmt();
        vm.expectRevert(abi.encodeWithSelector(Marketplace.NotEnoughStock.selector, id, uint64(10), uint64(11)));
        vm.prank(buyer);
        market.buy{value: 11 * PRICE}(id, 11, bytes32(0), 11 * PRICE);
    }

    function test_buy_revertsPriceChanged() public {
        uint256 id = _listCmt();
        vm.prank(seller);
        market.updateListing(id, PRICE + 1, 10, "", 0);
        vm.expectRevert(abi.encodeWithSelector(Marketplace.PriceChanged.selector, PRICE, PRICE + 1));
        vm.prank(buyer);
        market.buy{value: PRICE}(id, 1, bytes32(0), PRICE);
    }

    function test_buy_revertsWrongCmtValue() public {
        uint256 id = _listCmt();
        vm.expectRevert(abi.encodeWithSelector(Marketplace.WrongValue.selector, PRICE, PRICE - 1));
        vm.prank(buyer);
        market.buy{value: PRICE - 1}(id, 1, bytes32(0), PRICE);
    }

    function test_buy_revertsValueWithTokenListing() public {
        uint256 id = _listToken();
        vm.expectRevert(abi.encodeWithSelector(Marketplace.WrongValue.selector, 0, 1));
        vm.prank(buyer);
        market.buy{value: 1}(id, 1, bytes32(0), PRICE);
    }

    function test_buy_revertsRegionWhenNoneOffered() public {
        uint256 id = _listCmt();
        vm.expectRevert(abi.encodeWithSelector(Marketplace.RegionNotOffered.selector, id, EU));
        vm.prank(buyer);
        market.buy{value: PRICE}(id, 1, EU, PRICE);
    }

    function test_buy_revertsRegionNotOffered() public {
        vm.prank(seller);
        uint256 id = market.createListing(_input(address(0), PRICE, 10), _regions());
        bytes32 asia = bytes32("ASIA");
        vm.expectRevert(abi.encodeWithSelector(Marketplace.RegionNotOffered.selector, id, asia));
        vm.prank(buyer);
        market.buy{value: PRICE}(id, 1, asia, PRICE);
    }

    function test_buy_revertsFeeOnTransferToken() public {
        FeeOnTransferToken fot = new FeeOnTransferToken();
        fot.mint(buyer, 100 ether);
        vm.prank(seller);
        uint256 id = market.createListing(_input(address(fot), PRICE, 10), _noRegions());
        vm.expectRevert(
            abi.encodeWithSelector(Marketplace.TokenShortfall.selector, address(fot), PRICE, PRICE - PRICE / 100)
        );
        vm.prank(buyer);
        market.buy(id, 1, bytes32(0), PRICE);
    }

    function test_buy_revertsTokenReturningFalse() public {
        FalseToken ft = new FalseToken();
        vm.prank(seller);
        uint256 id = market.createListing(_input(address(ft), PRICE, 10), _noRegions());
        vm.expectRevert(abi.encodeWithSelector(SafeTransfer.TokenCallFailed.selector, address(ft)));
        vm.prank(buyer);
        market.buy(id, 1, bytes32(0), PRICE);
    }

    function test_buy_revertsWithoutAllowance() public {
        uint256 id = _listToken();
        vm.prank(buyer);
        token.approve(address(market), 0);
        vm.expectRevert(abi.encodeWithSelector(SafeTransfer.TokenCallFailed.selector, address(token)));
        vm.prank(buyer);
        market.buy(id, 1, bytes32(0), PRICE);
    }

    function test_buy_revertsWhenMarketNotAllowedByEscrow() public {
        uint256 id = _listCmt();
        vm.prank(admin);
        escrow.setMarket(address(market), false);
        vm.expectRevert(abi.encodeWithSelector(Escrow.NotMarket.selector, address(market)));
        vm.prank(buyer);
        market.buy{value: PRICE}(id, 1, bytes32(0), PRICE);
    }

    function test_quote_revertsUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(Marketplace.UnknownListing.selector, 1));
        market.quote(1, 1, bytes32(0));
    }

    /// @notice Fuzz: any quantity and shipping cost opens an order holding exactly price*qty + shipping.
    function testFuzz_buy_holdsExactTotal(uint64 stock, uint64 qty, uint96 price, uint96 ship) public {
        stock = uint64(bound(stock, 1, 1_000));
        qty = uint64(bound(qty, 1, stock));
        price = uint96(bound(price, 1, 1 ether));
        vm.prank(seller);
        uint256 id = market.createListing(_input(address(0), price, stock), _noRegions());
        vm.prank(seller);
        market.setShippingRegion(id, EU, ship, true);
        uint256 total = uint256(price) * qty + ship;
        vm.deal(buyer, total);
        vm.prank(buyer);
        uint256 orderId = market.buy{value: total}(id, qty, EU, total);
        assertEq(escrow.getOrder(orderId).amount, total);
        assertEq(address(escrow).balance, total);
        assertEq(uint256(market.getListing(id).quantity), stock - qty);
    }
}
