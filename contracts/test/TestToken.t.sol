// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "./utils/Test.sol";
import {TestToken} from "../src/TestToken.sol";
import {IERC20} from "../src/interfaces/IERC20.sol";

contract TestTokenTest is Test {
    TestToken internal token;
    address internal minter = makeAddr("minter");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new TestToken("Test Token", "TT", 18, minter);
    }

    function test_metadata() public view {
        assertEq(token.name(), "Test Token");
        assertEq(token.symbol(), "TT");
        assertEq(uint256(token.decimals()), 18);
        assertEq(token.minter(), minter);
        assertEq(token.totalSupply(), 0);
    }

    function test_mint() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), alice, 5);
        vm.prank(minter);
        token.mint(alice, 5);
        assertEq(token.balanceOf(alice), 5);
        assertEq(token.totalSupply(), 5);
    }

    function test_mint_revertsNotMinter() public {
        vm.expectRevert(abi.encodeWithSelector(TestToken.NotMinter.selector, alice));
        vm.prank(alice);
        token.mint(alice, 1);
    }

    function test_mint_revertsZeroAccount() public {
        vm.expectRevert(abi.encodeWithSelector(TestToken.InvalidAccount.selector, address(0)));
        vm.prank(minter);
        token.mint(address(0), 1);
    }

    function test_setMinter() public {
        vm.expectEmit(address(token));
        emit TestToken.MinterChanged(minter, alice);
        vm.prank(minter);
        token.setMinter(alice);
        assertEq(token.minter(), alice);
        vm.expectRevert(abi.encodeWithSelector(TestToken.NotMinter.selector, minter));
        vm.prank(minter);
        token.setMinter(minter);
    }

    function test_faucet() public {
        vm.prank(alice);
        token.faucet();
        assertEq(token.balanceOf(alice), token.FAUCET_AMOUNT());
        uint256 next = block.timestamp + 1 hours;
        vm.expectRevert(abi.encodeWithSelector(TestToken.FaucetCooldown.selector, next));
        vm.prank(alice);
        token.faucet();
        vm.warp(next);
        vm.prank(alice);
        token.faucet();
        assertEq(token.balanceOf(alice), 2 * token.FAUCET_AMOUNT());
    }

    function test_transfer() public {
        vm.prank(minter);
        token.mint(alice, 10);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, bob, 4);
        vm.prank(alice);
        assertTrue(token.transfer(bob, 4));
        assertEq(token.balanceOf(alice), 6);
        assertEq(token.balanceOf(bob), 4);
    }

    function test_transfer_revertsInsufficient() public {
        vm.expectRevert(abi.encodeWithSelector(TestToken.InsufficientBalance.selector, alice, 0, 1));
        vm.prank(alice);
        token.transfer(bob, 1);
    }

    function test_transfer_revertsToZero() public {
        vm.expectRevert(abi.encodeWithSelector(TestToken.InvalidAccount.selector, address(0)));
        vm.prank(alice);
        token.transfer(address(0), 0);
    }

    function test_approveAndTransferFrom() public {
        vm.prank(minter);
        token.mint(alice, 10);
        vm.expectEmit(address(token));
        emit IERC20.Approval(alice, bob, 7);
        vm.prank(alice);
        assertTrue(token.approve(bob, 7));
        vm.prank(bob);
        assertTrue(token.transferFrom(alice, bob, 5));
        assertEq(token.allowance(alice, bob), 2);
        assertEq(token.balanceOf(bob), 5);
        vm.expectRevert(abi.encodeWithSelector(TestToken.InsufficientAllowance.selector, alice, bob, 2, 3));
        vm.prank(bob);
        token.transferFrom(alice, bob, 3);
    }

    function test_infiniteAllowanceIsNotSpent() public {
        vm.prank(minter);
        token.mint(alice, 10);
        vm.prank(alice);
        token.approve(bob, type(uint256).max);
        vm.prank(bob);
        token.transferFrom(alice, bob, 10);
        assertEq(token.allowance(alice, bob), type(uint256).max);
    }

    function test_approve_revertsZeroSpender() public {
        vm.expectRevert(abi.encodeWithSelector(TestToken.InvalidAccount.selector, address(0)));
        vm.prank(alice);
        token.approve(address(0), 1);
    }

    function testFuzz_transferConservesSupply(uint256 minted, uint256 sent) public {
        minted = bound(minted, 0, type(uint128).max);
        sent = bound(sent, 0, minted);
        vm.prank(minter);
        token.mint(alice, minted);
        vm.prank(alice);
        token.transfer(bob, sent);
        assertEq(token.balanceOf(alice) + token.balanceOf(bob), token.totalSupply());
        assertEq(token.balanceOf(bob), sent);
    }
}
