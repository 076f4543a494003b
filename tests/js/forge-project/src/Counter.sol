// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Deployed by `forge create` and `forge script` in tests/js/forge.mjs.
contract Counter {
    uint256 public number;

    event Incremented(address indexed by, uint256 number);

    constructor(uint256 start) {
        number = start;
    }

    function increment() external {
        number += 1;
        emit Incremented(msg.sender, number);
    }
}
