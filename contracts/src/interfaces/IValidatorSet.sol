// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IValidatorSet: the seam through which the chain's `isValidator` system call reaches contracts.
/// @notice cmt-chain will expose the current validator set at a fixed system address (precompile or system
///         contract); {Disputes} can be pointed at it so that only validators serve as arbiters.
interface IValidatorSet {
    function isValidator(address account) external view returns (bool);
}
