"""RPC method modules; importing this package registers every wire method in `jsonrpc.METHODS`."""

from . import accounts, debug, dev, eth, filters, net, ots, raw, trace, txpool, web3  # noqa: F401
