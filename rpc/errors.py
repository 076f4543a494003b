"""JSON-RPC errors: `RpcError` and the one table mapping domain errors to codes.

Codes as geth and EIP-1474: -32700 parse error, -32600 invalid request, -32601 method not found,
-32602 invalid params, -32603 internal, -32000 the domain errors (geth's messages), 3 a revert
(with the revert data), -32005 a query over its limit. `jsonrpc.py` turns any exception into an
error object here; nothing else builds one.
"""

from __future__ import annotations

from typing import Any

from cmt_chain import errors

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000
LIMIT_EXCEEDED = -32005
CLIENT_LIMIT_EXCEEDED = -38026  # geth: a request asks for more than one call may serve
REVERTED = 3


class RpcError(Exception):
    """An error to return to the client as it is."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class InvalidParams(RpcError):
    """Raised by parameter parsers; the dispatcher prefixes which argument was wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(INVALID_PARAMS, message)


# The one table: domain error class -> JSON-RPC code. The first matching entry wins.
_CODES: tuple[tuple[type[errors.ChainError], int], ...] = (
    (errors.QueryLimitExceeded, LIMIT_EXCEEDED),
    (errors.InvalidBlockRange, INVALID_PARAMS),
    # eth_simulateV1, as geth's internal/ethapi/errors.go
    (errors.SimNonceTooLow, -38010), (errors.SimNonceTooHigh, -38011),
    (errors.SimFeeCapTooLow, -38012), (errors.SimIntrinsicGas, -38013),
    (errors.SimInsufficientFunds, -38014), (errors.SimBlockGasLimitReached, -38015),
    (errors.SimBlockNumberOrder, -38020), (errors.SimTimestampOrder, -38021),
    (errors.SimTooManyBlocks, CLIENT_LIMIT_EXCEEDED),
    (errors.SimTooManyCalls, CLIENT_LIMIT_EXCEEDED),
    (errors.SimTipAboveFeeCap, INVALID_PARAMS), (errors.SimEmptyInput, INVALID_PARAMS),
    (errors.SimInvalidTransaction, INTERNAL_ERROR),
    (errors.ChainError, SERVER_ERROR),
)


def from_domain(error: errors.ChainError) -> RpcError:
    """Return the RPC error for a domain error."""
    if isinstance(error, errors.ExecutionReverted):
        message = f"execution reverted: {error.reason}" if error.reason else "execution reverted"
        return RpcError(REVERTED, message, "0x" + error.data.hex())
    if isinstance(error, errors.GasRequiredExceedsAllowance):
        return RpcError(SERVER_ERROR, f"gas required exceeds allowance ({error.detail})")
    code = next(code for cls, code in _CODES if isinstance(error, cls))
    return RpcError(code, str(error))
