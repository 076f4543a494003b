"""RPC method modules; importing this package registers every wire method in `jsonrpc.METHODS`."""

from . import accounts, cmt_staking, dev, eth, filters, net, txpool, web3  # noqa: F401
