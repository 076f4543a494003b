// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Base} from "./Base.t.sol";
import {Escrow} from "../src/Escrow.sol";
import {Disputes} from "../src/Disputes.sol";
import {IValidatorSet} from "../src/interfaces/IValidatorSet.sol";
import {Owned} from "../src/lib/Owned.sol";
import {Actor} from "./mocks/Mocks.sol";

contract MockValidatorSet is IValidatorSet {
    mapping(address => bool) public isValidator;

    function set(address a, bool v) external {
        isValidator[a] = v;
    }
}

contract DisputesTest is Base {
    Disputes internal disputes;
    address[] internal arbs;
    uint256 internal constant DEPOSIT = 0.1 ether;
    uint256 internal constant BOND = 1 ether;

    function _params() internal pure returns (Disputes.Params memory) {
        return Disputes.Params({
            deposit: uint128(DEPOSIT),
            minBond: uint128(BOND),
            panelSize: 3,
            responseWindow: 3 days,
            votingPeriod: 5 days,
            slashBps: 1000
        });
    }

    function setUp() public override {
        super.setUp();
        disputes = new Disputes(escrow, admin, _params());
        vm.prank(admin);
        escrow.setResolver(address(disputes));
        for (uint256 i; i < 5; ++i) {
            address a = makeAddr(string(abi.encodePacked("arbiter", bytes1(uint8(48 + i)))));
            arbs.push(a);
            _join(a, BOND);
        }
        vm.deal(seller, 10 ether);
    }

    function _join(address a, uint256 bond) internal {
        vm.deal(a, a.balance + bond);
        vm.prank(a);
        disputes.join{value: bond}();
    }

    function _solvent() internal view {
        assertEq(
            address(disputes).balance,
            disputes.totalBonds() + disputes.totalDeposits() + disputes.totalCredits() + disputes.rewardReserve(),
            "disputes books"
        );
    }

    /// @dev A shipped order disputed by the buyer (deposit posted), awaiting the seller.
    function _opened() internal returns (uint256 id) {
        id = _shippedOrder();
        vm.prank(buyer);
        disputes.postDeposit{value: DEPOSIT}(id);
        vm.prank(buyer);
        escrow.openDispute(id, bytes32("broken"));
    }

    /// @dev ... and the seller answered: the panel is drawn once the draw block is mined.
    function _voting() internal returns (uint256 id, address[] memory panel) {
        id = _opened();
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
        assertTrue(_drawNow(id), "panel drawn");
        panel = _panel(id);
    }

    /// @dev Mine past the dispute's draw block (with a known hash) and call drawPanel.
    function _drawNow(uint256 id) internal returns (bool) {
        uint64 at = disputes.drawBlockOf(id);
        vm.roll(uint256(at) + 1);
        vm.setBlockhash(at, keccak256(abi.encode("block", at)));
        return disputes.drawPanel(id);
    }

    /// @dev The panel the documented rule gives for `drawHash` over `members` (lowest scores first).
    function _expectedPanel(uint256 id, bytes32 drawHash, address[] memory members)
        internal
        pure
        returns (address[] memory panel)
    {
        bytes32 seed = keccak256(abi.encode(id, drawHash));
        uint256 n = members.length;
        uint256[] memory scores = new uint256[](n);
        address[] memory sorted = new address[](n);
        for (uint256 i; i < n; ++i) {
            uint256 score = uint256(keccak256(abi.encode(seed, members[i])));
            uint256 j = i;
            for (; j > 0 && scores[j - 1] > score; --j) {
                scores[j] = scores[j - 1];
                sorted[j] = sorted[j - 1];
            }
            scores[j] = score;
            sorted[j] = members[i];
        }
        panel = new address[](3);
        for (uint256 i; i < 3; ++i) {
            panel[i] = sorted[i];
        }
    }

    function _panel(uint256 id) internal view returns (address[] memory panel) {
        (,,,,,, panel,) = disputes.getDispute(id);
    }

    function _phase(uint256 id) internal view returns (Disputes.Phase phase) {
        (phase,,,,,,,) = disputes.getDispute(id);
    }

    function _vote(uint256 id, address who, Disputes.Vote v) internal {
        vm.prank(who);
        disputes.vote(id, v);
    }

    // ------------------------------------------------------------ admin

    function test_constructor_reverts() public {
        vm.expectRevert(Owned.ZeroAddress.selector);
        new Disputes(Escrow(address(0)), admin, _params());
        Disputes.Params memory p = _params();
        p.panelSize = 4;
        vm.expectRevert(Disputes.InvalidParams.selector);
        new Disputes(escrow, admin, p);
    }

    function test_setParams() public {
        Disputes.Params memory p = _params();
        p.panelSize = 5;
        vm.prank(admin);
        disputes.setParams(p);
        (,, uint8 size,,,) = disputes.params();
        assertEq(uint256(size), 5);
        vm.expectRevert(abi.encodeWithSelector(Owned.NotOwner.selector, other));
        vm.prank(other);
        disputes.setParams(p);
    }

    function test_setParams_revertsInvalid() public {
        Disputes.Params[8] memory bad;
        for (uint256 i; i < bad.length; ++i) {
            bad[i] = _params();
        }
        bad[0].deposit = 0;
        bad[1].minBond = 0;
        bad[2].panelSize = 0;
        bad[3].panelSize = 2;
        bad[4].panelSize = 17;
        bad[5].responseWindow = 1 hours - 1;
        bad[6].votingPeriod = 0;
        bad[7].slashBps = 5001;
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(Disputes.InvalidParams.selector);
            vm.prank(admin);
            disputes.setParams(bad[i]);
        }
    }

    function test_validatorsOnly() public {
        MockValidatorSet vs = new MockValidatorSet();
        vm.expectRevert(Owned.ZeroAddress.selector);
        vm.prank(admin);
        disputes.setValidatorSet(IValidatorSet(address(0)), true);
        vm.expectRevert(abi.encodeWithSelector(Owned.NotOwner.selector, other));
        vm.prank(other);
        disputes.setValidatorSet(vs, true);
        vm.expectEmit(address(disputes));
        emit Disputes.ValidatorSetChanged(address(vs), true);
        vm.prank(admin);
        disputes.setValidatorSet(vs, true);
        vm.deal(other, BOND);
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotEligible.selector, other));
        vm.prank(other);
        disputes.join{value: BOND}();
        vs.set(other, true);
        vm.prank(other);
        disputes.join{value: BOND}();
        // only `other` is a validator: a panel of 3 cannot be drawn
        uint256 id = _opened();
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
        assertFalse(_drawNow(id)); // one validator for a panel of three: a new draw block is scheduled
        assertEq(uint256(_phase(id)), uint256(Disputes.Phase.AwaitingPanel));
        vs.set(arbs[0], true);
        vs.set(arbs[1], true);
        assertTrue(_drawNow(id));
        address[] memory panel = _panel(id);
        for (uint256 i; i < 3; ++i) {
            assertTrue(vs.isValidator(panel[i]));
        }
    }

    // ------------------------------------------------------------ pool

    function test_join_and_leave() public {
        assertEq(disputes.poolSize(), 5);
        (uint256 bond,, uint32 slot,) = disputes.arbiters(arbs[0]);
        assertEq(bond, BOND);
        assertEq(uint256(slot), 1);
        vm.expectEmit(address(disputes));
        emit Disputes.ArbiterLeft(arbs[0], BOND);
        vm.prank(arbs[0]);
        disputes.leave();
        assertEq(disputes.poolSize(), 4);
        assertEq(disputes.pool(0), arbs[4]); // the last one took the freed slot
        (,, uint32 movedSlot,) = disputes.arbiters(arbs[4]);
        assertEq(uint256(movedSlot), 1);
        vm.prank(arbs[0]);
        disputes.withdraw();
        assertEq(arbs[0].balance, BOND);
        _solvent();
    }

    function test_join_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Disputes.AlreadyMember.selector, arbs[0]));
        vm.prank(arbs[0]);
        disputes.join();
        vm.deal(other, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(Disputes.BondTooLow.selector, BOND - 1, BOND));
        vm.prank(other);
        disputes.join{value: BOND - 1}();
    }

    function test_addBond() public {
        vm.deal(arbs[0], 1 ether);
        vm.expectEmit(address(disputes));
        emit Disputes.BondAdded(arbs[0], 1 ether, 2 ether);
        vm.prank(arbs[0]);
        disputes.addBond{value: 1 ether}();
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotMember.selector, other));
        vm.prank(other);
        disputes.addBond();
        _solvent();
    }

    function test_leave_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotMember.selector, other));
        vm.prank(other);
        disputes.leave();
        (, address[] memory panel) = _voting();
        vm.expectRevert(abi.encodeWithSelector(Disputes.StillServing.selector, panel[0], uint32(1)));
        vm.prank(panel[0]);
        disputes.leave();
    }

    // ------------------------------------------------------------ deposits and opening

    function test_openDispute_requiresDeposit() public {
        uint256 id = _shippedOrder();
        vm.expectRevert(abi.encodeWithSelector(Disputes.DepositMissing.selector, id));
        vm.prank(buyer);
        escrow.openDispute(id, 0);
    }

    function test_opened_registersDispute() public {
        uint256 id = _opened();
        (Disputes.Phase phase, address b, address s, uint64 deadline, uint256 deposit,,,) = disputes.getDispute(id);
        assertEq(uint256(phase), uint256(Disputes.Phase.AwaitingSeller));
        assertEq(b, buyer);
        assertEq(s, seller);
        assertEq(uint256(deadline), block.timestamp + 3 days);
        assertEq(deposit, DEPOSIT);
        _solvent();
    }

    function test_postDeposit_reverts() public {
        uint256 id = _shippedOrder();
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongDeposit.selector, DEPOSIT, 1));
        vm.prank(buyer);
        disputes.postDeposit{value: 1}(id);
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotParty.selector, id, other));
        vm.prank(other);
        disputes.postDeposit(id);
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongPhase.selector, id, Disputes.Phase.None));
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
        vm.prank(buyer);
        disputes.postDeposit{value: DEPOSIT}(id);
        vm.expectRevert(abi.encodeWithSelector(Disputes.AlreadyDeposited.selector, id, buyer));
        vm.prank(buyer);
        disputes.postDeposit{value: DEPOSIT}(id);
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotParty.selector, 99, buyer));
        vm.prank(buyer);
        disputes.postDeposit{value: DEPOSIT}(99);
    }

    function test_postDeposit_sellerReverts() public {
        uint256 id = _opened();
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongPhase.selector, id, Disputes.Phase.AwaitingSeller));
        vm.prank(buyer);
        disputes.postDeposit{value: DEPOSIT}(id);
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongDeposit.selector, DEPOSIT, 1));
        vm.prank(seller);
        disputes.postDeposit{value: 1}(id);
        vm.warp(block.timestamp + 3 days + 1);
        vm.expectRevert(abi.encodeWithSelector(Disputes.TooLate.selector, id, uint64(block.timestamp - 1)));
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
    }

    function test_reclaimDeposit() public {
        uint256 id = _shippedOrder();
        vm.expectRevert(abi.encodeWithSelector(Disputes.DepositMissing.selector, id));
        vm.prank(buyer);
        disputes.reclaimDeposit(id);
        vm.prank(buyer);
        disputes.postDeposit{value: DEPOSIT}(id);
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotParty.selector, id, seller));
        vm.prank(seller);
        disputes.reclaimDeposit(id);
        vm.prank(buyer);
        disputes.reclaimDeposit(id);
        assertEq(disputes.credit(buyer), DEPOSIT);
        _solvent();
    }

    function test_reclaimDeposit_revertsOnceOpened() public {
        uint256 id = _opened();
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongPhase.selector, id, Disputes.Phase.AwaitingSeller));
        vm.prank(buyer);
        disputes.reclaimDeposit(id);
    }

    function test_hooks_onlyEscrow() public {
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotEscrow.selector, other));
        vm.prank(other);
        disputes.onDisputeOpened(1, buyer, seller, address(0), 1, 0);
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotEscrow.selector, other));
        vm.prank(other);
        disputes.onDisputeClosed(1);
    }

    // ------------------------------------------------------------ default judgment

    function test_defaultJudgment() public {
        uint256 id = _opened();
        vm.expectRevert(abi.encodeWithSelector(Disputes.TooEarly.selector, id, uint64(block.timestamp + 3 days)));
        disputes.defaultJudgment(id);
        vm.warp(block.timestamp + 3 days + 1);
        uint256 before = buyer.balance;
        disputes.defaultJudgment(id);
        assertEq(uint256(escrow.stateOf(id)), uint256(Escrow.State.Resolved));
        assertEq(buyer.balance, before + PRICE);
        assertEq(disputes.credit(buyer), DEPOSIT);
        assertEq(disputes.buyerDeposit(id), 0);
        assertEq(uint256(_phase(id)), uint256(Disputes.Phase.Decided));
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongPhase.selector, id, Disputes.Phase.Decided));
        disputes.defaultJudgment(id);
        _solvent();
    }

    // ------------------------------------------------------------ panel

    function test_panelDrawn_excludesParties() public {
        // buyer and seller are arbiters too: they are never drawn for their own dispute
        _join(buyer, BOND);
        _join(seller, BOND);
        for (uint256 run; run < 5; ++run) {
            vm.roll(block.number + 1);
            (uint256 id, address[] memory panel) = _voting();
            assertEq(panel.length, 3);
            for (uint256 i; i < 3; ++i) {
                assertTrue(panel[i] != buyer && panel[i] != seller, "party on own panel");
                for (uint256 j; j < i; ++j) {
                    assertTrue(panel[i] != panel[j], "duplicate panelist");
                }
                (, uint32 active,,) = disputes.arbiters(panel[i]);
                assertTrue(active >= 1);
            }
            assertEq(uint256(_phase(id)), uint256(Disputes.Phase.Voting));
        }
    }

    function test_drawPanel_waitsForPool() public {
        for (uint256 i; i < 3; ++i) {
            vm.prank(arbs[i]);
            disputes.leave();
        }
        uint256 id = _opened();
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
        assertEq(uint256(_phase(id)), uint256(Disputes.Phase.AwaitingPanel));
        vm.roll(block.number + 1);
        _join(other, BOND); // joined after the deposit but before the draw block: counts
        assertTrue(_drawNow(id));
        assertEq(uint256(_phase(id)), uint256(Disputes.Phase.Voting));
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongPhase.selector, id, Disputes.Phase.Voting));
        disputes.drawPanel(id);
    }

    function test_drawPanel_tooFewQualify_reschedules() public {
        for (uint256 i; i < 3; ++i) {
            vm.prank(arbs[i]);
            disputes.leave();
        }
        uint256 id = _opened();
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
        uint64 at = disputes.drawBlockOf(id);
        vm.roll(uint256(at) + 1);
        vm.setBlockhash(at, keccak256("h"));
        vm.expectEmit(address(disputes));
        emit Disputes.PanelDrawScheduled(id, uint64(block.number) + disputes.DRAW_DELAY());
        assertFalse(disputes.drawPanel(id));
        assertEq(uint256(_phase(id)), uint256(Disputes.Phase.AwaitingPanel));
        _join(other, BOND); // before the new draw block: counts for the next draw
        assertTrue(_drawNow(id));
        assertEq(uint256(_phase(id)), uint256(Disputes.Phase.Voting));
    }

    function test_sellerDeposit_schedulesDrawOnFutureBlock() public {
        uint256 id = _opened();
        vm.expectEmit(address(disputes));
        emit Disputes.PanelDrawScheduled(id, uint64(block.number) + 3);
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
        // nothing about the panel is decided in the seller's transaction
        assertEq(uint256(_phase(id)), uint256(Disputes.Phase.AwaitingPanel));
        assertEq(_panel(id).length, 0);
        uint64 at = disputes.drawBlockOf(id);
        assertEq(uint256(at), block.number + 3);
        // not before the draw block is mined: its hash is unknown until then
        vm.roll(at);
        vm.expectRevert(abi.encodeWithSelector(Disputes.DrawNotReady.selector, id, at));
        disputes.drawPanel(id);
    }

    function test_drawPanel_ruleIsLowestScoresOfDrawBlockHash() public {
        uint256 id = _opened();
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
        uint64 at = disputes.drawBlockOf(id);
        bytes32 h = keccak256(abi.encode("block", at));
        address[] memory expected = _expectedPanel(id, h, arbs);
        // a member who is not drawn leaves after the draw block: the pool's order changes, the panel does not
        address leaver;
        for (uint256 i; i < arbs.length && leaver == address(0); ++i) {
            bool drawn;
            for (uint256 j; j < 3; ++j) {
                if (expected[j] == arbs[i]) drawn = true;
            }
            if (!drawn) leaver = arbs[i];
        }
        vm.roll(uint256(at) + 1);
        vm.prank(leaver);
        disputes.leave();
        // nor does anyone joining after the draw block
        for (uint256 i; i < 4; ++i) {
            _join(makeAddr(string(abi.encodePacked("latecomer", bytes1(uint8(48 + i))))), BOND);
        }
        vm.setBlockhash(at, h);
        vm.expectEmit(address(disputes));
        emit Disputes.PanelDrawn(id, expected, uint64(block.timestamp + 5 days));
        assertTrue(disputes.drawPanel(id));
        address[] memory panel = _panel(id);
        for (uint256 i; i < 3; ++i) {
            assertEq(panel[i], expected[i]);
        }
    }

    /// @notice Fuzz: the panel is exactly the rule's for any draw-block hash.
    function testFuzz_drawPanel_followsRule(bytes32 h) public {
        vm.assume(h != 0);
        uint256 id = _opened();
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
        uint64 at = disputes.drawBlockOf(id);
        vm.roll(uint256(at) + 1);
        vm.setBlockhash(at, h);
        assertTrue(disputes.drawPanel(id));
        address[] memory expected = _expectedPanel(id, h, arbs);
        address[] memory panel = _panel(id);
        for (uint256 i; i < 3; ++i) {
            assertEq(panel[i], expected[i]);
        }
    }

    function test_drawPanel_staleDrawBlock_reschedules() public {
        uint256 id = _opened();
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
        uint64 at = disputes.drawBlockOf(id);
        vm.roll(uint256(at) + 257); // blockhash(at) is no longer readable
        assertEq(blockhash(at), bytes32(0));
        vm.expectEmit(address(disputes));
        emit Disputes.PanelDrawScheduled(id, uint64(block.number) + 3);
        assertFalse(disputes.drawPanel(id));
        assertEq(uint256(disputes.drawBlockOf(id)), block.number + 3);
        assertTrue(_drawNow(id));
        assertEq(uint256(_phase(id)), uint256(Disputes.Phase.Voting));
    }

    function test_join_poolFull() public {
        for (uint256 i = arbs.length; i < disputes.MAX_POOL(); ++i) {
            _join(address(uint160(0x10000 + i)), BOND);
        }
        assertEq(disputes.poolSize(), disputes.MAX_POOL());
        vm.deal(other, BOND);
        vm.expectRevert(Disputes.PoolFull.selector);
        vm.prank(other);
        disputes.join{value: BOND}();
        // a full pool still draws within the gas of a block
        uint256 id = _opened();
        vm.prank(seller);
        disputes.postDeposit{value: DEPOSIT}(id);
        uint256 before = gasleft();
        assertTrue(_drawNow(id));
        assertLe(before - gasleft(), 3_000_000, "draw over a full pool");
    }

    // ------------------------------------------------------------ evidence and votes

    function test_submitEvidence() public {
        (uint256 id,) = _voting();
        vm.expectEmit(address(disputes));
        emit Disputes.EvidenceSubmitted(id, seller, bytes32("receipt"));
        vm.prank(seller);
        disputes.submitEvidence(id, bytes32("receipt"));
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotParty.selector, id, other));
        vm.prank(other);
        disputes.submitEvidence(id, 0);
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongPhase.selector, 77, Disputes.Phase.None));
        vm.prank(buyer);
        disputes.submitEvidence(77, 0);
    }

    function test_vote_reverts() public {
        (uint256 id, address[] memory panel) = _voting();
        vm.expectRevert(abi.encodeWithSelector(Disputes.NotPanelist.selector, id, other));
        vm.prank(other);
        disputes.vote(id, Disputes.Vote.Refund);
        vm.expectRevert(Disputes.InvalidVote.selector);
        vm.prank(panel[0]);
        disputes.vote(id, Disputes.Vote.None);
        _vote(id, panel[0], Disputes.Vote.Refund);
        vm.expectRevert(abi.encodeWithSelector(Disputes.AlreadyVoted.selector, id, panel[0]));
        vm.prank(panel[0]);
        disputes.vote(id, Disputes.Vote.Release);
        vm.warp(block.timestamp + 5 days + 1);
        vm.expectRevert(abi.encodeWithSelector(Disputes.TooLate.selector, id, uint64(block.timestamp - 1)));
        vm.prank(panel[1]);
        disputes.vote(id, Disputes.Vote.Refund);
        uint256 other_ = _opened();
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongPhase.selector, other_, Disputes.Phase.AwaitingSeller));
        vm.prank(panel[0]);
        disputes.vote(other_, Disputes.Vote.Refund);
    }

    // ------------------------------------------------------------ finalize

    function test_finalize_release_buyerLosesDeposit() public {
        (uint256 id, address[] memory panel) = _voting();
        _vote(id, panel[0], Disputes.Vote.Release);
        vm.expectRevert(abi.encodeWithSelector(Disputes.TooEarly.selector, id, uint64(block.timestamp + 5 days)));
        disputes.finalize(id);
        _vote(id, panel[1], Disputes.Vote.Release); // majority of 3 reached: final before the deadline
        uint256 fee = PRICE * FEE_BPS / 10_000;
        disputes.finalize(id);
        assertEq(uint256(escrow.stateOf(id)), uint256(Escrow.State.Resolved));
        assertEq(seller.balance, 10 ether - DEPOSIT + PRICE - fee);
        // the panel (two majority voters) shares the buyer's deposit plus the silent panelist's slash
        uint256 slash = BOND / 10;
        uint256 pot = DEPOSIT + slash;
        assertEq(disputes.credit(panel[0]), pot / 2);
        assertEq(disputes.credit(panel[1]), pot / 2);
        assertEq(disputes.credit(panel[2]), 0);
        assertEq(disputes.credit(seller), DEPOSIT);
        assertEq(disputes.credit(buyer), 0);
        (uint256 bond, uint32 active,,) = disputes.arbiters(panel[2]);
        assertEq(bond, BOND - slash);
        assertEq(uint256(active), 0);
        assertEq(disputes.poolSize(), 4); // fell below minBond: left the pool
        _solvent();
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongPhase.selector, id, Disputes.Phase.Decided));
        disputes.finalize(id);
    }

    function test_finalize_refund_sellerLosesDeposit() public {
        (uint256 id, address[] memory panel) = _voting();
        _vote(id, panel[0], Disputes.Vote.Refund);
        _vote(id, panel[1], Disputes.Vote.Refund);
        _vote(id, panel[2], Disputes.Vote.Release);
        uint256 before = buyer.balance;
        disputes.finalize(id);
        assertEq(buyer.balance, before + PRICE);
        assertEq(disputes.credit(buyer), DEPOSIT);
        assertEq(disputes.credit(panel[0]), DEPOSIT / 2);
        assertEq(disputes.credit(panel[2]), 0); // voted with the minority: no reward, no slash
        (uint256 bond,,,) = disputes.arbiters(panel[2]);
        assertEq(bond, BOND);
        _solvent();
    }

    function test_finalize_split_bothForfeitHalf() public {
        (uint256 id, address[] memory panel) = _voting();
        _vote(id, panel[0], Disputes.Vote.Split);
        _vote(id, panel[1], Disputes.Vote.Split);
        uint256 before = buyer.balance;
        disputes.finalize(id);
        assertEq(buyer.balance, before + PRICE / 2);
        assertEq(disputes.credit(buyer), DEPOSIT - DEPOSIT / 2);
        assertEq(disputes.credit(seller), DEPOSIT - DEPOSIT / 2);
        _solvent();
    }

    function test_finalize_noMajority_allVoted() public {
        (uint256 id, address[] memory panel) = _voting();
        _vote(id, panel[0], Disputes.Vote.Refund);
        _vote(id, panel[1], Disputes.Vote.Release);
        _vote(id, panel[2], Disputes.Vote.Split);
        uint256 before = buyer.balance;
        vm.expectEmit(address(disputes));
        emit Disputes.Decided(id, Disputes.Vote.Split, false, 0, 0, false);
        disputes.finalize(id); // everyone voted: no need to wait
        assertEq(buyer.balance, before + PRICE / 2);
        assertEq(disputes.credit(buyer), DEPOSIT);
        assertEq(disputes.credit(seller), DEPOSIT);
        _solvent();
    }

    function test_finalize_nobodyVoted_reserveCarriesOver() public {
        (uint256 id, address[] memory panel) = _voting();
        vm.warp(block.timestamp + 5 days + 1);
        disputes.finalize(id);
        uint256 slashed = 3 * (BOND / 10);
        assertEq(disputes.rewardReserve(), slashed);
        assertEq(disputes.credit(buyer), DEPOSIT);
        assertEq(disputes.credit(seller), DEPOSIT);
        for (uint256 i; i < 3; ++i) {
            (uint256 bond,,,) = disputes.arbiters(panel[i]);
            assertEq(bond, BOND - BOND / 10);
        }
        _solvent();
        // the next decided dispute's majority earns the reserve too
        for (uint256 i; i < 3; ++i) {
            _join(makeAddr(string(abi.encodePacked("late", bytes1(uint8(48 + i))))), BOND);
        }
        vm.roll(block.number + 1);
        (uint256 id2, address[] memory p2) = _voting();
        _vote(id2, p2[0], Disputes.Vote.Refund);
        _vote(id2, p2[1], Disputes.Vote.Refund);
        _vote(id2, p2[2], Disputes.Vote.Refund);
        disputes.finalize(id2);
        uint256 pot = slashed + DEPOSIT;
        assertEq(disputes.credit(p2[0]), pot / 3);
        assertEq(disputes.rewardReserve(), pot - 3 * (pot / 3));
        _solvent();
    }

    // ------------------------------------------------------------ closed in the escrow

    function test_settleClosed_afterSellerRefund() public {
        (uint256 id, address[] memory panel) = _voting();
        vm.expectRevert(abi.encodeWithSelector(Disputes.StillDisputed.selector, id));
        disputes.settleClosed(id);
        vm.expectEmit(address(disputes));
        emit Disputes.ClosedInEscrow(id);
        vm.prank(seller);
        escrow.refund(id);
        // finalize can no longer reach the escrow
        _vote(id, panel[0], Disputes.Vote.Release);
        _vote(id, panel[1], Disputes.Vote.Release);
        vm.expectRevert(abi.encodeWithSelector(Escrow.WrongState.selector, id, Escrow.State.Refunded));
        disputes.finalize(id);
        disputes.settleClosed(id);
        assertEq(uint256(_phase(id)), uint256(Disputes.Phase.Closed));
        assertEq(disputes.credit(buyer), DEPOSIT);
        assertEq(disputes.credit(seller), DEPOSIT);
        for (uint256 i; i < 3; ++i) {
            (uint256 bond, uint32 active,,) = disputes.arbiters(panel[i]);
            assertEq(bond, BOND);
            assertEq(uint256(active), 0);
        }
        vm.expectRevert(abi.encodeWithSelector(Disputes.WrongPhase.selector, id, Disputes.Phase.Closed));
        disputes.settleClosed(id);
        _solvent();
    }

    function test_settleClosed_afterEscrowTimeout_awaitingSeller() public {
        uint256 id = _opened();
        vm.warp(block.timestamp + 60 days + 1);
        escrow.resolveTimedOut(id);
        disputes.settleClosed(id);
        assertEq(disputes.credit(buyer), DEPOSIT);
        _solvent();
    }

    // ------------------------------------------------------------ withdraw

    function test_withdraw() public {
        vm.expectRevert(abi.encodeWithSelector(Disputes.NothingToWithdraw.selector, other));
        vm.prank(other);
        disputes.withdraw();
        (uint256 id, address[] memory panel) = _voting();
        _vote(id, panel[0], Disputes.Vote.Release);
        _vote(id, panel[1], Disputes.Vote.Release);
        _vote(id, panel[2], Disputes.Vote.Release);
        disputes.finalize(id);
        uint256 owed = disputes.credit(panel[0]);
        vm.expectEmit(address(disputes));
        emit Disputes.Withdrawn(panel[0], owed);
        vm.prank(panel[0]);
        disputes.withdraw();
        assertEq(panel[0].balance, owed);
        assertEq(disputes.credit(panel[0]), 0);
        _solvent();
    }

    function test_withdraw_revertsWhenRecipientRefuses() public {
        Actor a = new Actor();
        _join(address(a), BOND);
        vm.prank(address(a));
        disputes.leave();
        a.setRefuse(true);
        vm.expectRevert(abi.encodeWithSelector(Disputes.TransferFailed.selector, address(a), BOND));
        vm.prank(address(a));
        disputes.withdraw();
        assertEq(disputes.credit(address(a)), BOND); // kept for a later try
        a.setRefuse(false);
        vm.prank(address(a));
        disputes.withdraw();
        assertEq(address(a).balance, BOND);
        // and it can join again
        _join(address(a), BOND);
        _solvent();
    }

    /// @notice Fuzz: any votes and timing keep the books balanced and release the whole panel.
    function testFuzz_finalize_books(uint8 v0, uint8 v1, uint8 v2, bool late) public {
        (uint256 id, address[] memory panel) = _voting();
        uint8[3] memory vs = [v0 % 4, v1 % 4, v2 % 4];
        uint256 cast;
        for (uint256 i; i < 3; ++i) {
            if (vs[i] != 0) {
                _vote(id, panel[i], Disputes.Vote(vs[i]));
                cast++;
            }
        }
        (Disputes.Phase phaseNow,,,,,,, uint8[4] memory tally) = disputes.getDispute(id);
        assertEq(uint256(phaseNow), uint256(Disputes.Phase.Voting));
        bool majority = tally[1] >= 2 || tally[2] >= 2 || tally[3] >= 2;
        if (late || (!majority && cast < 3)) vm.warp(block.timestamp + 5 days + 1);
        disputes.finalize(id);
        assertEq(uint256(escrow.stateOf(id)), uint256(Escrow.State.Resolved));
        for (uint256 i; i < 3; ++i) {
            (, uint32 active,,) = disputes.arbiters(panel[i]);
            assertEq(uint256(active), 0);
        }
        assertEq(disputes.totalDeposits(), 0);
        _solvent();
    }
}
