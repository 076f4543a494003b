// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "./utils/Test.sol";
import {Escrow} from "../src/Escrow.sol";
import {Marketplace} from "../src/Marketplace.sol";
import {Disputes} from "../src/Disputes.sol";
import {IEscrow} from "../src/interfaces/IEscrow.sol";

/// @notice Random dispute life cycles against the real Disputes contract (no mocks): arbiters join, leave
///         and top up; buyers dispute; sellers answer or not; panels vote or not; disputes are finalized,
///         defaulted, refunded or timed out in the escrow and settled.
contract DisputesHandler is Test {
    Escrow public immutable escrow;
    Marketplace public immutable market;
    Disputes public immutable disputes;
    address public immutable seller = makeAddr("d-seller");
    address public immutable buyer = makeAddr("d-buyer");
    uint256 public immutable listing;
    address[] public arbs;
    uint256[] public orders;
    uint256 public violations;
    mapping(bytes32 => uint256) public calls;

    constructor(Escrow e, Marketplace m, Disputes d) {
        escrow = e;
        market = m;
        disputes = d;
        for (uint256 i; i < 7; ++i) {
            address a = makeAddr(string(abi.encodePacked("d-arb", bytes1(uint8(48 + i)))));
            arbs.push(a);
            vm.deal(a, 100 ether);
        }
        vm.deal(buyer, 1_000_000 ether);
        vm.deal(seller, 1_000 ether);
        Marketplace.RegionInput[] memory none = new Marketplace.RegionInput[](0);
        vm.prank(seller);
        listing = m.createListing(
            Marketplace.ListingInput({
                token: address(0),
                unitPrice: 1 ether,
                quantity: type(uint64).max,
                shipWindow: 1 days,
                deliveryWindow: 3 days,
                metadataURI: "",
                contentHash: 0
            }),
            none
        );
    }

    function arbCount() external view returns (uint256) {
        return arbs.length;
    }

    function orderCount() external view returns (uint256) {
        return orders.length;
    }

    function join(uint256 who, uint256 extra) external {
        address a = arbs[who % arbs.length];
        (uint256 bond,, uint32 slot,) = disputes.arbiters(a);
        if (slot != 0) return;
        (, uint128 minBond,,,,) = disputes.params();
        uint256 value = bond >= minBond ? bound(extra, 0, 1 ether) : minBond - bond + bound(extra, 0, 1 ether);
        vm.prank(a);
        disputes.join{value: value}();
        calls["join"]++;
    }

    function leave(uint256 who) external {
        address a = arbs[who % arbs.length];
        (uint256 bond, uint32 active, uint32 slot,) = disputes.arbiters(a);
        if (active != 0 || (slot == 0 && bond == 0)) return;
        vm.prank(a);
        disputes.leave();
        calls["leave"]++;
    }

    /// @dev Buy, ship and dispute (deposit first), in one step.
    function openDispute(uint256 seed) external {
        vm.startPrank(buyer);
        uint256 id = market.buy{value: 1 ether}(listing, 1, bytes32(0), 1 ether);
        vm.stopPrank();
        vm.prank(seller);
        escrow.markShipped(id, bytes32(seed));
        (uint128 deposit,,,,,) = disputes.params();
        vm.startPrank(buyer);
        disputes.postDeposit{value: deposit}(id);
        escrow.openDispute(id, bytes32(seed));
        vm.stopPrank();
        orders.push(id);
        calls["open"]++;
    }

    function sellerAnswers(uint256 seed) external {
        (uint256 id, Disputes.Phase phase, uint64 deadline) = _pick(seed, Disputes.Phase.AwaitingSeller);
        if (phase != Disputes.Phase.AwaitingSeller || block.timestamp > deadline) return;
        (,,,, uint256 deposit,,,) = disputes.getDispute(id);
        vm.prank(seller);
        disputes.postDeposit{value: deposit}(id);
        calls["answer"]++;
    }

    function drawPanel(uint256 seed) external {
        (uint256 id, Disputes.Phase phase,) = _pick(seed, Disputes.Phase.AwaitingPanel);
        if (phase != Disputes.Phase.AwaitingPanel) return;
        uint64 at = disputes.drawBlockOf(id);
        if (block.number <= at) vm.roll(uint256(at) + 1); // the draw waits for its block
        if (disputes.drawPanel(id)) calls["draw"]++;
        else calls["redraw"]++;
    }

    function vote(uint256 seed, uint8 choice, uint8 member) external {
        (uint256 id, Disputes.Phase phase, uint64 deadline) = _pick(seed, Disputes.Phase.Voting);
        if (phase != Disputes.Phase.Voting || block.timestamp > deadline) return;
        (,,,,,, address[] memory panel,) = disputes.getDispute(id);
        address p = panel[member % panel.length];
        if (disputes.voteOf(id, p) != Disputes.Vote.None) return;
        vm.prank(p);
        disputes.vote(id, Disputes.Vote(choice % 3 + 1));
        calls["vote"]++;
    }

    function finalize(uint256 seed, bool wait) external {
        (uint256 id, Disputes.Phase phase, uint64 deadline) = _pick(seed, Disputes.Phase.Voting);
        if (phase != Disputes.Phase.Voting || escrow.stateOf(id) != Escrow.State.Disputed) return;
        if (wait) vm.warp(uint256(deadline) + 1);
        try disputes.finalize(id) {
            calls["finalize"]++;
        } catch (bytes memory err) {
            // only "too early" is acceptable
            if (bytes4(err) != Disputes.TooEarly.selector) violations++;
        }
    }

    function defaultJudgment(uint256 seed) external {
        (uint256 id, Disputes.Phase phase, uint64 deadline) = _pick(seed, Disputes.Phase.AwaitingSeller);
        if (phase != Disputes.Phase.AwaitingSeller || escrow.stateOf(id) != Escrow.State.Disputed) return;
        vm.warp(uint256(deadline) + 1);
        disputes.defaultJudgment(id);
        calls["default"]++;
    }

    function sellerRefunds(uint256 seed) external {
        (uint256 id,,) = _pickOpen(seed);
        if (id == 0 || escrow.stateOf(id) != Escrow.State.Disputed) return;
        vm.prank(seller);
        escrow.refund(id);
        calls["refund"]++;
    }

    function escrowTimeout(uint256 seed) external {
        (uint256 id,,) = _pickOpen(seed);
        if (id == 0 || escrow.stateOf(id) != Escrow.State.Disputed) return;
        vm.warp(uint256(escrow.getOrder(id).deadline) + 1);
        escrow.resolveTimedOut(id);
        calls["timeout"]++;
    }

    function settleClosed(uint256 seed) external {
        (uint256 id,,) = _pickOpen(seed);
        if (id == 0 || escrow.stateOf(id) == Escrow.State.Disputed) return;
        disputes.settleClosed(id);
        calls["settle"]++;
    }

    function withdraw(uint256 who) external {
        address[9] memory all;
        for (uint256 i; i < 7; ++i) {
            all[i] = arbs[i];
        }
        all[7] = buyer;
        all[8] = seller;
        address a = all[who % 9];
        if (disputes.credit(a) == 0) return;
        vm.prank(a);
        disputes.withdraw();
        calls["withdraw"]++;
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 0, 4 days));
        vm.roll(block.number + 1);
    }

    function _pick(uint256 seed, Disputes.Phase want) private view returns (uint256, Disputes.Phase, uint64) {
        uint256 n = orders.length;
        for (uint256 k; k < n; ++k) {
            uint256 id = orders[(seed % n + k) % n];
            (Disputes.Phase phase,,, uint64 deadline,,,,) = disputes.getDispute(id);
            if (phase == want) return (id, phase, deadline);
        }
        return (0, Disputes.Phase.None, 0);
    }

    /// @dev A dispute still open here (awaiting seller, awaiting panel, or voting).
    function _pickOpen(uint256 seed) private view returns (uint256, Disputes.Phase, uint64) {
        uint256 n = orders.length;
        for (uint256 k; k < n; ++k) {
            uint256 id = orders[(seed % n + k) % n];
            (Disputes.Phase phase,,, uint64 deadline,,,,) = disputes.getDispute(id);
            if (
                phase == Disputes.Phase.AwaitingSeller || phase == Disputes.Phase.AwaitingPanel
                    || phase == Disputes.Phase.Voting
            ) {
                return (id, phase, deadline);
            }
        }
        return (0, Disputes.Phase.None, 0);
    }
}

