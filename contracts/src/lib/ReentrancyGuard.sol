// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ReentrancyGuard on an EIP-1153 transient slot (cleared automatically after each transaction).
abstract contract ReentrancyGuard {
    /// @notice A guarded function was re-entered.
    error Reentrancy();

    bool private transient _entered;

    modifier nonReentrant() {
        if (_entered) revert Reentrancy();
        _entered = true;
        _;
        _entered = false;
    }
}
