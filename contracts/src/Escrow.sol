// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEscrow} from "./interfaces/IEscrow.sol";
import {IERC20} from "./interfaces/IERC20.sol";
import {IDisputeResolver} from "./interfaces/IDisputeResolver.sol";
import {Owned} from "./lib/Owned.sol";
import {ReentrancyGuard} from "./lib/ReentrancyGuard.sol";
import {SafeTransfer} from "./lib/SafeTransfer.sol";

/// @title Escrow: holds the money of every marketplace order until it is delivered, refunded or arbitrated.
/// @notice One contract holds all orders, each with its own balance, in CMT or in an ERC-20 token.
///
/// Order states and their exits (no state can hold funds forever):
/// - `Paid`: the buyer has paid. Exits: the seller {markShipped} (-> Shipped); the seller {refund}s
///   (-> Refunded); the buyer {confirmDelivery} (-> Completed, e.g. collected in person); once the ship-by
///   deadline has passed without shipping, the buyer {cancelUnshipped} (-> Refunded).
/// - `Shipped`: the seller marked it shipped. Exits: the buyer {confirmDelivery} (-> Completed); the seller
///   {refund}s (-> Refunded); the buyer {openDispute}s before the delivery deadline (-> Disputed); after the
///   delivery deadline anyone may {claim} for the seller (-> Completed).
/// - `Disputed`: the buyer disputed. Exits: the order's resolver calls {resolve} (-> Resolved); the seller
///   {refund}s (-> Refunded); the buyer {confirmDelivery} (-> Completed); after `DISPUTE_TIMEOUT` without a
///   decision anyone may call {resolveTimedOut}, which splits the order 50/50 (-> Resolved).
/// - `Completed`, `Refunded`, `Resolved`: final; the order holds nothing.
///
/// Payments are pushed (CMT with a bounded gas stipend, tokens by `transfer`); a payment that fails is kept
/// as a credit its owner can {withdraw}, so no recipient can block another party's exit. Hence at all times
/// `balance(token) == held[token] + owed[token]`, and `owed` stays zero while recipients accept payments.
///
/// The marketplace fee (basis points, snapshotted per order) is taken only from what the seller receives.
contract Escrow is IEscrow, Owned, ReentrancyGuard {
    using SafeTransfer for address;

    /// @notice Life cycle of an order; see the contract notice for each state's exits.
    enum State {
        None,
        Paid,
        Shipped,
        Disputed,
        Completed,
        Refunded,
        Resolved
    }

    /// @notice A resolver's decision.
    enum Outcome {
        Refund, // everything back to the buyer
        Release, // everything to the seller (minus the fee)
        Split // sellerBps of the amount to the seller (minus the fee), the rest to the buyer
    }

    /// @notice An order and its escrowed funds.
    struct Order {
        address buyer;
        uint64 deadline; // Paid: ship-by; Shipped: dispute-by; Disputed: resolve-by
        State state;
        address seller;
        uint32 shipWindow;
        uint32 deliveryWindow;
        address token;
        uint16 feeBps;
        address feeRecipient;
        address resolver; // set when a dispute is opened
        uint256 amount;
        uint256 listingId;
    }

    // ---------------------------------------------------------------- errors

    error NotMarket(address caller);
    error NotBuyer(uint256 orderId, address caller);
    error NotSeller(uint256 orderId, address caller);
    error NotResolver(uint256 orderId, address caller);
    /// @notice The order is not in a state that allows this action.
    error WrongState(uint256 orderId, State state);
    /// @notice A deadline has not passed yet (`deadline` is when it will).
    error TooEarly(uint256 orderId, uint64 deadline);
    /// @notice The dispute window closed at `deadline`.
    error TooLate(uint256 orderId, uint64 deadline);
    error InvalidTerms();
    error WrongValue(uint256 expected, uint256 sent);
    /// @notice The escrow did not receive the tokens of a token order before it was opened.
    error TokensNotReceived(address token, uint256 expected, uint256 available);
    error NoResolver();
    error InvalidSplit(uint16 sellerBps);
    error NothingToWithdraw(address token, address account);
    error TransferFailed(address token, address to, uint256 amount);

    // ---------------------------------------------------------------- events

    event MarketSet(address indexed market, bool allowed);
    event ResolverSet(address indexed resolver);
    event OrderOpened(
        uint256 indexed orderId,
        uint256 indexed listingId,
        address indexed buyer,
        address seller,
        address token,
        uint256 amount,
        address feeRecipient,
        uint16 feeBps,
        uint64 shipBy
    );
    event OrderShipped(uint256 indexed orderId, bytes32 trackingHash, uint64 disputeBy);
    /// @notice The seller was paid `sellerAmount` and the fee recipient `fee` (`amount` = their sum).
    event OrderCompleted(uint256 indexed orderId, address indexed by, uint256 sellerAmount, uint256 fee);
    event OrderRefunded(uint256 indexed orderId, address indexed by, uint256 amount);
    event DisputeOpened(uint256 indexed orderId, address indexed resolver, bytes32 reasonHash, uint64 resolveBy);
    event DisputeResolved(
        uint256 indexed orderId,
        Outcome outcome,
        uint16 sellerBps,
        uint256 buyerAmount,
        uint256 sellerAmount,
        uint256 fee,
        bool timedOut
    );
    /// @notice A push payment failed; `to` can {withdraw} it.
    event PaymentDeferred(address indexed token, address indexed to, uint256 amount);
    event Withdrawn(address indexed token, address indexed to, uint256 amount);

    // ---------------------------------------------------------------- constants

    uint16 public constant BPS = 10_000;
    /// @notice Highest marketplace fee an order accepts (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;
    uint32 public constant MIN_WINDOW = 1 hours;
    uint32 public constant MAX_WINDOW = 365 days;
    /// @notice Time a resolver has to decide before anyone may split the order 50/50.
    uint32 public constant DISPUTE_TIMEOUT = 60 days;
    /// @notice Gas forwarded with a CMT push payment; enough for smart wallets, too little to do harm.
    uint256 public constant PUSH_GAS = 50_000;
    /// @notice Gas forwarded with the best-effort {IDisputeResolver.onDisputeClosed} notice.
    uint256 public constant NOTIFY_GAS = 100_000;

    // ---------------------------------------------------------------- storage

    /// @notice Contracts allowed to open orders (the marketplace).
    mapping(address => bool) public isMarket;
    /// @notice Resolver given to disputes opened from now on; zero disables new disputes.
    address public resolver;
    /// @notice Number of orders opened; order ids run from 1.
    uint256 public orderCount;
    mapping(uint256 => Order) private _orders;
    /// @notice Funds held for open orders, per token (address(0) = CMT).
    mapping(address => uint256) public held;
    /// @notice Deferred payments, per token, not yet withdrawn.
    mapping(address => uint256) public owed;
    /// @notice Deferred payments per token and account.
    mapping(address => mapping(address => uint256)) public credit;

    constructor(address initialOwner) Owned(initialOwner) {}

    // ---------------------------------------------------------------- admin

    /// @notice Allow or forbid `market` to open orders.
    function setMarket(address market, bool allowed) external onlyOwner {
        if (market == address(0)) revert ZeroAddress();
        isMarket[market] = allowed;
        emit MarketSet(market, allowed);
    }

    /// @notice Set the resolver for disputes opened from now on (zero disables new disputes). Disputes
    ///         already open keep their resolver.
    function setResolver(address newResolver) external onlyOwner {
        resolver = newResolver;
        emit ResolverSet(newResolver);
    }

    // ---------------------------------------------------------------- orders

    /// @inheritdoc IEscrow
    /// @dev Only an allowed market. The new order is `Paid`, with a ship-by deadline of now + shipWindow.
    function openOrder(OrderTerms calldata t) external payable nonReentrant returns (uint256 orderId) {
        if (!isMarket[msg.sender]) revert NotMarket(msg.sender);
        if (
            t.buyer == address(0) || t.seller == address(0) || t.buyer == t.seller || t.amount == 0
                || t.feeBps > MAX_FEE_BPS || (t.feeBps != 0 && t.feeRecipient == address(0))
                || t.shipWindow < MIN_WINDOW || t.shipWindow > MAX_WINDOW || t.deliveryWindow < MIN_WINDOW
                || t.deliveryWindow > MAX_WINDOW
        ) revert InvalidTerms();
        if (t.token == address(0)) {
            if (msg.value != t.amount) revert WrongValue(t.amount, msg.value);
        } else {
            if (msg.value != 0) revert WrongValue(0, msg.value);
            uint256 available = IERC20(t.token).balanceOf(address(this)) - held[t.token] - owed[t.token];
            if (available < t.amount) revert TokensNotReceived(t.token, t.amount, available);
        }
        orderId = ++orderCount;
        uint64 shipBy = uint64(block.timestamp) + t.shipWindow;
        _orders[orderId] = Order({
            buyer: t.buyer,
            deadline: shipBy,
            state: State.Paid,
            seller: t.seller,
            shipWindow: t.shipWindow,
            deliveryWindow: t.deliveryWindow,
            token: t.token,
            feeBps: t.feeBps,
            feeRecipient: t.feeRecipient,
            resolver: address(0),
            amount: t.amount,
            listingId: t.listingId
        });
        held[t.token] += t.amount;
        emit OrderOpened(orderId, t.listingId, t.buyer, t.seller, t.token, t.amount, t.feeRecipient, t.feeBps, shipBy);
    }

    /// @notice Seller: mark a `Paid` order shipped (`trackingHash` = hash of the off-chain tracking data).
    ///         Starts the delivery window, during which the buyer may dispute.
    function markShipped(uint256 orderId, bytes32 trackingHash) external nonReentrant {
        Order storage o = _orders[orderId];
        if (msg.sender != o.seller) revert NotSeller(orderId, msg.sender);
        if (o.state != State.Paid) revert WrongState(orderId, o.state);
        uint64 disputeBy = uint64(block.timestamp) + o.deliveryWindow;
        o.state = State.Shipped;
        o.deadline = disputeBy;
        emit OrderShipped(orderId, trackingHash, disputeBy);
    }

    /// @notice Buyer: confirm delivery of a `Paid`, `Shipped` or `Disputed` order; the seller is paid
    ///         (minus the fee). Confirming a disputed order withdraws the dispute.
    function confirmDelivery(uint256 orderId) external nonReentrant {
        Order storage o = _orders[orderId];
        if (msg.sender != o.buyer) revert NotBuyer(orderId, msg.sender);
        State s = o.state;
        if (s != State.Paid && s != State.Shipped && s != State.Disputed) revert WrongState(orderId, s);
        _release(orderId, o, s);
    }

    /// @notice After the delivery window of a `Shipped` order passed without a dispute, pay the seller.
    ///         Anyone may call it (the seller usually does).
    function claim(uint256 orderId) external nonReentrant {
        Order storage o = _orders[orderId];
        if (o.state != State.Shipped) revert WrongState(orderId, o.state);
        if (block.timestamp <= o.deadline) revert TooEarly(orderId, o.deadline);
        _release(orderId, o, State.Shipped);
    }

    /// @notice Seller: refund the buyer in full, at any time before the order is released.
    function refund(uint256 orderId) external nonReentrant {
        Order storage o = _orders[orderId];
        if (msg.sender != o.seller) revert NotSeller(orderId, msg.sender);
        State s = o.state;
        if (s != State.Paid && s != State.Shipped && s != State.Disputed) revert WrongState(orderId, s);
        _refund(orderId, o, s);
    }

    /// @notice Buyer: take the money back when the seller did not ship by the ship-by deadline.
    function cancelUnshipped(uint256 orderId) external nonReentrant {
        Order storage o = _orders[orderId];
        if (msg.sender != o.buyer) revert NotBuyer(orderId, msg.sender);
        if (o.state != State.Paid) revert WrongState(orderId, o.state);
        if (block.timestamp <= o.deadline) revert TooEarly(orderId, o.deadline);
        _refund(orderId, o, State.Paid);
    }

    // ---------------------------------------------------------------- disputes

    /// @notice Buyer: dispute a `Shipped` order before its delivery window ends (`reasonHash` = hash of
    ///         the off-chain complaint). Hands the order to the current resolver.
    function openDispute(uint256 orderId, bytes32 reasonHash) external nonReentrant {
        Order storage o = _orders[orderId];
        if (msg.sender != o.buyer) revert NotBuyer(orderId, msg.sender);
        if (o.state != State.Shipped) revert WrongState(orderId, o.state);
        if (block.timestamp > o.deadline) revert TooLate(orderId, o.deadline);
        address r = resolver;
        if (r == address(0)) revert NoResolver();
        uint64 resolveBy = uint64(block.timestamp) + DISPUTE_TIMEOUT;
        o.state = State.Disputed;
        o.resolver = r;
        o.deadline = resolveBy;
        emit DisputeOpened(orderId, r, reasonHash, resolveBy);
        IDisputeResolver(r).onDisputeOpened(orderId, o.buyer, o.seller, o.token, o.amount, reasonHash);
    }

    /// @notice The order's resolver: decide a `Disputed` order. `sellerBps` is only read for `Split`
    ///         (0..10000, share of the amount for the seller; the fee is taken from that share).
    function resolve(uint256 orderId, Outcome outcome, uint16 sellerBps) external nonReentrant {
        Order storage o = _orders[orderId];
        if (msg.sender != o.resolver) revert NotResolver(orderId, msg.sender);
        if (o.state != State.Disputed) revert WrongState(orderId, o.state);
        if (outcome == Outcome.Refund) sellerBps = 0;
        else if (outcome == Outcome.Release) sellerBps = BPS;
        else if (sellerBps > BPS) revert InvalidSplit(sellerBps);
        _resolve(orderId, o, outcome, sellerBps, false);
    }

    /// @notice After `DISPUTE_TIMEOUT` without a decision, split a `Disputed` order 50/50. Anyone.
    function resolveTimedOut(uint256 orderId) external nonReentrant {
        Order storage o = _orders[orderId];
        if (o.state != State.Disputed) revert WrongState(orderId, o.state);
        if (block.timestamp <= o.deadline) revert TooEarly(orderId, o.deadline);
        _resolve(orderId, o, Outcome.Split, BPS / 2, true);
        _notifyClosed(o.resolver, orderId);
    }

    // ---------------------------------------------------------------- withdrawals

    /// @notice Withdraw payments that could not be pushed to the caller (CMT: token = address(0)).
    function withdraw(address token) external nonReentrant {
        uint256 amount = credit[token][msg.sender];
        if (amount == 0) revert NothingToWithdraw(token, msg.sender);
        credit[token][msg.sender] = 0;
        owed[token] -= amount;
        emit Withdrawn(token, msg.sender, amount);
        if (token == address(0)) {
            (bool ok,) = msg.sender.call{value: amount}("");
            if (!ok) revert TransferFailed(token, msg.sender, amount);
        } else {
            token.safeTransfer(msg.sender, amount);
        }
    }

    // ---------------------------------------------------------------- views

    /// @notice The order `orderId` (all zero if it does not exist).
    function getOrder(uint256 orderId) external view returns (Order memory) {
        return _orders[orderId];
    }

    /// @notice The state of order `orderId`.
    function stateOf(uint256 orderId) external view returns (State) {
        return _orders[orderId].state;
    }

    /// @notice Buyer and seller of order `orderId` and whether it is finished (for ratings).
    function partiesOf(uint256 orderId) external view returns (address buyer, address seller, State state) {
        Order storage o = _orders[orderId];
        return (o.buyer, o.seller, o.state);
    }

    // ---------------------------------------------------------------- internals

    function _release(uint256 orderId, Order storage o, State from) private {
        o.state = State.Completed;
        (, uint256 sellerAmount, uint256 fee) = _payout(o, BPS);
        emit OrderCompleted(orderId, msg.sender, sellerAmount, fee);
        if (from == State.Disputed) _notifyClosed(o.resolver, orderId);
    }

    function _refund(uint256 orderId, Order storage o, State from) private {
        o.state = State.Refunded;
        (uint256 buyerAmount,,) = _payout(o, 0);
        emit OrderRefunded(orderId, msg.sender, buyerAmount);
        if (from == State.Disputed) _notifyClosed(o.resolver, orderId);
    }

    function _resolve(uint256 orderId, Order storage o, Outcome outcome, uint16 sellerBps, bool timedOut) private {
        o.state = State.Resolved;
        (uint256 buyerAmount, uint256 sellerAmount, uint256 fee) = _payout(o, sellerBps);
        emit DisputeResolved(orderId, outcome, sellerBps, buyerAmount, sellerAmount, fee, timedOut);
    }

    /// @dev Splits the order's amount: sellerBps of it to the seller side, of which feeBps to the fee
    ///      recipient; the remainder (rounding included) to the buyer. The three parts sum to the amount.
    ///      The caller has already moved the order to its final state (checks-effects-interactions).
    function _payout(Order storage o, uint256 sellerBps)
        private
        returns (uint256 buyerAmount, uint256 sellerAmount, uint256 fee)
    {
        uint256 amount = o.amount;
        address token = o.token;
        uint256 sellerGross = amount * sellerBps / BPS;
        fee = sellerGross * o.feeBps / BPS;
        sellerAmount = sellerGross - fee;
        buyerAmount = amount - sellerGross;
        held[token] -= amount;
        _pay(token, o.buyer, buyerAmount);
        _pay(token, o.seller, sellerAmount);
        _pay(token, o.feeRecipient, fee);
    }

    /// @dev Push `amount` to `to`; if that fails, keep it as a credit for {withdraw}.
    function _pay(address token, address to, uint256 amount) private {
        if (amount == 0) return;
        bool ok;
        if (token == address(0)) {
            (ok,) = to.call{value: amount, gas: PUSH_GAS}("");
        } else {
            ok = token.tryTransfer(to, amount);
        }
        if (!ok) {
            credit[token][to] += amount;
            owed[token] += amount;
            emit PaymentDeferred(token, to, amount);
        }
    }

    /// @dev Best-effort notice to a resolver that its dispute ended without it; a failure is ignored so a
    ///      broken resolver cannot block an exit.
    ///      The resolver can always read the final state with {stateOf}.
    function _notifyClosed(address r, uint256 orderId) private {
        (bool ok,) = r.call{gas: NOTIFY_GAS}(abi.encodeCall(IDisputeResolver.onDisputeClosed, (orderId)));
        ok; // deliberately ignored
    }
}
