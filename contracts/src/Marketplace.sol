// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEscrow} from "./interfaces/IEscrow.sol";
import {IERC20} from "./interfaces/IERC20.sol";
import {Owned} from "./lib/Owned.sol";
import {ReentrancyGuard} from "./lib/ReentrancyGuard.sol";
import {SafeTransfer} from "./lib/SafeTransfer.sol";

/// @title Marketplace: listings that any number of buyers can buy from, each purchase an escrowed order.
/// @notice A seller lists an item (metadata URI + content hash, unit price in CMT or an ERC-20, quantity,
///         optional shipping regions), and may update, pause, resume and close it. A buyer buys one or more
///         units, paying `unitPrice * quantity + shipping(region)`; the money goes straight to the {Escrow}
///         as a new order. The marketplace never holds funds.
/// @dev Listing states: Active <-> Paused; Active/Paused -> Closed (final). A listing with quantity 0 is
///      sold out until the seller restocks it with {updateListing}. Shipping is a flat cost per order for
///      the chosen region; a listing with no regions ships nowhere (or is picked up / digital) and is bought
///      with region `bytes32(0)` at no shipping cost.
contract Marketplace is Owned, ReentrancyGuard {
    using SafeTransfer for address;

    enum Status {
        None,
        Active,
        Paused,
        Closed
    }

    /// @notice A listing. `quantity` is what is left to sell.
    struct Listing {
        address seller;
        Status status;
        uint32 shipWindow;
        uint32 deliveryWindow;
        uint32 regionCount;
        address token; // address(0) = CMT
        uint64 quantity;
        uint256 unitPrice;
        bytes32 contentHash;
        string metadataURI;
    }

    /// @notice What a seller gives to {createListing}.
    struct ListingInput {
        address token;
        uint256 unitPrice;
        uint64 quantity;
        uint32 shipWindow; // seconds to ship after a purchase
        uint32 deliveryWindow; // seconds after shipping during which the buyer may dispute
        string metadataURI;
        bytes32 contentHash;
    }

    /// @notice A shipping region (e.g. bytes32("EU")) and its flat cost per order, in the listing's token.
    struct RegionInput {
        bytes32 region;
        uint256 cost;
    }

    struct Shipping {
        bool offered;
        uint256 cost;
    }

    // ---------------------------------------------------------------- errors

    error NotSeller(uint256 listingId, address caller);
    error UnknownListing(uint256 listingId);
    error WrongStatus(uint256 listingId, Status status);
    error ZeroPrice();
    error ZeroQuantity();
    error InvalidWindow(uint32 window);
    error NotAToken(address token);
    error InvalidRegion(bytes32 region);
    error RegionNotOffered(uint256 listingId, bytes32 region);
    error NotEnoughStock(uint256 listingId, uint64 available, uint64 wanted);
    error SelfPurchase();
    /// @notice The price changed since the buyer looked: `expected` was quoted, `actual` is due.
    error PriceChanged(uint256 expected, uint256 actual);
    error WrongValue(uint256 expected, uint256 sent);
    error FeeTooHigh(uint16 feeBps, uint16 max);
    /// @notice The token moved fewer tokens than requested (fee-on-transfer tokens are not supported).
    error TokenShortfall(address token, uint256 expected, uint256 received);

    // ---------------------------------------------------------------- events

    event ListingCreated(
        uint256 indexed listingId,
        address indexed seller,
        address indexed token,
        uint256 unitPrice,
        uint64 quantity,
        uint32 shipWindow,
        uint32 deliveryWindow,
        string metadataURI,
        bytes32 contentHash
    );
    event ListingUpdated(
        uint256 indexed listingId, uint256 unitPrice, uint64 quantity, string metadataURI, bytes32 contentHash
    );
    event ShippingRegionSet(uint256 indexed listingId, bytes32 indexed region, uint256 cost, bool offered);
    event ListingPaused(uint256 indexed listingId);
    event ListingResumed(uint256 indexed listingId);
    event ListingClosed(uint256 indexed listingId);
    event Purchased(
        uint256 indexed listingId,
        uint256 indexed orderId,
        address indexed buyer,
        uint64 quantity,
        bytes32 region,
        uint256 total
    );
    event FeeSet(address indexed feeRecipient, uint16 feeBps);

    // ---------------------------------------------------------------- storage

    /// @notice The escrow that holds every order's funds.
    IEscrow public immutable escrow;
    /// @notice Receives the marketplace fee of orders opened while it is set.
    address public feeRecipient;
    /// @notice Marketplace fee in basis points of what the seller receives (at most `escrow.MAX_FEE_BPS()`).
    uint16 public feeBps;
    /// @notice Number of listings; listing ids run from 1.
    uint256 public listingCount;
    mapping(uint256 => Listing) private _listings;
    mapping(uint256 => mapping(bytes32 => Shipping)) private _shipping;

    constructor(IEscrow escrow_, address initialOwner, address feeRecipient_, uint16 feeBps_) Owned(initialOwner) {
        if (address(escrow_) == address(0)) revert ZeroAddress();
        escrow = escrow_;
        _setFee(feeRecipient_, feeBps_);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Owner: set the fee for orders opened from now on (open orders keep theirs).
    function setFee(address feeRecipient_, uint16 feeBps_) external onlyOwner {
        _setFee(feeRecipient_, feeBps_);
    }

    // ---------------------------------------------------------------- seller

    /// @notice List an item; the caller is its seller. Returns the new listing id.
    function createListing(ListingInput calldata input, RegionInput[] calldata regions)
        external
        returns (uint256 listingId)
    {
        if (input.unitPrice == 0) revert ZeroPrice();
        if (input.quantity == 0) revert ZeroQuantity();
        _checkWindow(input.shipWindow);
        _checkWindow(input.deliveryWindow);
        if (input.token != address(0) && input.token.code.length == 0) revert NotAToken(input.token);
        listingId = ++listingCount;
        Listing storage l = _listings[listingId];
        l.seller = msg.sender;
        l.status = Status.Active;
        l.shipWindow = input.shipWindow;
        l.deliveryWindow = input.deliveryWindow;
        l.token = input.token;
        l.quantity = input.quantity;
        l.unitPrice = input.unitPrice;
        l.contentHash = input.contentHash;
        l.metadataURI = input.metadataURI;
        emit ListingCreated(
            listingId,
            msg.sender,
            input.token,
            input.unitPrice,
            input.quantity,
            input.shipWindow,
            input.deliveryWindow,
            input.metadataURI,
            input.contentHash
        );
        for (uint256 i; i < regions.length; ++i) {
            _setRegion(listingId, l, regions[i].region, regions[i].cost, true);
        }
    }

    /// @notice Seller: change price, remaining quantity (0 = sold out) and metadata of an open listing.
    ///         Orders already opened keep their price.
    function updateListing(
        uint256 listingId,
        uint256 unitPrice,
        uint64 quantity,
        string calldata metadataURI,
        bytes32 contentHash
    ) external {
        Listing storage l = _open(listingId);
        if (unitPrice == 0) revert ZeroPrice();
        l.unitPrice = unitPrice;
        l.quantity = quantity;
        l.metadataURI = metadataURI;
        l.contentHash = contentHash;
        emit ListingUpdated(listingId, unitPrice, quantity, metadataURI, contentHash);
    }

    /// @notice Seller: offer `region` at `cost` per order, or withdraw it (`offered` false).
    function setShippingRegion(uint256 listingId, bytes32 region, uint256 cost, bool offered) external {
        Listing storage l = _open(listingId);
        _setRegion(listingId, l, region, cost, offered);
    }

    /// @notice Seller: stop sales of an active listing for now.
    function pause(uint256 listingId) external {
        Listing storage l = _open(listingId);
        if (l.status != Status.Active) revert WrongStatus(listingId, l.status);
        l.status = Status.Paused;
        emit ListingPaused(listingId);
    }

    /// @notice Seller: resume sales of a paused listing.
    function resume(uint256 listingId) external {
        Listing storage l = _open(listingId);
        if (l.status != Status.Paused) revert WrongStatus(listingId, l.status);
        l.status = Status.Active;
        emit ListingResumed(listingId);
    }

    /// @notice Seller: close a listing for good. Its open orders are unaffected.
    function close(uint256 listingId) external {
        Listing storage l = _open(listingId);
        l.status = Status.Closed;
        emit ListingClosed(listingId);
    }

    // ---------------------------------------------------------------- buyer

    /// @notice Buy `quantity` units shipped to `region` (bytes32(0) when the listing has no regions).
    ///         `expectedTotal` must equal {quote}: it protects the buyer from a price change in between.
    ///         CMT listings: send exactly the total as value. Token listings: approve this contract first.
    /// @return orderId The escrow order that now holds the payment.
    function buy(uint256 listingId, uint64 quantity, bytes32 region, uint256 expectedTotal)
        external
        payable
        nonReentrant
        returns (uint256 orderId)
    {
        Listing storage l = _listings[listingId];
        if (l.status != Status.Active) {
            if (l.status == Status.None) revert UnknownListing(listingId);
            revert WrongStatus(listingId, l.status);
        }
        if (msg.sender == l.seller) revert SelfPurchase();
        if (quantity == 0) revert ZeroQuantity();
        if (quantity > l.quantity) revert NotEnoughStock(listingId, l.quantity, quantity);
        uint256 total = _total(listingId, l, quantity, region);
        if (total != expectedTotal) revert PriceChanged(expectedTotal, total);
        address token = l.token;

        l.quantity -= quantity;

        IEscrow.OrderTerms memory terms = IEscrow.OrderTerms({
            buyer: msg.sender,
            seller: l.seller,
            token: token,
            amount: total,
            feeRecipient: feeRecipient,
            feeBps: feeBps,
            shipWindow: l.shipWindow,
            deliveryWindow: l.deliveryWindow,
            listingId: listingId
        });
        if (token == address(0)) {
            if (msg.value != total) revert WrongValue(total, msg.value);
            orderId = escrow.openOrder{value: total}(terms);
        } else {
            if (msg.value != 0) revert WrongValue(0, msg.value);
            uint256 before = IERC20(token).balanceOf(address(escrow));
            token.safeTransferFrom(msg.sender, address(escrow), total);
            uint256 received = IERC20(token).balanceOf(address(escrow)) - before;
            if (received != total) revert TokenShortfall(token, total, received);
            orderId = escrow.openOrder(terms);
        }
        emit Purchased(listingId, orderId, msg.sender, quantity, region, total);
    }

    // ---------------------------------------------------------------- views

    /// @notice What {buy} of `quantity` units to `region` costs now (reverts if the region is not offered).
    function quote(uint256 listingId, uint64 quantity, bytes32 region) external view returns (uint256) {
        Listing storage l = _listings[listingId];
        if (l.status == Status.None) revert UnknownListing(listingId);
        return _total(listingId, l, quantity, region);
    }

    function getListing(uint256 listingId) external view returns (Listing memory) {
        return _listings[listingId];
    }

    /// @notice Whether `region` is offered by the listing, and its cost.
    function shipping(uint256 listingId, bytes32 region) external view returns (bool offered, uint256 cost) {
        Shipping storage s = _shipping[listingId][region];
        return (s.offered, s.cost);
    }

    // ---------------------------------------------------------------- internals

    function _total(uint256 listingId, Listing storage l, uint64 quantity, bytes32 region)
        private
        view
        returns (uint256)
    {
        uint256 cost;
        if (l.regionCount == 0) {
            if (region != bytes32(0)) revert RegionNotOffered(listingId, region);
        } else {
            Shipping storage s = _shipping[listingId][region];
            if (!s.offered) revert RegionNotOffered(listingId, region);
            cost = s.cost;
        }
        return l.unitPrice * quantity + cost;
    }

    /// @dev The listing exists, is not closed, and the caller is its seller.
    function _open(uint256 listingId) private view returns (Listing storage l) {
        l = _listings[listingId];
        if (l.status == Status.None) revert UnknownListing(listingId);
        if (msg.sender != l.seller) revert NotSeller(listingId, msg.sender);
        if (l.status == Status.Closed) revert WrongStatus(listingId, Status.Closed);
    }

    function _setRegion(uint256 listingId, Listing storage l, bytes32 region, uint256 cost, bool offered) private {
        if (region == bytes32(0)) revert InvalidRegion(region);
        Shipping storage s = _shipping[listingId][region];
        if (offered && !s.offered) l.regionCount += 1;
        else if (!offered && s.offered) l.regionCount -= 1;
        s.offered = offered;
        s.cost = offered ? cost : 0;
        emit ShippingRegionSet(listingId, region, s.cost, offered);
    }

    function _checkWindow(uint32 window) private view {
        if (window < escrow.MIN_WINDOW() || window > escrow.MAX_WINDOW()) revert InvalidWindow(window);
    }

    function _setFee(address feeRecipient_, uint16 feeBps_) private {
        uint16 max = escrow.MAX_FEE_BPS();
        if (feeBps_ > max) revert FeeTooHigh(feeBps_, max);
        if (feeBps_ != 0 && feeRecipient_ == address(0)) revert ZeroAddress();
        feeRecipient = feeRecipient_;
        feeBps = feeBps_;
        emit FeeSet(feeRecipient_, feeBps_);
    }
}
