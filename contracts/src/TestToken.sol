// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "./interfaces/IERC20.sol";

/// @title TestToken: a plain ERC-20 for demos and tests, with minting by its minter.
/// @notice Prices in the marketplace can be in CMT or any ERC-20; this token is the dev chain's example.
///         Anyone can call {faucet} for a small amount so a new user can try a token-priced order.
contract TestToken is IERC20 {
    /// @notice The caller is not the minter.
    error NotMinter(address caller);
    /// @notice The balance of `account` is below `needed`.
    error InsufficientBalance(address account, uint256 balance, uint256 needed);
    /// @notice The allowance of `spender` over `owner` is below `needed`.
    error InsufficientAllowance(address owner, address spender, uint256 allowance, uint256 needed);
    /// @notice Transfers to or from the zero address are refused (use the burn semantics of no one).
    error InvalidAccount(address account);
    /// @notice {faucet} was called again before `FAUCET_COOLDOWN` passed.
    error FaucetCooldown(uint256 availableAt);

    event MinterChanged(address indexed previousMinter, address indexed newMinter);

    /// @notice Tokens {faucet} hands out per call.
    uint256 public constant FAUCET_AMOUNT = 1_000 ether;
    /// @notice Time between two {faucet} calls by one account.
    uint256 public constant FAUCET_COOLDOWN = 1 hours;

    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    /// @notice The account allowed to {mint} and to hand minting over.
    address public minter;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    /// @notice When each account last used {faucet}.
    mapping(address => uint256) public lastFaucet;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address minter_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        minter = minter_;
        emit MinterChanged(address(0), minter_);
    }

    /// @notice Create `value` tokens for `to`. Only the minter.
    function mint(address to, uint256 value) external {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        _mint(to, value);
    }

    /// @notice Hand minting to `newMinter` (zero disables minting for good). Only the minter.
    function setMinter(address newMinter) external {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        emit MinterChanged(minter, newMinter);
        minter = newMinter;
    }

    /// @notice Mint `FAUCET_AMOUNT` to the caller, at most once per `FAUCET_COOLDOWN`.
    function faucet() external {
        uint256 last = lastFaucet[msg.sender];
        if (last != 0 && block.timestamp < last + FAUCET_COOLDOWN) revert FaucetCooldown(last + FAUCET_COOLDOWN);
        lastFaucet[msg.sender] = block.timestamp;
        _mint(msg.sender, FAUCET_AMOUNT);
    }

    /// @inheritdoc IERC20
    function transfer(address to, uint256 value) external virtual returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    /// @inheritdoc IERC20
    function approve(address spender, uint256 value) external returns (bool) {
        if (spender == address(0)) revert InvalidAccount(spender);
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// @inheritdoc IERC20
    /// @dev An allowance of type(uint256).max is never decreased.
    function transferFrom(address from, address to, uint256 value) external virtual returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert InsufficientAllowance(from, msg.sender, allowed, value);
            unchecked {
                allowance[from][msg.sender] = allowed - value;
            }
        }
        _transfer(from, to, value);
        return true;
    }

    function _transfer(address from, address to, uint256 value) private {
        if (to == address(0)) revert InvalidAccount(to);
        uint256 balance = balanceOf[from];
        if (balance < value) revert InsufficientBalance(from, balance, value);
        unchecked {
            balanceOf[from] = balance - value;
            balanceOf[to] += value; // cannot overflow: the sum of balances is totalSupply
        }
        emit Transfer(from, to, value);
    }

    function _mint(address to, uint256 value) private {
        if (to == address(0)) revert InvalidAccount(to);
        totalSupply += value;
        unchecked {
            balanceOf[to] += value;
        }
        emit Transfer(address(0), to, value);
    }
}
