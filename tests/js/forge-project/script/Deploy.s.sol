// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Counter} from "../src/Counter.sol";

interface Vm {
    function envUint(string calldata name) external view returns (uint256);
    function startBroadcast(uint256 privateKey) external;
    function stopBroadcast() external;
}

/// @notice `forge script --broadcast`: deploy a Counter and call increment() twice, without forge-std.
contract Deploy {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function run() external returns (Counter counter) {
        vm.startBroadcast(vm.envUint("DEPLOYER_KEY"));
        counter = new Counter(10);
        counter.increment();
        counter.increment();
        vm.stopBroadcast();
    }
}