contract DisputesInvariantTest is Test {
    Escrow internal escrow;
    Marketplace internal market;
    Disputes internal disputes;
    DisputesHandler internal handler;
    address internal admin = makeAddr("d-admin");
    address internal feeTo = makeAddr("d-fee");
    uint256 internal cmtTotal;

    function setUp() public {
        vm.warp(1_700_000_000);
        vm.roll(100);
        escrow = new Escrow(admin);
        market = new Marketplace(IEscrow(address(escrow)), admin, feeTo, 200);
        disputes = new Disputes(
            escrow,
            admin,
            Disputes.Params({
                deposit: 0.05 ether,
                minBond: 1 ether,
                panelSize: 3,
                responseWindow: 2 days,
                votingPeriod: 3 days,
                slashBps: 2500
            })
        );
        vm.startPrank(admin);
        escrow.setMarket(address(market), true);
        escrow.setResolver(address(disputes));
        vm.stopPrank();
        handler = new DisputesHandler(escrow, market, disputes);
        cmtTotal = _cmtEverywhere();
        targetContract(address(handler));
    }

    function _cmtEverywhere() internal view returns (uint256 sum) {
        for (uint256 i; i < handler.arbCount(); ++i) {
            sum += handler.arbs(i).balance;
        }
        sum += handler.buyer().balance + handler.seller().balance + feeTo.balance;
        sum += address(escrow).balance + address(disputes).balance + address(market).balance;
    }

    /// @notice Disputes' CMT equals bonds + deposits + credits + reserve; escrow's equals its open orders.
    function invariant_books() public view {
        assertEq(
            address(disputes).balance,
            disputes.totalBonds() + disputes.totalDeposits() + disputes.totalCredits() + disputes.rewardReserve(),
            "disputes books"
        );
        assertEq(address(escrow).balance, escrow.held(address(0)) + escrow.owed(address(0)), "escrow books");
        assertEq(_cmtEverywhere(), cmtTotal, "CMT conserved");
        assertEq(handler.violations(), 0, "unexpected finalize revert");
    }

    /// @notice Bonds add up, and every arbiter serves on exactly the panels of its open (voting) disputes.
    function invariant_arbiters() public view {
        uint256 bonds;
        for (uint256 i; i < handler.arbCount(); ++i) {
            address a = handler.arbs(i);
            (uint256 bond, uint32 active,,) = disputes.arbiters(a);
            bonds += bond;
            uint256 serving;
            for (uint256 j; j < handler.orderCount(); ++j) {
                (Disputes.Phase phase,,,,,, address[] memory panel,) = disputes.getDispute(handler.orders(j));
                if (phase != Disputes.Phase.Voting) continue;
                for (uint256 k; k < panel.length; ++k) {
                    if (panel[k] == a) serving++;
                }
            }
            assertEq(uint256(active), serving, "activePanels");
        }
        assertEq(bonds, disputes.totalBonds(), "bonds");
    }

    /// @notice A dispute holds deposits only while it is open here; decided and closed ones hold none.
    function invariant_depositsOnlyInOpenDisputes() public view {
        uint256 held;
        for (uint256 j; j < handler.orderCount(); ++j) {
            uint256 id = handler.orders(j);
            (Disputes.Phase phase,,,,, uint256 sellerDep,,) = disputes.getDispute(id);
            uint256 dep = disputes.buyerDeposit(id) + sellerDep;
            if (phase == Disputes.Phase.Decided || phase == Disputes.Phase.Closed) assertEq(dep, 0, "final holds");
            held += dep;
        }
        assertEq(held, disputes.totalDeposits(), "deposits");
    }

    /// @notice A fixed pseudo-random walk reaches every dispute path and keeps the invariants.
    function test_randomWalkReachesEveryPath() public {
        for (uint256 i; i < 5; ++i) {
            handler.join(i, i);
        }
        uint256 r = 7;
        for (uint256 i; i < 1_200; ++i) {
            r = uint256(keccak256(abi.encode(r, i)));
            uint256 a = r >> 8;
            uint256 action = r % 14;
            if (action == 0) handler.join(a, a >> 50);
            else if (action == 1) handler.leave(a);
            else if (action <= 3) handler.openDispute(a);
            else if (action == 4) handler.sellerAnswers(a);
            else if (action == 5) handler.drawPanel(a);
            else if (action <= 7) handler.vote(a, uint8(a >> 60), uint8(a >> 70));
            else if (action == 8) handler.finalize(a, (a >> 80) % 4 == 0);
            else if (action == 9) handler.defaultJudgment(a);
            else if (action == 10) handler.sellerRefunds(a);
            else if (action == 11) handler.escrowTimeout(a);
            else if (action == 12) handler.settleClosed(a);
            else if ((a >> 90) % 2 == 0) handler.withdraw(a);
            else handler.warp(a >> 100);
        }
        string[11] memory names = [
            "join", "leave", "open", "answer", "vote", "finalize", "default", "refund", "timeout", "settle", "withdraw"
        ];
        for (uint256 i; i < names.length; ++i) {
            assertTrue(handler.calls(bytes32(bytes(names[i]))) > 0, names[i]);
        }
        invariant_books();
        invariant_arbiters();
        invariant_depositsOnlyInOpenDisputes();
    }
}
