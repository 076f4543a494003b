// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Owned} from "./lib/Owned.sol";

/// @title Identity: public profiles and verifier attestations; only hashes and public keys go on chain.
/// @notice Any address publishes a profile: a messaging public key (so buyers and sellers can encrypt
///         shipping details to each other) and the hash of an off-chain profile document. The registry's
///         admin appoints verifiers; a verifier attests claims about an address by hash (for example
///         keccak256("verified seller")) and can revoke them. The admin can also revoke any attestation.
///         An attestation counts ({isVerified}) only while its verifier is still appointed.
contract Identity is Owned {
    struct Profile {
        bytes messagingKey; // e.g. a 33-byte compressed secp256k1 or a 32-byte x25519 public key
        bytes32 profileHash;
        uint64 updatedAt;
    }

    error KeyTooLong(uint256 length);
    error NotVerifier(address caller);
    error AlreadyAttested(address subject, bytes32 claimHash, address verifier);
    error NotAttested(address subject, bytes32 claimHash, address verifier);
    error NotAllowed(address caller);

    event ProfileSet(address indexed account, bytes messagingKey, bytes32 profileHash);
    event ProfileCleared(address indexed account);
    event VerifierSet(address indexed verifier, bool appointed);
    event Attested(address indexed subject, bytes32 indexed claimHash, address indexed verifier);
    event Revoked(address indexed subject, bytes32 indexed claimHash, address indexed verifier, address by);

    /// @notice Longest messaging key accepted (an uncompressed secp256k1 key is 65 bytes).
    uint256 public constant MAX_KEY_LENGTH = 65;

    mapping(address => Profile) private _profiles;
    /// @notice Verifiers appointed by the owner.
    mapping(address => bool) public isVerifier;
    /// @notice When `verifier` attested `claimHash` about `subject` (0 = not attested or revoked).
    mapping(address => mapping(bytes32 => mapping(address => uint64))) public attestedAt;

    constructor(address admin) Owned(admin) {}

    // ---------------------------------------------------------------- profiles

    /// @notice Publish or replace the caller's profile.
    function setProfile(bytes calldata messagingKey, bytes32 profileHash) external {
        if (messagingKey.length > MAX_KEY_LENGTH) revert KeyTooLong(messagingKey.length);
        _profiles[msg.sender] = Profile(messagingKey, profileHash, uint64(block.timestamp));
        emit ProfileSet(msg.sender, messagingKey, profileHash);
    }

    /// @notice Remove the caller's profile.
    function clearProfile() external {
        delete _profiles[msg.sender];
        emit ProfileCleared(msg.sender);
    }

    function profileOf(address account) external view returns (Profile memory) {
        return _profiles[account];
    }

    // ---------------------------------------------------------------- verifiers and claims

    /// @notice Owner: appoint or dismiss a verifier. A dismissed verifier's attestations stop counting.
    function setVerifier(address verifier, bool appointed) external onlyOwner {
        if (verifier == address(0)) revert ZeroAddress();
        isVerifier[verifier] = appointed;
        emit VerifierSet(verifier, appointed);
    }

    /// @notice Verifier: attest `claimHash` about `subject`.
    function attest(address subject, bytes32 claimHash) external {
        if (!isVerifier[msg.sender]) revert NotVerifier(msg.sender);
        if (subject == address(0)) revert ZeroAddress();
        if (attestedAt[subject][claimHash][msg.sender] != 0) revert AlreadyAttested(subject, claimHash, msg.sender);
        attestedAt[subject][claimHash][msg.sender] = uint64(block.timestamp);
        emit Attested(subject, claimHash, msg.sender);
    }

    /// @notice Revoke an attestation: by the verifier that made it (even after dismissal) or by the owner.
    function revoke(address subject, bytes32 claimHash, address verifier) external {
        if (msg.sender != verifier && msg.sender != owner) revert NotAllowed(msg.sender);
        if (attestedAt[subject][claimHash][verifier] == 0) revert NotAttested(subject, claimHash, verifier);
        delete attestedAt[subject][claimHash][verifier];
        emit Revoked(subject, claimHash, verifier, msg.sender);
    }

    /// @notice Whether `verifier` attests `claimHash` about `subject` and is still appointed.
    function isVerified(address subject, bytes32 claimHash, address verifier) external view returns (bool) {
        return isVerifier[verifier] && attestedAt[subject][claimHash][verifier] != 0;
    }
}
