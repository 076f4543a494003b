// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDisputeResolver} from "./interfaces/IDisputeResolver.sol";
import {IValidatorSet} from "./interfaces/IValidatorSet.sol";
import {Escrow} from "./Escrow.sol";
import {Owned} from "./lib/Owned.sol";
import {ReentrancyGuard} from "./lib/ReentrancyGuard.sol";

/// @title Disputes: a pool of bonded arbiters that decides {Escrow} disputes by panel vote.
/// @notice How a dispute runs:
/// 1. Arbiters {join} the pool with a CMT bond of at least `minBond` (when `validatorsOnly` is set, only
///    addresses the {IValidatorSet} reports as validators may join or be drawn).
/// 2. The buyer {postDeposit}s the dispute deposit, then calls {Escrow.openDispute}; the escrow calls
///    {onDisputeOpened}, which refuses disputes without a deposit. The dispute awaits the seller.
/// 3. The seller has `responseWindow` to post an equal deposit. If not, anyone may call {defaultJudgment}:
///    the buyer is refunded and gets the deposit back. (The seller may also simply refund in the escrow.)
/// 4. When the seller posts, the draw is scheduled on a future block, `DRAW_DELAY` blocks later. Once that
///    block is mined, anyone calls {drawPanel}, which draws a panel of `panelSize` (odd) arbiters by the rule
///    below. If too few arbiters qualify, or the draw block is more than 256 blocks old, {drawPanel} schedules
///    a new draw block instead.
/// 5. Both parties may {submitEvidence} (hashes of off-chain documents) until the dispute is decided.
/// 6. Panelists {vote} Refund, Release or Split (50/50) within `votingPeriod`.
/// 7. {finalize}: as soon as one choice has a majority of the whole panel (panelSize / 2 + 1 votes), or
///    everyone has voted, or the voting deadline passed. The escrow is told the outcome:
///    - Refund: the seller loses; Release: the buyer loses; the loser's deposit goes to the panel.
///    - Split: each side forfeits half its deposit to the panel.
///    - No majority by the deadline: the order is split 50/50 and both deposits are returned in full.
///    Panelists who did not vote lose `slashBps` of their bond to the panel's reward pot (an arbiter whose
///    bond falls below `minBond` leaves the draw pool). The pot is shared equally by the panelists who voted
///    with the majority (with no majority: by all who voted); rounding dust and pots nobody earned carry over
///    to the next decided dispute (`rewardReserve`).
/// 8. If the dispute ends in the escrow without a decision here (the seller refunds, the buyer releases, or
///    the escrow's own timeout splits the order), anyone calls {settleClosed}: deposits are returned and
///    the panel is released without slashing.
///
/// Panel selection rule. When the seller's deposit lands in block b, the dispute's draw block is
/// d = b + DRAW_DELAY. After block d is mined, {drawPanel} computes seed = keccak256(abi.encode(orderId,
/// blockhash(d))). It gives every pool member who joined before block d, is neither the buyer nor the seller,
/// and (when validatorsOnly) is a validator, the score keccak256(abi.encode(seed, member)). The `panelSize`
/// members with the lowest scores form the panel, ordered by score. The result does not depend on the pool's
/// order or on anyone who joins after block d.
/// Why: nobody knows blockhash(d) when the dispute is opened or answered, so neither party can pick the
/// block, the seed or the panel. The earlier rule used the previous block's hash and prevrandao, both known
/// when the transaction is sent. On that rule the seller could wait for a favourable block, or post its
/// deposit from a contract that reverts unless the panel suits it.
/// Fallback: if fewer than `panelSize` members qualify, or block d is more than 256 blocks old (its hash is no
/// longer readable), {drawPanel} schedules a new draw block d' = now + DRAW_DELAY, whose hash is again unknown.
/// Limits: the producer of block d can still bias its hash, by withholding the block or choosing what goes in
/// it. When the pool barely exceeds `panelSize`, a member leaving after block d can force a redraw. A
/// commit-reveal or VRF seed could replace blockhash(d) without changing the rest.
///
/// All payments out of this contract are pull payments ({withdraw}), so nobody can block a decision.
contract Disputes is IDisputeResolver, Owned, ReentrancyGuard {
    enum Phase {
        None,
        AwaitingSeller,
        AwaitingPanel,
        Voting,
        Decided,
        Closed
    }

    enum Vote {
        None,
        Refund,
        Release,
        Split
    }

    /// @notice Tunable parameters; a dispute snapshots them when it is opened.
    struct Params {
        uint128 deposit; // CMT each party posts
        uint128 minBond; // CMT an arbiter bonds to be drawn
        uint8 panelSize; // odd, 1..15
        uint32 responseWindow; // seconds the seller has to post its deposit
        uint32 votingPeriod; // seconds panelists have to vote
        uint16 slashBps; // share of a non-voter's bond it loses (<= 5000)
    }

    struct Arbiter {
        uint256 bond;
        uint32 activePanels;
        uint32 slot; // index + 1 in the pool, 0 = not in the pool
        uint64 joinedBlock; // the block in which it last joined the pool
    }

    struct Dispute {
        Phase phase;
        uint8 panelSize;
        uint16 slashBps;
        uint32 votingPeriod;
        uint64 deadline; // AwaitingSeller: respond-by; Voting: vote-by
        uint64 drawBlock; // AwaitingPanel: the block whose hash seeds the draw
        address buyer;
        address seller;
        uint256 deposit;
        uint256 sellerDeposit;
        address[] panel;
        uint8[4] tally; // indexed by Vote
    }

    // ---------------------------------------------------------------- errors

    error NotEscrow(address caller);
    error NotParty(uint256 orderId, address caller);
    error NotPanelist(uint256 orderId, address caller);
    error WrongPhase(uint256 orderId, Phase phase);
    error WrongDeposit(uint256 expected, uint256 sent);
    error DepositMissing(uint256 orderId);
    error AlreadyDeposited(uint256 orderId, address party);
    error TooEarly(uint256 orderId, uint64 deadline);
    error TooLate(uint256 orderId, uint64 deadline);
    error AlreadyVoted(uint256 orderId, address panelist);
    error InvalidVote();
    error DrawNotReady(uint256 orderId, uint64 drawBlock);
    error PoolFull();
    error StillDisputed(uint256 orderId);
    error AlreadyMember(address arbiter);
    error NotMember(address arbiter);
    error BondTooLow(uint256 bond, uint256 minBond);
    error NotEligible(address arbiter);
    error StillServing(address arbiter, uint32 activePanels);
    error InvalidParams();
    error NothingToWithdraw(address account);
    error TransferFailed(address to, uint256 amount);

    // ---------------------------------------------------------------- events

    event ParamsSet(Params params);
    event ValidatorSetChanged(address indexed validatorSet, bool validatorsOnly);
    event ArbiterJoined(address indexed arbiter, uint256 bond);
    event BondAdded(address indexed arbiter, uint256 amount, uint256 bond);
    event ArbiterLeft(address indexed arbiter, uint256 bondReturned);
    event ArbiterRemovedFromPool(address indexed arbiter, uint256 bond);
    event DepositPosted(uint256 indexed orderId, address indexed party, uint256 amount);
    event DepositReclaimed(uint256 indexed orderId, address indexed buyer, uint256 amount);
    event DisputeRegistered(uint256 indexed orderId, address indexed buyer, address indexed seller, uint64 respondBy);
    event PanelDrawScheduled(uint256 indexed orderId, uint64 drawBlock);
    event PanelDrawn(uint256 indexed orderId, address[] panel, uint64 voteBy);
    event EvidenceSubmitted(uint256 indexed orderId, address indexed party, bytes32 evidenceHash);
    event Voted(uint256 indexed orderId, address indexed panelist, Vote vote);
    event Slashed(uint256 indexed orderId, address indexed panelist, uint256 amount);
    /// @param majority false when the deadline passed without a majority (outcome Split).
    event Decided(
        uint256 indexed orderId, Vote outcome, bool majority, uint256 pot, uint256 rewardEach, bool byDefault
    );
    event ClosedInEscrow(uint256 indexed orderId);
    event Settled(uint256 indexed orderId, Escrow.State escrowState);
    event Withdrawn(address indexed account, uint256 amount);

    // ---------------------------------------------------------------- state

    uint16 public constant BPS = 10_000;
    uint16 public constant SPLIT_BPS = 5_000;
    uint8 public constant MAX_PANEL = 15;
    /// @notice Blocks from the seller's deposit to the block whose hash seeds the panel draw.
    uint64 public constant DRAW_DELAY = 3;
    /// @notice Most arbiters the pool holds (the draw scores every member).
    uint256 public constant MAX_POOL = 256;

    Escrow public immutable escrow;
    Params public params;
    /// @notice Where `isValidator` is asked; zero = no validator check.
    IValidatorSet public validatorSet;
    /// @notice When true only validators may join and be drawn.
    bool public validatorsOnly;

    mapping(address => Arbiter) public arbiters;
    address[] public pool;
    mapping(uint256 => Dispute) private _disputes;
    /// @notice Deposit the buyer posted for an order (before and during its dispute).
    mapping(uint256 => uint256) public buyerDeposit;
    mapping(uint256 => mapping(address => Vote)) public voteOf;
    /// @notice Withdrawable CMT per account.
    mapping(address => uint256) public credit;
    /// @notice Rewards not yet earned by anyone; added to the next decided dispute's pot.
    uint256 public rewardReserve;
    /// @notice Book totals: balance == totalBonds + totalDeposits + totalCredits + rewardReserve.
    uint256 public totalBonds;
    uint256 public totalDeposits;
    uint256 public totalCredits;

    constructor(Escrow escrow_, address admin, Params memory initial) Owned(admin) {
        if (address(escrow_) == address(0)) revert ZeroAddress();
        escrow = escrow_;
        _setParams(initial);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Owner: set the parameters for disputes opened from now on.
    function setParams(Params calldata p) external onlyOwner {
        _setParams(p);
    }

    /// @notice Owner: point at the validator set (the chain's isValidator seam) and choose whether only
    ///         validators may serve.
    function setValidatorSet(IValidatorSet set, bool onlyValidators) external onlyOwner {
        if (onlyValidators && address(set) == address(0)) revert ZeroAddress();
        validatorSet = set;
        validatorsOnly = onlyValidators;
        emit ValidatorSetChanged(address(set), onlyValidators);
    }

    // ---------------------------------------------------------------- arbiter pool

    /// @notice Join the pool, bonding the value sent (plus any bond left from before).
    function join() external payable nonReentrant {
        Arbiter storage a = arbiters[msg.sender];
        if (a.slot != 0) revert AlreadyMember(msg.sender);
        if (!_eligible(msg.sender)) revert NotEligible(msg.sender);
        uint256 bond = a.bond + msg.value;
        if (bond < params.minBond) revert BondTooLow(bond, params.minBond);
        if (pool.length >= MAX_POOL) revert PoolFull();
        a.bond = bond;
        totalBonds += msg.value;
        pool.push(msg.sender);
        // one write of the slot, so the gas does not depend on whether block.number is zero
        (a.slot, a.joinedBlock) = (uint32(pool.length), uint64(block.number));
        emit ArbiterJoined(msg.sender, bond);
    }

    /// @notice Add the value sent to the caller's bond.
    function addBond() external payable nonReentrant {
        Arbiter storage a = arbiters[msg.sender];
        if (a.slot == 0 && a.bond == 0) revert NotMember(msg.sender);
        a.bond += msg.value;
        totalBonds += msg.value;
        emit BondAdded(msg.sender, msg.value, a.bond);
    }

    /// @notice Leave the pool and get the bond back (for {withdraw}); not while serving on a panel.
    function leave() external nonReentrant {
        Arbiter storage a = arbiters[msg.sender];
        if (a.slot == 0 && a.bond == 0) revert NotMember(msg.sender);
        if (a.activePanels != 0) revert StillServing(msg.sender, a.activePanels);
        if (a.slot != 0) _removeFromPool(a);
        uint256 bond = a.bond;
        a.bond = 0;
        totalBonds -= bond;
        _credit(msg.sender, bond);
        emit ArbiterLeft(msg.sender, bond);
    }

    function poolSize() external view returns (uint256) {
        return pool.length;
    }

    // ---------------------------------------------------------------- deposits

    /// @notice Post the dispute deposit for order `orderId`: the buyer before opening the dispute in the
    ///         escrow, the seller within the response window after it was opened.
    function postDeposit(uint256 orderId) external payable nonReentrant {
        (address buyer, address seller,) = escrow.partiesOf(orderId);
        Dispute storage d = _disputes[orderId];
        if (msg.sender == buyer && buyer != address(0)) {
            if (d.phase != Phase.None) revert WrongPhase(orderId, d.phase);
            if (buyerDeposit[orderId] != 0) revert AlreadyDeposited(orderId, msg.sender);
            if (msg.value != params.deposit) revert WrongDeposit(params.deposit, msg.value);
            buyerDeposit[orderId] = msg.value;
        } else if (msg.sender == seller && seller != address(0)) {
            if (d.phase != Phase.AwaitingSeller) revert WrongPhase(orderId, d.phase);
            if (block.timestamp > d.deadline) revert TooLate(orderId, d.deadline);
            if (msg.value != d.deposit) revert WrongDeposit(d.deposit, msg.value);
            d.sellerDeposit = msg.value;
            d.phase = Phase.AwaitingPanel;
            _schedule(orderId, d);
        } else {
            revert NotParty(orderId, msg.sender);
        }
        totalDeposits += msg.value;
        emit DepositPosted(orderId, msg.sender, msg.value);
    }

    /// @notice Buyer: take back a deposit posted for a dispute that was never opened.
    function reclaimDeposit(uint256 orderId) external nonReentrant {
        (address buyer,,) = escrow.partiesOf(orderId);
        if (msg.sender != buyer) revert NotParty(orderId, msg.sender);
        Dispute storage d = _disputes[orderId];
        if (d.phase != Phase.None) revert WrongPhase(orderId, d.phase);
        uint256 amount = buyerDeposit[orderId];
        if (amount == 0) revert DepositMissing(orderId);
        buyerDeposit[orderId] = 0;
        totalDeposits -= amount;
        _credit(msg.sender, amount);
        emit DepositReclaimed(orderId, msg.sender, amount);
    }

    // ---------------------------------------------------------------- escrow hooks

    /// @inheritdoc IDisputeResolver
    /// @dev Reverts (blocking the dispute) when the buyer has not posted a deposit.
    function onDisputeOpened(uint256 orderId, address buyer, address seller, address, uint256, bytes32) external {
        if (msg.sender != address(escrow)) revert NotEscrow(msg.sender);
        uint256 deposit = buyerDeposit[orderId];
        if (deposit == 0) revert DepositMissing(orderId);
        Dispute storage d = _disputes[orderId];
        if (d.phase != Phase.None) revert WrongPhase(orderId, d.phase);
        Params memory p = params;
        uint64 respondBy = uint64(block.timestamp) + p.responseWindow;
        d.phase = Phase.AwaitingSeller;
        d.panelSize = p.panelSize;
        d.slashBps = p.slashBps;
        d.votingPeriod = p.votingPeriod;
        d.deadline = respondBy;
        d.buyer = buyer;
        d.seller = seller;
        d.deposit = deposit;
        emit DisputeRegistered(orderId, buyer, seller, respondBy);
    }

    /// @inheritdoc IDisputeResolver
    /// @dev Only records the notice; {settleClosed} does the bookkeeping (the escrow gives this hook little gas).
    function onDisputeClosed(uint256 orderId) external {
        if (msg.sender != address(escrow)) revert NotEscrow(msg.sender);
        emit ClosedInEscrow(orderId);
    }

    // ---------------------------------------------------------------- the dispute

    /// @notice After the seller's response window passed without a deposit: refund the buyer. Anyone.
    function defaultJudgment(uint256 orderId) external nonReentrant {
        Dispute storage d = _disputes[orderId];
        if (d.phase != Phase.AwaitingSeller) revert WrongPhase(orderId, d.phase);
        if (block.timestamp <= d.deadline) revert TooEarly(orderId, d.deadline);
        d.phase = Phase.Decided;
        uint256 deposit = buyerDeposit[orderId];
        buyerDeposit[orderId] = 0;
        _returnDeposit(orderId, d.buyer, deposit);
        emit Decided(orderId, Vote.Refund, false, 0, 0, true);
        escrow.resolve(orderId, Escrow.Outcome.Refund, 0);
    }

    /// @notice Draw the panel once the dispute's draw block is mined (the rule on the contract). Anyone.
    ///         When too few arbiters qualify or the draw block's hash is gone (over 256 blocks ago), schedule
    ///         a new draw block instead and return false.
    function drawPanel(uint256 orderId) external nonReentrant returns (bool drawn) {
        Dispute storage d = _disputes[orderId];
        if (d.phase != Phase.AwaitingPanel) revert WrongPhase(orderId, d.phase);
        if (block.number <= d.drawBlock) revert DrawNotReady(orderId, d.drawBlock);
        bytes32 drawHash = blockhash(d.drawBlock);
        drawn = drawHash != 0 && _draw(orderId, d, drawHash);
        if (!drawn) _schedule(orderId, d);
    }

    /// @notice Buyer or seller: publish the hash of an off-chain piece of evidence.
    function submitEvidence(uint256 orderId, bytes32 evidenceHash) external {
        Dispute storage d = _disputes[orderId];
        if (d.phase != Phase.AwaitingSeller && d.phase != Phase.AwaitingPanel && d.phase != Phase.Voting) {
            revert WrongPhase(orderId, d.phase);
        }
        if (msg.sender != d.buyer && msg.sender != d.seller) revert NotParty(orderId, msg.sender);
        emit EvidenceSubmitted(orderId, msg.sender, evidenceHash);
    }

    /// @notice Panelist: vote once, before the voting deadline.
    function vote(uint256 orderId, Vote choice) external {
        Dispute storage d = _disputes[orderId];
        if (d.phase != Phase.Voting) revert WrongPhase(orderId, d.phase);
        if (block.timestamp > d.deadline) revert TooLate(orderId, d.deadline);
        if (choice == Vote.None) revert InvalidVote();
        if (!_onPanel(d, msg.sender)) revert NotPanelist(orderId, msg.sender);
        if (voteOf[orderId][msg.sender] != Vote.None) revert AlreadyVoted(orderId, msg.sender);
        voteOf[orderId][msg.sender] = choice;
        d.tally[uint8(choice)] += 1;
        emit Voted(orderId, msg.sender, choice);
    }

    /// @notice Decide the dispute: once a choice has a majority of the panel, everyone voted, or the voting
    ///         deadline passed. Anyone may call it.
    function finalize(uint256 orderId) external nonReentrant {
        Dispute storage d = _disputes[orderId];
        if (d.phase != Phase.Voting) revert WrongPhase(orderId, d.phase);
        (Vote winner, uint256 votes) = _leader(d);
        bool majority = winner != Vote.None;
        if (!majority && votes < d.panelSize && block.timestamp <= d.deadline) revert TooEarly(orderId, d.deadline);
        d.phase = Phase.Decided;
        address[] memory panel = d.panel;
        uint256 pot = rewardReserve + _releasePanel(orderId, panel, d.slashBps); // the reserve joins this pot
        (uint256 forfeited, Escrow.Outcome outcome, uint16 sellerBps) = _settleDeposits(orderId, d, majority, winner);
        pot += forfeited;
        uint256 each = _reward(orderId, panel, majority, winner, pot);
        emit Decided(orderId, majority ? winner : Vote.Split, majority, pot, each, false);
        escrow.resolve(orderId, outcome, sellerBps);
    }

    /// @notice Wrap up a dispute that ended in the escrow without a decision here (refund, release or the
    ///         escrow's timeout): return both deposits and release the panel without slashing. Anyone.
    function settleClosed(uint256 orderId) external nonReentrant {
        Dispute storage d = _disputes[orderId];
        Phase phase = d.phase;
        if (phase != Phase.AwaitingSeller && phase != Phase.AwaitingPanel && phase != Phase.Voting) {
            revert WrongPhase(orderId, phase);
        }
        Escrow.State state = escrow.stateOf(orderId);
        if (state == Escrow.State.Disputed) revert StillDisputed(orderId);
        d.phase = Phase.Closed;
        address[] memory panel = d.panel;
        for (uint256 i; i < panel.length; ++i) {
            arbiters[panel[i]].activePanels -= 1;
        }
        uint256 buyerDep = buyerDeposit[orderId];
        uint256 sellerDep = d.sellerDeposit;
        buyerDeposit[orderId] = 0;
        d.sellerDeposit = 0;
        _returnDeposit(orderId, d.buyer, buyerDep);
        _returnDeposit(orderId, d.seller, sellerDep);
        emit Settled(orderId, state);
    }

    /// @notice Withdraw everything credited to the caller (returned bonds and deposits, rewards).
    function withdraw() external nonReentrant {
        uint256 amount = credit[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        credit[msg.sender] = 0;
        totalCredits -= amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    // ---------------------------------------------------------------- views

    /// @notice Phase, parties, deadline, deposits, panel and tally of the dispute on `orderId`.
    function getDispute(uint256 orderId)
        external
        view
        returns (
            Phase phase,
            address buyer,
            address seller,
            uint64 deadline,
            uint256 deposit,
            uint256 sellerDeposit,
            address[] memory panel,
            uint8[4] memory tally
        )
    {
        Dispute storage d = _disputes[orderId];
        return (d.phase, d.buyer, d.seller, d.deadline, d.deposit, d.sellerDeposit, d.panel, d.tally);
    }

    /// @notice The block whose hash seeds the draw of the dispute on `orderId` (0 before the seller answers).
    function drawBlockOf(uint256 orderId) external view returns (uint64) {
        return _disputes[orderId].drawBlock;
    }

    // ---------------------------------------------------------------- internals

    function _setParams(Params memory p) private {
        if (
            p.deposit == 0 || p.minBond == 0 || p.panelSize == 0 || p.panelSize % 2 == 0 || p.panelSize > MAX_PANEL
                || p.responseWindow < 1 hours || p.votingPeriod < 1 hours || p.slashBps > 5_000
        ) revert InvalidParams();
        params = p;
        emit ParamsSet(p);
    }

    function _eligible(address account) private view returns (bool) {
        return !validatorsOnly || validatorSet.isValidator(account);
    }

    function _schedule(uint256 orderId, Dispute storage d) private {
        uint64 at = uint64(block.number) + DRAW_DELAY;
        d.drawBlock = at;
        emit PanelDrawScheduled(orderId, at);
    }

    /// @dev The panel selection rule documented on the contract. Returns false (state untouched) on failure.
    function _draw(uint256 orderId, Dispute storage d, bytes32 drawHash) private returns (bool) {
        uint256 size = d.panelSize;
        (address[] memory chosen, uint256 found) = _lowestScores(d, keccak256(abi.encode(orderId, drawHash)), size);
        if (found < size) return false;
        for (uint256 j; j < size; ++j) {
            arbiters[chosen[j]].activePanels += 1;
        }
        uint64 voteBy = uint64(block.timestamp) + d.votingPeriod;
        d.panel = chosen;
        d.phase = Phase.Voting;
        d.deadline = voteBy;
        emit PanelDrawn(orderId, chosen, voteBy);
        return true;
    }

    /// @dev The (up to) `size` qualifying pool members with the lowest keccak256(seed, member), lowest first.
    function _lowestScores(Dispute storage d, bytes32 seed, uint256 size)
        private
        view
        returns (address[] memory chosen, uint256 found)
    {
        chosen = new address[](size);
        uint256[] memory scores = new uint256[](size);
        uint64 drawBlock = d.drawBlock;
        uint256 n = pool.length;
        for (uint256 i; i < n; ++i) {
            address a = pool[i];
            if (arbiters[a].joinedBlock >= drawBlock || a == d.buyer || a == d.seller) continue;
            uint256 score = uint256(keccak256(abi.encode(seed, a)));
            if (found == size && score >= scores[size - 1]) continue;
            if (!_eligible(a)) continue;
            uint256 j = found < size ? found++ : size - 1;
            for (; j > 0 && scores[j - 1] > score; --j) {
                scores[j] = scores[j - 1];
                chosen[j] = chosen[j - 1];
            }
            scores[j] = score;
            chosen[j] = a;
        }
    }

    function _onPanel(Dispute storage d, address account) private view returns (bool) {
        uint256 len = d.panel.length;
        for (uint256 i; i < len; ++i) {
            if (d.panel[i] == account) return true;
        }
        return false;
    }

    /// @dev The choice with a majority of the whole panel (None if none) and the number of votes cast.
    function _leader(Dispute storage d) private view returns (Vote winner, uint256 votes) {
        uint256 need = d.panelSize / 2 + 1;
        for (uint8 v = 1; v <= 3; ++v) {
            uint256 t = d.tally[v];
            votes += t;
            if (t >= need) winner = Vote(v);
        }
    }

    /// @dev Panel members stop serving; those who did not vote are slashed. Returns the slashed total.
    function _releasePanel(uint256 orderId, address[] memory panel, uint16 slashBps) private returns (uint256 slashed) {
        for (uint256 i; i < panel.length; ++i) {
            Arbiter storage a = arbiters[panel[i]];
            a.activePanels -= 1;
            if (voteOf[orderId][panel[i]] == Vote.None) slashed += _slash(orderId, panel[i], a, slashBps);
        }
    }

    /// @dev Returns deposits to the winner(s), forfeits the loser's share; gives the escrow outcome.
    function _settleDeposits(uint256 orderId, Dispute storage d, bool majority, Vote winner)
        private
        returns (uint256 forfeited, Escrow.Outcome outcome, uint16 sellerBps)
    {
        uint256 buyerDep = buyerDeposit[orderId];
        uint256 sellerDep = d.sellerDeposit;
        buyerDeposit[orderId] = 0;
        d.sellerDeposit = 0;
        if (!majority || winner == Vote.Split) {
            uint256 buyerLoss = majority ? buyerDep / 2 : 0;
            uint256 sellerLoss = majority ? sellerDep / 2 : 0;
            forfeited = _forfeit(buyerLoss + sellerLoss);
            _returnDeposit(orderId, d.buyer, buyerDep - buyerLoss);
            _returnDeposit(orderId, d.seller, sellerDep - sellerLoss);
            return (forfeited, Escrow.Outcome.Split, SPLIT_BPS);
        }
        if (winner == Vote.Refund) {
            forfeited = _forfeit(sellerDep);
            _returnDeposit(orderId, d.buyer, buyerDep);
            return (forfeited, Escrow.Outcome.Refund, 0);
        }
        forfeited = _forfeit(buyerDep);
        _returnDeposit(orderId, d.seller, sellerDep);
        return (forfeited, Escrow.Outcome.Release, BPS);
    }

    /// @dev Shares `pot` equally among the majority voters (all voters without a majority); the rest
    ///      (dust, or everything when nobody earned it) goes to the reserve. Returns the share.
    function _reward(uint256 orderId, address[] memory panel, bool majority, Vote winner, uint256 pot)
        private
        returns (uint256 each)
    {
        uint256 earners;
        for (uint256 i; i < panel.length; ++i) {
            if (_earns(voteOf[orderId][panel[i]], majority, winner)) earners++;
        }
        each = earners == 0 ? 0 : pot / earners;
        if (each != 0) {
            for (uint256 i; i < panel.length; ++i) {
                if (_earns(voteOf[orderId][panel[i]], majority, winner)) _credit(panel[i], each);
            }
        }
        rewardReserve = pot - each * earners;
    }

    function _earns(Vote v, bool majority, Vote winner) private pure returns (bool) {
        return v != Vote.None && (!majority || v == winner);
    }

    function _slash(uint256 orderId, address who, Arbiter storage a, uint16 slashBps) private returns (uint256 cut) {
        cut = a.bond * slashBps / BPS;
        a.bond -= cut;
        totalBonds -= cut;
        emit Slashed(orderId, who, cut);
        if (a.slot != 0 && a.bond < params.minBond) {
            _removeFromPool(a);
            emit ArbiterRemovedFromPool(who, a.bond);
        }
    }

    /// @dev A forfeited deposit leaves the deposit books and joins the reward pot.
    function _forfeit(uint256 amount) private returns (uint256) {
        totalDeposits -= amount;
        return amount;
    }

    function _returnDeposit(uint256, address to, uint256 amount) private {
        if (amount == 0) return;
        totalDeposits -= amount;
        _credit(to, amount);
    }

    function _credit(address to, uint256 amount) private {
        if (amount == 0) return;
        credit[to] += amount;
        totalCredits += amount;
    }

    function _removeFromPool(Arbiter storage a) private {
        uint256 index = a.slot - 1;
        address last = pool[pool.length - 1];
        pool[index] = last;
        arbiters[last].slot = uint32(index + 1);
        pool.pop();
        a.slot = 0;
    }
}
