// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Store
/// @notice Tiny contract for the Hardhat end-to-end test (tests/js/hardhat.mjs): a stored value,
///         an event on every change and a require with a reason string.
contract Store {
    uint256 public value;
    uint256 public changes;

    event ValueChanged(address indexed who, uint256 indexed oldValue, uint256 newValue);

    constructor(uint256 initial) {
        value = initial;
        emit ValueChanged(msg.sender, 0, initial);
    }

    /// @dev Reverts with Error("Store: 13 is unlucky") for 13.
    function set(uint256 v) external {
        require(v != 13, "Store: 13 is unlucky");
        uint256 old = value;
        value = v;
        changes += 1;
        emit ValueChanged(msg.sender, old, v);
    }
}
