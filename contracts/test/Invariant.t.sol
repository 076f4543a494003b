// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "./utils/Test.sol";
import {Escrow} from "../src/Escrow.sol";
import {Marketplace} from "../src/Marketplace.sol";
import {TestToken} from "../src/TestToken.sol";
import {IEscrow} from "../src/interfaces/IEscrow.sol";
import {Actor, MockResolver} from "./mocks/Mocks.sol";

/// @notice Drives random sequences of marketplace and escrow actions with valid senders, and keeps ghost
///         books: for every settled order, what its buyer, seller and fee recipient received.
contract Handler is Test {
    Escrow public immutable escrow;
    Marketplace public immutable market;
    TestToken public immutable token;
    MockResolver public immutable resolver;
    address public immutable admin;
    address public immutable feeTo;

    address[] public sellers;
    address[] public buyers; // buyers[2] is a contract that may refuse CMT
    Actor public immutable picky;
    uint256[] public listings;
    uint256[] public orders;

    /// @notice Per order: amount received by buyer + seller + fee recipient when it settled.
    mapping(uint256 => uint256) public paidOut;
    mapping(uint256 => bool) public settled;
    /// @notice Settlements whose payouts did not add up, or went to the wrong side.
    uint256 public violations;
    uint256 public settlements;
    mapping(bytes32 => uint256) public calls;

    constructor(Escrow e, Marketplace m, TestToken t, MockResolver r, address admin_, address feeTo_) {
        escrow = e;
        market = m;
        token = t;
        resolver = r;
        admin = admin_;
        feeTo = feeTo_;
        sellers.push(makeAddr("seller0"));
        sellers.push(makeAddr("seller1"));
        buyers.push(makeAddr("buyer0"));
        buyers.push(makeAddr("buyer1"));
        picky = new Actor();
        buyers.push(address(picky));
        for (uint256 i; i < buyers.length; ++i) {
            vm.deal(buyers[i], 1_000_000 ether);
            vm.prank(admin);
            t.mint(buyers[i], 1_000_000 ether);
            vm.prank(buyers[i]);
            t.approve(address(m), type(uint256).max);
        }
        Marketplace.RegionInput[] memory regions = new Marketplace.RegionInput[](1);
        regions[0] = Marketplace.RegionInput(bytes32("EU"), 0.01 ether);
        for (uint256 i; i < sellers.length; ++i) {
            for (uint256 j; j < 2; ++j) {
                Marketplace.ListingInput memory input = Marketplace.ListingInput({
                    token: j == 0 ? address(0) : address(t),
                    unitPrice: 1 ether + i * 0.123 ether + j * 7,
                    quantity: type(uint64).max,
                    shipWindow: 2 days,
                    deliveryWindow: 7 days,
                    metadataURI: "ipfs://x",
                    contentHash: bytes32(0)
                });
                vm.prank(sellers[i]);
                listings.push(m.createListing(input, regions));
            }
        }
    }

    function orderCount() external view returns (uint256) {
        return orders.length;
    }

    function buyerCount() external view returns (uint256) {
        return buyers.length;
    }

    function sellerCount() external view returns (uint256) {
        return sellers.length;
    }

    // ------------------------------------------------------------ actions

    function buy(uint256 buyerSeed, uint256 listingSeed, uint64 qty, bool withRegion) external {
        address b = buyers[buyerSeed % buyers.length];
        uint256 id = listings[listingSeed % listings.length];
        qty = uint64(bound(qty, 1, 20));
        bytes32 region = withRegion ? bytes32("EU") : bytes32(0);
        if (!withRegion) return _buyNoRegion(b, id, qty);
        uint256 total = market.quote(id, qty, region);
        bool cmt = market.getListing(id).token == address(0);
        vm.prank(b);
        uint256 orderId = market.buy{value: cmt ? total : 0}(id, qty, region, total);
        orders.push(orderId);
        calls["buy"]++;
    }

    function _buyNoRegion(address b, uint256 id, uint64 qty) private {
        // listings have a region: a purchase without one must revert and change nothing
        vm.prank(b);
        try market.buy(id, qty, bytes32(0), 0) {
            violations++;
        } catch {}
    }

    function ship(uint256 seed) external {
        (uint256 id, Escrow.Order memory o) = _pick(seed, 1 << uint256(Escrow.State.Paid));
        if (o.state != Escrow.State.Paid) return;
        vm.prank(o.seller);
        escrow.markShipped(id, bytes32(seed));
        calls["ship"]++;
    }

    function confirm(uint256 seed) external {
        (uint256 id, Escrow.Order memory o) = _pick(
            seed,
            (1 << uint256(Escrow.State.Paid)) | (1 << uint256(Escrow.State.Shipped))
                | (1 << uint256(Escrow.State.Disputed))
        );
        if (!_open(o.state)) return;
        _settle(id, o, o.buyer, abi.encodeCall(Escrow.confirmDelivery, (id)), 10_000);
        calls["confirm"]++;
    }

    function claim(uint256 seed, uint256 wait) external {
        (uint256 id, Escrow.Order memory o) = _pick(seed, 1 << uint256(Escrow.State.Shipped));
        if (o.state != Escrow.State.Shipped) return;
        vm.warp(block.timestamp + bound(wait, 0, 10 days));
        if (block.timestamp <= o.deadline) return;
        _settle(id, o, o.seller, abi.encodeCall(Escrow.claim, (id)), 10_000);
        calls["claim"]++;
    }

    function refund(uint256 seed) external {
        (uint256 id, Escrow.Order memory o) = _pick(
            seed,
            (1 << uint256(Escrow.State.Paid)) | (1 << uint256(Escrow.State.Shipped))
                | (1 << uint256(Escrow.State.Disputed))
        );
        if (!_open(o.state)) return;
        _settle(id, o, o.seller, abi.encodeCall(Escrow.refund, (id)), 0);
        calls["refund"]++;
    }

    function cancel(uint256 seed, uint256 wait) external {
        (uint256 id, Escrow.Order memory o) = _pick(seed, 1 << uint256(Escrow.State.Paid));
        if (o.state != Escrow.State.Paid) return;
        vm.warp(block.timestamp + bound(wait, 0, 3 days));
        if (block.timestamp <= o.deadline) return;
        _settle(id, o, o.buyer, abi.encodeCall(Escrow.cancelUnshipped, (id)), 0);
        calls["cancel"]++;
    }

    function dispute(uint256 seed) external {
        (uint256 id, Escrow.Order memory o) = _pick(seed, 1 << uint256(Escrow.State.Shipped));
        if (o.state != Escrow.State.Shipped || block.timestamp > o.deadline) return;
        vm.prank(o.buyer);
        escrow.openDispute(id, bytes32(seed));
        calls["dispute"]++;
    }

    function resolve(uint256 seed, uint8 outcomeSeed, uint16 bps) external {
        (uint256 id, Escrow.Order memory o) = _pick(seed, 1 << uint256(Escrow.State.Disputed));
        if (o.state != Escrow.State.Disputed) return;
        Escrow.Outcome outcome = Escrow.Outcome(outcomeSeed % 3);
        bps = uint16(bound(bps, 0, 10_000));
        uint256 sellerBps = outcome == Escrow.Outcome.Refund ? 0 : outcome == Escrow.Outcome.Release ? 10_000 : bps;
        _settle(id, o, address(resolver), abi.encodeCall(Escrow.resolve, (id, outcome, bps)), sellerBps);
        calls["resolve"]++;
    }

    function timeout(uint256 seed) external {
        (uint256 id, Escrow.Order memory o) = _pick(seed, 1 << uint256(Escrow.State.Disputed));
        if (o.state != Escrow.State.Disputed) return;
        vm.warp(uint256(o.deadline) + 1);
        _settle(id, o, sellers[0], abi.encodeCall(Escrow.resolveTimedOut, (id)), 5_000);
        calls["timeout"]++;
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 0, 5 days));
    }

    function togglePicky() external {
        picky.setRefuse(!picky.refuse());
        calls["togglePicky"]++;
    }

    function withdraw(uint256 who, bool tokenSide) external {
        address[4] memory all = [buyers[who % 3], sellers[who % 2], feeTo, address(picky)];
        address a = all[who % 4];
        address t = tokenSide ? address(token) : address(0);
        if (escrow.credit(t, a) == 0) return;
        if (a == address(picky) && picky.refuse() && t == address(0)) return;
        vm.prank(a);
        escrow.withdraw(t);
        calls["withdraw"]++;
    }

    function setFee(uint16 bps) external {
        vm.prank(admin);
        market.setFee(feeTo, uint16(bound(bps, 0, 1000)));
    }

    // ------------------------------------------------------------ helpers

    /// @dev The first order at or after a random position whose state is in `mask` (bit i = State(i)).
    function _pick(uint256 seed, uint256 mask) private view returns (uint256 id, Escrow.Order memory o) {
        uint256 n = orders.length;
        for (uint256 k; k < n; ++k) {
            uint256 candidate = orders[(seed % n + k) % n];
            Escrow.Order memory c = escrow.getOrder(candidate);
            if (mask & (1 << uint256(c.state)) != 0) return (candidate, c);
        }
    }

    function _open(Escrow.State s) private pure returns (bool) {
        return s == Escrow.State.Paid || s == Escrow.State.Shipped || s == Escrow.State.Disputed;
    }

    /// @dev Value an account holds or is owed in `token`.
    function _worth(address t, address a) private view returns (uint256) {
        return (t == address(0) ? a.balance : token.balanceOf(a)) + escrow.credit(t, a);
    }

    /// @dev Run a settling call and check that buyer, seller and fee recipient together received exactly the
    ///      order's amount, split as `sellerBps` says.
    function _settle(uint256 id, Escrow.Order memory o, address sender, bytes memory data, uint256 sellerBps) private {
        uint256 b0 = _worth(o.token, o.buyer);
        uint256 s0 = _worth(o.token, o.seller);
        uint256 f0 = _worth(o.token, o.feeRecipient);
        vm.prank(sender);
        (bool ok,) = address(escrow).call(data);
        if (!ok) {
            violations++; // every settling action here is valid: a revert means an exit was blocked
            return;
        }
        uint256 db = _worth(o.token, o.buyer) - b0;
        uint256 ds = _worth(o.token, o.seller) - s0;
        uint256 df = _worth(o.token, o.feeRecipient) - f0;
        uint256 sellerGross = o.amount * sellerBps / 10_000;
        if (db + ds + df != o.amount || ds + df != sellerGross || df != sellerGross * o.feeBps / 10_000) {
            violations++;
        }
        if (settled[id]) violations++;
        settled[id] = true;
        paidOut[id] = db + ds + df;
        settlements++;
    }
}

