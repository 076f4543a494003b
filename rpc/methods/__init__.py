"""RPC method modules; importing this package registers every wire method in `jsonrpc.METHODS`."""

from . import accounts, cmt, dev, eth, filters, net, raw, testing, txpool, web3  # noqa: F401
