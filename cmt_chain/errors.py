"""Domain errors, one class per failure, with go-ethereum's messages.

Wallets and libraries match on these strings (`nonce too low`, `already known`, ...), so the
text is part of the interface. Raised by execution, txpool and chain; `rpc/errors.py` maps each
class to a JSON-RPC code in one table.
"""

from __future__ import annotations


class ChainError(Exception):
    """Base class of every error the node reports to a client."""

    message = "internal error"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(f"{self.message}: {detail}" if detail else self.message)

    def __reduce__(self) -> tuple:
        # Rebuild from the detail alone, so errors cross to and from the executor process.
        return type(self), (self.detail,)


class DataDirError(ChainError):
    """Raised when the data folder cannot serve this config: in use, or another chain's."""

    message = "data folder unusable"


class GenesisFileError(ChainError):
    """Raised when a geth-format genesis.json is malformed or asks for rules py-evm lacks."""

    message = "bad genesis file"


class GenesisDeployFailed(ChainError):
    """Raised when a contract preloaded at genesis fails to deploy or link (bad template config)."""

    message = "genesis contract deployment failed"

    def __init__(self, step: str, reason: str = "") -> None:
        super().__init__(f"{step}: {reason}" if reason else step)


class TxRejected(ChainError):
    """Raised when a transaction is refused before it reaches the pool (geth code -32000)."""


class InvalidTransactionEncoding(TxRejected):
    """Raised when raw transaction bytes are not a valid RLP transaction of a known type.

    The detail is the whole message, worded as geth's decoder words it ("rlp: ...").
    """

    message = "invalid transaction"

    def __str__(self) -> str:
        return self.detail or self.message


class InvalidSender(TxRejected):
    """Raised when a transaction's signature does not recover to an address."""

    message = "invalid sender"


class InvalidBlobSidecar(TxRejected):
    """Raised when a blob transaction's blobs, commitments or proofs do not match its hashes."""

    message = "invalid blob sidecar"


class InvalidChainId(TxRejected):
    """Raised when a transaction is signed for another chain id."""

    message = "invalid chain id for signer"


class UnprotectedTransaction(TxRejected):
    """Raised when a legacy transaction without EIP-155 replay protection is sent."""

    message = "only replay-protected (EIP-155) transactions allowed over RPC"


class NonceTooLow(TxRejected):
    """Raised when the nonce is below the sender's account nonce."""

    message = "nonce too low"


class NonceTooHigh(TxRejected):
    """Raised when a call's nonce is above the sender's account nonce."""

    message = "nonce too high"


class AlreadyKnown(TxRejected):
    """Raised when the exact transaction is already in the pool."""

    message = "already known"


class ReplacementUnderpriced(TxRejected):
    """Raised when a same-nonce replacement does not pay the required price bump."""

    message = "replacement transaction underpriced"


class InsufficientFunds(TxRejected):
    """Raised when the sender cannot pay gas * price + value."""

    message = "insufficient funds for gas * price + value"


class IntrinsicGasTooLow(TxRejected):
    """Raised when the gas limit is below the transaction's intrinsic gas."""

    message = "intrinsic gas too low"


class GasLimitExceeded(TxRejected):
    """Raised when a transaction's gas limit exceeds the block gas limit."""

    message = "exceeds block gas limit"


class Underpriced(TxRejected):
    """Raised when the gas price is below the node's minimum gas price."""

    message = "transaction underpriced"


class FreeLaneGasTooHigh(Underpriced):
    """Raised when a transaction priced below the minimum asks for more gas than the free lane
    allows (still geth's "transaction underpriced", with the lane's limit in the detail)."""


class FeeCapTooLow(TxRejected):
    """Raised when max fee per gas is below the base fee of the next block."""

    message = "max fee per gas less than block base fee"


class TipAboveFeeCap(TxRejected):
    """Raised when max priority fee per gas exceeds max fee per gas."""

    message = "max priority fee per gas higher than max fee per gas"


class OversizedData(TxRejected):
    """Raised when a transaction's encoding exceeds the pool's size limit."""

    message = "oversized data"




class FreeLaneFull(TxRejected):
    """Raised (to the block builder) when a block has no free-lane slot left."""

    message = "free lane: no low-price slot left in this block"


class FreeLanePairUsed(TxRejected):
    """Raised (to the block builder) when a sender already sent a low-price transaction to the
    same recipient in this block."""

    message = "free lane: one low-price transaction per sender and recipient per block"


class SponsorDepositTooLow(TxRejected):
    """Raised (to the block builder) when a sponsor's deposit cannot pay a sponsored call."""

    message = "sponsor's deposit too low"


class SponsorRateLimited(TxRejected):
    """Raised (to the block builder) when a sender has used up its sponsored calls for now."""

    message = "sponsored calls rate limit reached for this sender"


class TxPoolFull(TxRejected):
    """Raised when the pool is full and the transaction is not better than the cheapest."""

    message = "txpool is full"


class AccountLimitExceeded(TxRejected):
    """Raised when a sender already holds the maximum number of pooled transactions."""

    message = "account limit exceeded"


class UnsupportedTxType(TxRejected):
    """Raised when a transaction type is not accepted by this chain (for example blob txs)."""

    message = "transaction type not supported"


class GasUintOverflow(TxRejected):
    """Raised when gas * price overflows 256 bits."""

    message = "gas uint64 overflow"


class ExecutionReverted(ChainError):
    """Raised when a call reverts; carries the revert data (geth code 3)."""

    message = "execution reverted"

    def __init__(self, data: bytes, reason: str | None) -> None:
        self.data = data
        self.reason = reason
        super().__init__(reason or "")

    def __reduce__(self) -> tuple:
        return type(self), (self.data, self.reason)


