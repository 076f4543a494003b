// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IEscrow: the part of {Escrow} a marketplace uses to open orders.
interface IEscrow {
    /// @notice Terms of a new order, fixed when it is opened.
    struct OrderTerms {
        address buyer;
        address seller;
        address token; // address(0) = CMT
        uint256 amount; // everything the buyer paid: price * quantity + shipping
        address feeRecipient;
        uint16 feeBps; // taken from what the seller receives
        uint32 shipWindow; // seconds the seller has to mark the order shipped
        uint32 deliveryWindow; // seconds after shipping during which the buyer may dispute
        uint256 listingId;
    }

    /// @notice Open an escrowed order. CMT orders send `amount` as value; token orders must have moved
    ///         `amount` tokens to the escrow beforehand.
    function openOrder(OrderTerms calldata terms) external payable returns (uint256 orderId);

    function MIN_WINDOW() external view returns (uint32);
    function MAX_WINDOW() external view returns (uint32);
    function MAX_FEE_BPS() external view returns (uint16);
}
