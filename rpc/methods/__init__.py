"""RPC method modules; importing this package registers every wire method in `jsonrpc.METHODS`."""

from . import (  # noqa: F401
    accounts,
    cmt,
    cmt_staking,
    debug,
    dev,
    eth,
    filters,
    net,
    ots,
    raw,
    simulate,
    testing,
    trace,
    txpool,
    web3,
)
