// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "./utils/Test.sol";
import {Escrow} from "../src/Escrow.sol";
import {Marketplace} from "../src/Marketplace.sol";
import {TestToken} from "../src/TestToken.sol";
import {IEscrow} from "../src/interfaces/IEscrow.sol";
import {MockResolver} from "./mocks/Mocks.sol";

/// @notice Shared deployment: escrow + marketplace (2.5% fee) + test token + mock resolver + accounts.
abstract contract Base is Test {
    Escrow internal escrow;
    Marketplace internal market;
    TestToken internal token;
    MockResolver internal resolver;

    address internal admin = makeAddr("admin");
    address internal feeTo = makeAddr("feeRecipient");
    address internal seller = makeAddr("seller");
    address internal buyer = makeAddr("buyer");
    address internal other = makeAddr("other");

    uint16 internal constant FEE_BPS = 250;
    uint32 internal constant SHIP = 3 days;
    uint32 internal constant DELIVERY = 14 days;
    uint256 internal constant PRICE = 2 ether;
    bytes32 internal constant EU = bytes32("EU");
    bytes32 internal constant US = bytes32("US");
    bytes32 internal constant HASH = keccak256("item");

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        escrow = new Escrow(admin);
        market = new Marketplace(IEscrow(address(escrow)), admin, feeTo, FEE_BPS);
        token = new TestToken("Test Token", "TT", 18, admin);
        resolver = new MockResolver(escrow);
        vm.startPrank(admin);
        escrow.setMarket(address(market), true);
        escrow.setResolver(address(resolver));
        token.mint(buyer, 1_000 ether);
        vm.stopPrank();
        vm.deal(buyer, 1_000 ether);
        vm.prank(buyer);
        token.approve(address(market), type(uint256).max);
    }

    function _input(address tokenAddr, uint256 price, uint64 qty)
        internal
        pure
        returns (Marketplace.ListingInput memory)
    {
        return Marketplace.ListingInput({
            token: tokenAddr,
            unitPrice: price,
            quantity: qty,
            shipWindow: SHIP,
            deliveryWindow: DELIVERY,
            metadataURI: "ipfs://item",
            contentHash: HASH
        });
    }

    function _noRegions() internal pure returns (Marketplace.RegionInput[] memory r) {
        r = new Marketplace.RegionInput[](0);
    }

    function _regions() internal pure returns (Marketplace.RegionInput[] memory r) {
        r = new Marketplace.RegionInput[](2);
        r[0] = Marketplace.RegionInput(EU, 0.1 ether);
        r[1] = Marketplace.RegionInput(US, 0.3 ether);
    }

    /// @dev A CMT listing of 10 units at PRICE with no shipping regions, by `seller`.
    function _listCmt() internal returns (uint256 id) {
        vm.prank(seller);
        id = market.createListing(_input(address(0), PRICE, 10), _noRegions());
    }

    function _listToken() internal returns (uint256 id) {
        vm.prank(seller);
        id = market.createListing(_input(address(token), PRICE, 10), _noRegions());
    }

    function _buyCmt(uint256 listingId, uint64 qty) internal returns (uint256 orderId) {
        uint256 total = market.quote(listingId, qty, bytes32(0));
        vm.prank(buyer);
        orderId = market.buy{value: total}(listingId, qty, bytes32(0), total);
    }

    function _buyToken(uint256 listingId, uint64 qty) internal returns (uint256 orderId) {
        uint256 total = market.quote(listingId, qty, bytes32(0));
        vm.prank(buyer);
        orderId = market.buy(listingId, qty, bytes32(0), total);
    }

    /// @dev A shipped CMT order of one unit.
    function _shippedOrder() internal returns (uint256 orderId) {
        orderId = _buyCmt(_listCmt(), 1);
        vm.prank(seller);
        escrow.markShipped(orderId, bytes32("track"));
    }

    function _disputedOrder() internal returns (uint256 orderId) {
        orderId = _shippedOrder();
        vm.prank(buyer);
        escrow.openDispute(orderId, bytes32("broken"));
    }
}