/// @notice Invariants of the escrow under random action sequences (forge invariant testing).
contract InvariantTest is Test {
    Escrow internal escrow;
    Marketplace internal market;
    TestToken internal token;
    MockResolver internal resolver;
    Handler internal handler;
    address internal admin = makeAddr("admin");
    address internal feeTo = makeAddr("feeTo");
    uint256 internal cmtTotal;

    function setUp() public {
        vm.warp(1_700_000_000);
        escrow = new Escrow(admin);
        market = new Marketplace(IEscrow(address(escrow)), admin, feeTo, 300);
        token = new TestToken("T", "T", 18, admin);
        resolver = new MockResolver(escrow);
        vm.startPrank(admin);
        escrow.setMarket(address(market), true);
        escrow.setResolver(address(resolver));
        vm.stopPrank();
        handler = new Handler(escrow, market, token, resolver, admin, feeTo);
        cmtTotal = _cmtEverywhere();
        targetContract(address(handler));
    }

    function _cmtEverywhere() internal view returns (uint256 sum) {
        for (uint256 i; i < handler.buyerCount(); ++i) {
            sum += handler.buyers(i).balance;
        }
        for (uint256 i; i < handler.sellerCount(); ++i) {
            sum += handler.sellers(i).balance;
        }
        sum += feeTo.balance + address(escrow).balance + address(market).balance;
    }

    /// @notice The escrow's CMT and token balances equal what open orders hold plus deferred payments.
    function invariant_balancesMatchOpenOrders() public view {
        uint256 openCmt;
        uint256 openTok;
        for (uint256 i; i < handler.orderCount(); ++i) {
            Escrow.Order memory o = escrow.getOrder(handler.orders(i));
            if (o.state == Escrow.State.Paid || o.state == Escrow.State.Shipped || o.state == Escrow.State.Disputed) {
                if (o.token == address(0)) openCmt += o.amount;
                else openTok += o.amount;
            }
        }
        assertEq(escrow.held(address(0)), openCmt, "held CMT == open CMT orders");
        assertEq(escrow.held(address(token)), openTok, "held tokens == open token orders");
        assertEq(address(escrow).balance, openCmt + escrow.owed(address(0)), "CMT balance");
        assertEq(token.balanceOf(address(escrow)), openTok + escrow.owed(address(token)), "token balance");
    }

    /// @notice Every settled order paid out exactly its amount to buyer, seller and fee recipient, once.
    function invariant_settledOrdersPaidExactly() public view {
        assertEq(handler.violations(), 0, "violations");
        for (uint256 i; i < handler.orderCount(); ++i) {
            uint256 id = handler.orders(i);
            Escrow.Order memory o = escrow.getOrder(id);
            bool open =
                o.state == Escrow.State.Paid || o.state == Escrow.State.Shipped || o.state == Escrow.State.Disputed;
            assertEq(handler.settled(id), !open, "settled iff final state");
            if (!open) assertEq(handler.paidOut(id), o.amount, "paid out == amount");
        }
    }

    /// @notice The marketplace never holds funds; CMT is neither created nor destroyed.
    function invariant_noLeaks() public view {
        assertEq(address(market).balance, 0, "market CMT");
        assertEq(token.balanceOf(address(market)), 0, "market tokens");
        assertEq(_cmtEverywhere(), cmtTotal, "CMT conserved");
    }

    /// @notice When nobody refused a payment, the escrow holds exactly its open orders.
    function invariant_noDeferredMeansExact() public view {
        if (escrow.owed(address(0)) == 0) assertEq(address(escrow).balance, escrow.held(address(0)));
        if (escrow.owed(address(token)) == 0) assertEq(token.balanceOf(address(escrow)), escrow.held(address(token)));
    }

    /// @notice A fixed pseudo-random walk of 900 handler steps reaches every action and keeps the invariants
    ///         (a deterministic complement to the invariant campaign, and a check that the handler is not idle).
    function test_randomWalkReachesEveryAction() public {
        uint256 r = 42;
        for (uint256 i; i < 900; ++i) {
            r = uint256(keccak256(abi.encode(r, i)));
            uint256 action = r % 13;
            uint256 a = r >> 8;
            uint256 b = r >> 40;
            if (action <= 2) handler.buy(a, b, uint64(b % 5 + 1), (r >> 100) % 8 != 0);
            else if (action == 3) handler.ship(a);
            else if (action == 4) handler.confirm(a);
            else if (action == 5) handler.claim(a, b);
            else if (action == 6) handler.refund(a);
            else if (action == 7) handler.cancel(a, b);
            else if (action == 8) handler.dispute(a);
            else if (action == 9) handler.resolve(a, uint8(b), uint16(b >> 8));
            else if (action == 10) handler.timeout(a);
            else if (action == 11) handler.withdraw(a, b % 2 == 0);
            else if (a % 2 == 0) handler.togglePicky();
            else handler.warp(b);
            if (i % 100 == 0) handler.setFee(uint16(b));
        }
        string[10] memory names =
            ["buy", "ship", "confirm", "claim", "refund", "cancel", "dispute", "resolve", "timeout", "withdraw"];
        for (uint256 i; i < names.length; ++i) {
            assertTrue(handler.calls(bytes32(bytes(names[i]))) > 0, names[i]);
        }
        assertTrue(handler.settlements() > 50, "settlements");
        invariant_balancesMatchOpenOrders();
        invariant_settledOrdersPaidExactly();
        invariant_noLeaks();
        invariant_noDeferredMeansExact();
    }
}
