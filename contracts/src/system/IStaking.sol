// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IStaking: the DPoS staking system contract of cmt-chain, at 0x0000000000000000000000000000000000001000.
/// @notice A native contract (the node runs it in Python, as a precompile); its storage is part of the state root and
///         its balance holds every stake. Rates are basis points (1/10,000). Amounts are wei. The rules are those of
///         CyberMiles' Travis: a candidate locks `selfStake >= 10% of maxAmount`; delegations below the minimum
///         (1,000 CMT) have no voting power; a validator above 12% of all stake is damped; the top 19 active
///         candidates validate and the next 5 are backups, re-ranked every epoch; each block mints an award and adds
///         its fees, 90% to the validators and 10% to the backups by voting power, split with delegators by the
///         commission rate; awards compound into the stakes at each epoch (views show them credited); `withdraw` pays out after the unbonding period.
///         Gas on top of the transaction's intrinsic gas: 60,000 for declare, update, withdrawCandidacy, delegate and
///         withdraw; 100,000 for reportDoubleSign; 30,000 for activate and deactivate; 21,000 for setCompRate; 3,000 for a view.
///         A broken rule reverts with Error(string) naming it.
interface IStaking {
    event CandidacyDeclared(address indexed candidate, uint256 maxAmount, uint16 compRate, uint256 selfStake);
    event CandidacyUpdated(address indexed candidate, uint256 maxAmount, uint16 compRate, uint256 addedStake);
    event CandidacyWithdrawn(address indexed candidate);
    event CandidacyActivated(address indexed candidate);
    event CandidacyDeactivated(address indexed candidate);
    event CompRateSet(address indexed candidate, address indexed delegator, uint16 compRate);
    event Delegated(address indexed delegator, address indexed validator, uint256 amount);
    event WithdrawRequested(address indexed delegator, address indexed validator, uint256 amount, uint256 releaseHeight);
    event DoubleSignSlashed(address indexed validator, uint256 height, uint256 slashed, address reporter);

    /// Declare a candidacy; `msg.value` is the self-stake (at least 10% of `maxAmount`, at most `maxAmount`).
    function declareCandidacy(
        uint256 maxAmount, uint16 compRate, string calldata name, string calldata website,
        string calldata location, string calldata email, string calldata profile
    ) external payable;

    /// Replace a candidacy's rate and description; `maxAmount` 0 keeps the maximum. `msg.value` adds self-stake
    /// (needed when raising the maximum).
    function updateCandidacy(
        uint256 maxAmount, uint16 compRate, string calldata name, string calldata website,
        string calldata location, string calldata email, string calldata profile
    ) external payable;

    /// Leave: every delegation to the candidate starts unbonding.
    function withdrawCandidacy() external;

    /// Take part in ranking again (after maintenance, or after an absence deactivated the candidate).
    function activateCandidacy() external;

    /// Stop taking part in ranking: no voting power, out of the set at the next epoch.
    function deactivateCandidacy() external;

    /// Set one delegator's commission rate, never above the candidate's own rate.
    function setCompRate(address delegator, uint16 compRate) external;

    /// Delegate `msg.value` to a candidate, within its declared maximum.
    function delegate(address validator) external payable;

    /// Start unbonding `amount` of the caller's delegation to `validator`; paid after the unbonding period.
    function withdraw(address validator, uint256 amount) external;

    /// Prove a double sign: two different block headers (RLP) of one height, each with its 65-byte seal (r, s, v)
    /// by the same validator, who is their coinbase, both extending this chain's block before them (within the last 256
    /// blocks). Slashes 0.1% (slash_bps) of every delegation to it and deactivates
    /// it; the slashed wei join the next block's award pool. Each (validator, height) is punished once. Anyone may call.
    function reportDoubleSign(bytes calldata header1, bytes calldata seal1, bytes calldata header2, bytes calldata seal2)
        external;

    /// A candidate: `role` 0 none, 1 candidate, 2 validator, 3 backup validator.
    function candidate(address account) external view returns (
        bool exists, uint256 maxAmount, uint16 compRate, bool active, uint256 stake, uint256 votingPower, uint8 role,
        string memory name
    );

    /// A delegation: its stake (awards included), the awards credited so far, its rate and what was slashed.
    function delegation(address delegator, address validator) external view returns (
        uint256 amount, uint256 awardTotal, uint16 compRate, uint256 slashed
    );

    /// This epoch's validators in rotation order, and the backups.
    function validators() external view returns (address[] memory active, address[] memory backups);

    /// The caller's withdrawals still unbonding: their sum and the earliest release height.
    function pendingWithdrawal(address delegator) external view returns (uint256 amount, uint256 nextRelease);

    /// Every award minted since genesis (the supply is the genesis supply plus this).
    function totalMinted() external view returns (uint256);

    /// Whether `account` is a validator or backup validator of this epoch (IValidatorSet).
    function isValidator(address account) external view returns (bool);
}
