// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IDisputeResolver: what {Escrow} expects of the contract that arbitrates its disputes.
/// @notice The escrow owner registers one resolver; each dispute remembers the resolver it was opened with,
///         and only that resolver may call {Escrow.resolve} for it.
interface IDisputeResolver {
    /// @notice Called by the escrow when a buyer opens a dispute. Reverting blocks the dispute (for example
    ///         when the resolver requires a deposit that was not posted).
    function onDisputeOpened(
        uint256 orderId,
        address buyer,
        address seller,
        address token,
        uint256 amount,
        bytes32 reasonHash
    ) external;

    /// @notice Called by the escrow (best effort: a revert here is ignored) when a dispute ends without the
    ///         resolver: the seller refunded, the buyer released, or the dispute timed out.
    function onDisputeClosed(uint256 orderId) external;
}
