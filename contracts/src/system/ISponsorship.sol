// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISponsorship: contract-sponsored gas on cmt-chain, at 0x0000000000000000000000000000000000001001.
/// @notice A native contract (run by the node as a precompile). A sponsor deposits CMT for a contract and names the
///         function selectors it pays for. A transaction priced 0 (gasPrice or maxFeePerGas 0) that calls one of those
///         functions costs its sender nothing: the block takes base fee x gas used from the deposit and adds it to the
///         fee pool of the validators. Each sender gets at most `limit` sponsored calls per contract in each window of
///         `window` blocks, so no one can drain a sponsor. Anyone may sponsor a contract nobody sponsors yet; after that
///         only the manager (the registrant), or the contract itself (which then becomes the manager), may change the
///         selectors or withdraw; anyone may add to the deposit. Gas on top of the intrinsic gas: 40,000 per write,
///         3,000 per view. A broken rule reverts with Error(string).
interface ISponsorship {
    event SponsorRegistered(address indexed target, address manager, bytes4[] selectors, uint256 deposited);
    event SponsorDeposited(address indexed target, address from, uint256 amount);
    event SponsorWithdrawn(address indexed target, address to, uint256 amount);

    /// Sponsor `target`'s functions `selectors` (1 to 32), adding `msg.value` to the deposit.
    function register(address target, bytes4[] calldata selectors) external payable;

    /// Add `msg.value` to the deposit of a sponsored contract.
    function deposit(address target) external payable;

    /// Take `amount` of the deposit back (the manager only).
    function withdrawDeposit(address target, uint256 amount) external;

    /// The sponsorship of `target`: its manager (0 if none), deposit and selectors.
    function sponsorOf(address target) external view returns (address manager, uint256 deposit, bytes4[] memory selectors);

    /// How many sponsored calls `sender` made to `target` in the current window, the limit, and the window in blocks.
    function sponsoredUses(address target, address sender) external view returns (uint256 used, uint256 limit, uint256 window);
}
