// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Escrow} from "./Escrow.sol";

/// @title Reputation: after an order ends, its buyer and its seller may each rate the other once.
/// @notice A rating is a score from 1 to 5 and the hash of an off-chain comment. Scores are kept per
///         address and per role (as seller, as buyer); counts, sums and averages are readable on chain.
///         An order can be rated once it is final in the {Escrow}: Completed, Refunded or Resolved (a buyer
///         who was refunded may still rate the seller's service). Only the order's two parties can rate.
contract Reputation {
    /// @notice Rating totals of one address in one role.
    struct Stats {
        uint64 count;
        uint64 sum; // sum of scores
    }

    error NotParty(uint256 orderId, address caller);
    error OrderNotFinished(uint256 orderId, Escrow.State state);
    error AlreadyRated(uint256 orderId, address rater);
    error InvalidScore(uint8 score);

    /// @param asSeller true when `subject` was the order's seller (rated by its buyer).
    event Rated(
        uint256 indexed orderId,
        address indexed rater,
        address indexed subject,
        bool asSeller,
        uint8 score,
        bytes32 commentHash
    );

    /// @notice The escrow whose orders can be rated.
    Escrow public immutable escrow;
    /// @notice Ratings received by an address as a seller.
    mapping(address => Stats) public sellerStats;
    /// @notice Ratings received by an address as a buyer.
    mapping(address => Stats) public buyerStats;
    /// @notice The score `rater` gave for `orderId` (0 = not rated).
    mapping(uint256 => mapping(address => uint8)) public scoreOf;

    constructor(Escrow escrow_) {
        escrow = escrow_;
    }

    /// @notice Rate the other party of a finished order: the buyer rates the seller and vice versa.
    /// @param score 1 (worst) to 5 (best).
    /// @param commentHash hash of an off-chain comment (zero for none).
    function rate(uint256 orderId, uint8 score, bytes32 commentHash) external {
        if (score < 1 || score > 5) revert InvalidScore(score);
        (address buyer, address seller, Escrow.State state) = escrow.partiesOf(orderId);
        bool byBuyer = msg.sender == buyer;
        if (!byBuyer && msg.sender != seller) revert NotParty(orderId, msg.sender);
        if (state != Escrow.State.Completed && state != Escrow.State.Refunded && state != Escrow.State.Resolved) {
            revert OrderNotFinished(orderId, state);
        }
        if (scoreOf[orderId][msg.sender] != 0) revert AlreadyRated(orderId, msg.sender);
        scoreOf[orderId][msg.sender] = score;
        address subject = byBuyer ? seller : buyer;
        Stats storage s = byBuyer ? sellerStats[subject] : buyerStats[subject];
        s.count += 1;
        s.sum += score;
        emit Rated(orderId, msg.sender, subject, byBuyer, score, commentHash);
    }

    /// @notice Average score received as a seller, times 100 (e.g. 467 = 4.67); 0 with no ratings.
    function sellerAverageX100(address account) external view returns (uint256) {
        return _avg(sellerStats[account]);
    }

    /// @notice Average score received as a buyer, times 100; 0 with no ratings.
    function buyerAverageX100(address account) external view returns (uint256) {
        return _avg(buyerStats[account]);
    }

    /// @notice All ratings received in both roles: count and average times 100.
    function overall(address account) external view returns (uint256 count, uint256 averageX100) {
        Stats memory a = sellerStats[account];
        Stats memory b = buyerStats[account];
        count = uint256(a.count) + b.count;
        averageX100 = count == 0 ? 0 : (uint256(a.sum) + b.sum) * 100 / count;
    }

    function _avg(Stats memory s) private pure returns (uint256) {
        return s.count == 0 ? 0 : uint256(s.sum) * 100 / s.count;
    }
}