class ExecutionFailed(ChainError):
    """Raised when a call fails for a reason other than revert (out of gas, bad opcode)."""

    message = "execution failed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.args = (detail,)

    def __str__(self) -> str:
        return self.detail


class GasRequiredExceedsAllowance(ChainError):
    """Raised when estimation cannot find a gas limit within the allowance."""

    message = "gas required exceeds allowance"


class CallTimeout(ChainError):
    """Raised when eth_call or eth_estimateGas runs past the configured time limit."""

    message = "execution aborted"

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def __reduce__(self) -> tuple:
        return type(self), (self.seconds,)

    def __str__(self) -> str:
        return f"{self.message} (timeout = {self.seconds:g}s)"


class UnknownBlock(ChainError):
    """Raised when a block named by tag or number does not exist."""

    message = "header not found"


class UnknownBlockHash(UnknownBlock):
    """Raised when a block named by hash does not exist."""

    message = "header for hash not found"


class UnknownLogBlock(UnknownBlock):
    """Raised when eth_getLogs names a block hash that does not exist."""

    message = "unknown block"


class UnknownAccount(ChainError):
    """Raised when a signing method names an account this node holds no key for."""

    message = "unknown account"


class InvalidBlock(ChainError):
    """Raised when a block fails import checks (seal, roots, gas, parent)."""

    message = "invalid block"


class FilterNotFound(ChainError):
    """Raised when a filter id is unknown or expired."""

    message = "filter not found"


class SubscriptionNotFound(ChainError):
    """Raised when eth_unsubscribe names a subscription this connection does not have."""

    message = "subscription not found"


class DataInputConflict(ChainError):
    """Raised when a transaction to send sets both `data` and `input`, differently."""

    message = ('both "data" and "input" are set and not equal. Please use "input" to pass '
               "transaction call data")


class QueryLimitExceeded(ChainError):
    """Raised when a log query would return or scan more than the node allows."""

    message = "query exceeds limit"


class InvalidBlockRange(ChainError):
    """Raised when a log query's fromBlock is after its toBlock (an invalid-params error)."""

    message = "invalid block range params"


class BlockRangeBeyondHead(InvalidBlockRange):
    """Raised when a log query names a block after the head (an invalid-params error)."""

    message = "block range extends beyond current head block"


class TraceFailed(ChainError):
    """Raised when a trace cannot be given: past its timeout ("execution timeout"), or the
    transaction or block to trace is unknown; the detail is geth's whole message."""

    message = "trace failed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.args = (detail,)

    def __str__(self) -> str:
        return self.detail


class StakingError(ChainError):
    """Raised when a staking operation breaks a DPoS rule; the detail says which."""

    message = "staking"

    def __str__(self) -> str:
        return self.detail or self.message


class SponsorshipError(ChainError):
    """Raised when a sponsorship operation breaks a rule; the detail says which."""

    message = "sponsorship"

    def __str__(self) -> str:
        return self.detail or self.message


# --- eth_simulateV1 (geth's codes in rpc/errors.py) ----------------------------------------


class SimulationError(ChainError):
    """Base of the errors that stop an eth_simulateV1 request as a whole."""

    message = "simulation failed"

    def __str__(self) -> str:
        return self.detail or self.message


class SimBlockNumberOrder(SimulationError):
    """Raised when a simulated block's number is not above the one before it."""

    message = "block numbers must be in order"


class SimTimestampOrder(SimulationError):
    """Raised when a simulated block's timestamp is not above the one before it."""

    message = "block timestamps must be in order"


class SimTooManyBlocks(SimulationError):
    """Raised when a simulation asks for more than 256 blocks after its base."""

    message = "too many blocks"


class SimTooManyCalls(SimulationError):
    """Raised when a simulation holds more calls than geth serves (per block or in all)."""

    message = "too many calls"


class SimBlockGasLimitReached(SimulationError):
    """Raised when a simulated call asks for more gas than its block has left."""

    message = "block gas limit reached"


class SimEmptyInput(SimulationError):
    """Raised when eth_simulateV1 is given no blocks."""

    message = "empty input"


class NotAPrecompile(SimulationError):
    """Raised when movePrecompileToAddress names an account that is not a precompile."""

    message = "not a precompile"


class PrecompileMovedTwice(SimulationError):
    """Raised when a simulated block overrides an account a precompile was moved to."""

    message = "account has already been overridden by a precompile"


class SimInvalidTransaction(SimulationError):
    """Raised when a simulated call is not a valid transaction (geth's -32603 by default);
    the subclasses carry the failure geth gives its own code."""

    message = "invalid transaction"


class SimNonceTooLow(SimInvalidTransaction):
    """Raised when a validated simulated call's nonce is below the sender's."""

    message = "nonce too low"


class SimNonceTooHigh(SimInvalidTransaction):
    """Raised when a validated simulated call's nonce is above the sender's."""

    message = "nonce too high"


class SimFeeCapTooLow(SimInvalidTransaction):
    """Raised when a simulated call's fee cap is below its block's base fee."""

    message = "max fee per gas less than block base fee"


class SimIntrinsicGas(SimInvalidTransaction):
    """Raised when a simulated call's gas is below its intrinsic cost."""

    message = "intrinsic gas too low"


class SimInsufficientFunds(SimInvalidTransaction):
    """Raised when a simulated call's sender cannot pay gas * price + value."""

    message = "insufficient funds for gas * price + value"


class SimTipAboveFeeCap(SimInvalidTransaction):
    """Raised when a simulated call's priority fee is above its fee cap."""

    message = "max priority fee per gas higher than max fee per gas"
