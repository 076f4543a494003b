// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IDisputeResolver} from "../../src/interfaces/IDisputeResolver.sol";
import {Escrow} from "../../src/Escrow.sol";
import {TestToken} from "../../src/TestToken.sol";

/// @notice A dispute resolver that records the escrow's calls and lets tests decide.
contract MockResolver is IDisputeResolver {
    Escrow public immutable escrow;
    bool public rejectOpen;
    bool public revertOnClose;
    uint256 public opened;
    uint256 public closed;
    uint256 public lastOrder;
    bytes32 public lastReason;

    constructor(Escrow escrow_) {
        escrow = escrow_;
    }

    function setRejectOpen(bool v) external {
        rejectOpen = v;
    }

    function setRevertOnClose(bool v) external {
        revertOnClose = v;
    }

    function onDisputeOpened(uint256 orderId, address, address, address, uint256, bytes32 reasonHash) external {
        require(msg.sender == address(escrow), "not escrow");
        require(!rejectOpen, "deposit missing");
        opened++;
        lastOrder = orderId;
        lastReason = reasonHash;
    }

    function onDisputeClosed(uint256 orderId) external {
        require(!revertOnClose, "broken");
        require(msg.sender == address(escrow), "not escrow");
        closed++;
        lastOrder = orderId;
    }

    function decide(uint256 orderId, Escrow.Outcome outcome, uint16 sellerBps) external {
        escrow.resolve(orderId, outcome, sellerBps);
    }
}

/// @notice A contract account that can act as buyer or seller, refuse CMT, and try to re-enter on receipt.
/// @dev The re-entry bookkeeping shares one storage slot that {setReenter} makes non-zero beforehand, so
///      recording the attempt fits the escrow's 50k gas stipend even in isolated (cold) transactions.
contract Actor {
    bool public refuse;
    address public reenterTarget;
    /// @notice 0 = not armed, 1 = armed, 2 = re-entry reverted, 3 = re-entry succeeded.
    uint8 public reentryState;
    /// @notice First 4 bytes of the re-entry's revert data.
    bytes4 public reentryError;
    bytes public reenterData;

    receive() external payable {
        require(!refuse, "refused");
        if (reentryState == 1) {
            (bool ok, bytes memory ret) = reenterTarget.call(reenterData);
            reentryState = ok ? 3 : 2;
            if (ret.length >= 4) reentryError = bytes4(ret);
        }
    }

    function setRefuse(bool v) external {
        refuse = v;
    }

    function setReenter(address target, bytes calldata data) external {
        reenterTarget = target;
        reenterData = data;
        reentryState = 1;
    }

    function exec(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }
}

/// @notice A token that burns 1% of every transfer (unsupported by the marketplace).
contract FeeOnTransferToken is TestToken {
    constructor() TestToken("Fee", "FEE", 18, msg.sender) {}

    function transferFrom(address from, address to, uint256 value) external override returns (bool) {
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) internal {
        balanceOf[from] -= value;
        balanceOf[to] += value - value / 100;
        totalSupply -= value / 100;
    }
}

/// @notice A token whose `transfer` to a blocked account fails (like a stablecoin blocklist).
contract BlockingToken is TestToken {
    mapping(address => bool) public blocked;

    constructor() TestToken("Block", "BLK", 18, msg.sender) {}

    function setBlocked(address account, bool v) external {
        blocked[account] = v;
    }

    function transfer(address to, uint256 value) external override returns (bool) {
        require(!blocked[to], "blocked");
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }
}

/// @notice A token whose transferFrom returns false instead of reverting.
contract FalseToken is TestToken {
    constructor() TestToken("False", "FLS", 18, msg.sender) {}

    function transferFrom(address, address, uint256) external pure override returns (bool) {
        return false;
    }
}
