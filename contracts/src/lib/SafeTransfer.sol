// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title SafeTransfer: ERC-20 calls that accept tokens returning nothing (USDT style) or a bool.
library SafeTransfer {
    /// @notice An ERC-20 call failed: it reverted, returned false, or the token has no code.
    error TokenCallFailed(address token);

    /// @notice `token.transferFrom(from, to, value)`, reverting with {TokenCallFailed} on failure.
    function safeTransferFrom(address token, address from, address to, uint256 value) internal {
        if (!_call(token, abi.encodeWithSelector(0x23b872dd, from, to, value))) revert TokenCallFailed(token);
    }

    /// @notice `token.transfer(to, value)`; returns false instead of reverting so callers can fall back.
    function tryTransfer(address token, address to, uint256 value) internal returns (bool) {
        return _call(token, abi.encodeWithSelector(0xa9059cbb, to, value));
    }

    /// @notice `token.transfer(to, value)`, reverting with {TokenCallFailed} on failure.
    function safeTransfer(address token, address to, uint256 value) internal {
        if (!tryTransfer(token, to, value)) revert TokenCallFailed(token);
    }

    function _call(address token, bytes memory data) private returns (bool) {
        if (token.code.length == 0) return false;
        (bool ok, bytes memory ret) = token.call(data);
        return ok && (ret.length == 0 || (ret.length >= 32 && abi.decode(ret, (bool))));
    }
}
