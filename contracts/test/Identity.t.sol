// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "./utils/Test.sol";
import {Identity} from "../src/Identity.sol";
import {Owned} from "../src/lib/Owned.sol";

contract IdentityTest is Test {
    Identity internal id;
    address internal admin = makeAddr("admin");
    address internal verifier = makeAddr("verifier");
    address internal alice = makeAddr("alice");
    bytes32 internal constant SELLER = keccak256("verified seller");

    function setUp() public {
        vm.warp(1_700_000_000);
        id = new Identity(admin);
        vm.prank(admin);
        id.setVerifier(verifier, true);
    }

    function test_setProfile() public {
        bytes memory key = hex"02aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899";
        vm.expectEmit(address(id));
        emit Identity.ProfileSet(alice, key, bytes32("doc"));
        vm.prank(alice);
        id.setProfile(key, bytes32("doc"));
        Identity.Profile memory p = id.profileOf(alice);
        assertEq(keccak256(p.messagingKey), keccak256(key));
        assertEq(p.profileHash, bytes32("doc"));
        assertEq(uint256(p.updatedAt), block.timestamp);
    }

    function test_setProfile_revertsKeyTooLong() public {
        bytes memory key = new bytes(66);
        vm.expectRevert(abi.encodeWithSelector(Identity.KeyTooLong.selector, 66));
        vm.prank(alice);
        id.setProfile(key, 0);
    }

    function test_clearProfile() public {
        vm.startPrank(alice);
        id.setProfile(hex"01", bytes32("doc"));
        vm.expectEmit(address(id));
        emit Identity.ProfileCleared(alice);
        id.clearProfile();
        vm.stopPrank();
        assertEq(id.profileOf(alice).messagingKey.length, 0);
        assertEq(id.profileOf(alice).profileHash, bytes32(0));
    }

    function test_setVerifier() public {
        vm.expectEmit(address(id));
        emit Identity.VerifierSet(alice, true);
        vm.prank(admin);
        id.setVerifier(alice, true);
        assertTrue(id.isVerifier(alice));
    }

    function test_setVerifier_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Owned.NotOwner.selector, alice));
        vm.prank(alice);
        id.setVerifier(alice, true);
        vm.expectRevert(Owned.ZeroAddress.selector);
        vm.prank(admin);
        id.setVerifier(address(0), true);
    }

    function test_attestAndRevoke() public {
        vm.expectEmit(address(id));
        emit Identity.Attested(alice, SELLER, verifier);
        vm.prank(verifier);
        id.attest(alice, SELLER);
        assertTrue(id.isVerified(alice, SELLER, verifier));
        assertEq(uint256(id.attestedAt(alice, SELLER, verifier)), block.timestamp);
        vm.expectEmit(address(id));
        emit Identity.Revoked(alice, SELLER, verifier, verifier);
        vm.prank(verifier);
        id.revoke(alice, SELLER, verifier);
        assertFalse(id.isVerified(alice, SELLER, verifier));
        vm.prank(verifier);
        id.attest(alice, SELLER); // can attest again after revoking
    }

    function test_dismissedVerifierStopsCounting() public {
        vm.prank(verifier);
        id.attest(alice, SELLER);
        vm.prank(admin);
        id.setVerifier(verifier, false);
        assertFalse(id.isVerified(alice, SELLER, verifier));
        vm.prank(verifier); // can still revoke its own
        id.revoke(alice, SELLER, verifier);
    }

    function test_ownerCanRevoke() public {
        vm.prank(verifier);
        id.attest(alice, SELLER);
        vm.expectEmit(address(id));
        emit Identity.Revoked(alice, SELLER, verifier, admin);
        vm.prank(admin);
        id.revoke(alice, SELLER, verifier);
    }

    function test_attest_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Identity.NotVerifier.selector, alice));
        vm.prank(alice);
        id.attest(alice, SELLER);
        vm.startPrank(verifier);
        vm.expectRevert(Owned.ZeroAddress.selector);
        id.attest(address(0), SELLER);
        id.attest(alice, SELLER);
        vm.expectRevert(abi.encodeWithSelector(Identity.AlreadyAttested.selector, alice, SELLER, verifier));
        id.attest(alice, SELLER);
        vm.stopPrank();
    }

    function test_revoke_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(Identity.NotAllowed.selector, alice));
        vm.prank(alice);
        id.revoke(alice, SELLER, verifier);
        vm.expectRevert(abi.encodeWithSelector(Identity.NotAttested.selector, alice, SELLER, verifier));
        vm.prank(verifier);
        id.revoke(alice, SELLER, verifier);
    }
}
