"""The chain: its head, the one path that adds blocks, and the getters for blocks, txs and receipts.

Only `add_block` (for blocks this node built) and `import_block` (for blocks from elsewhere, checked
by re-execution) mutate the chain; both store the block and everything it created in one atomic
write and then publish `NewBlock`. Readers (RPC, txpool) ask for blocks, receipts and account
state at any past block. Called by `producer.py`, `node.py` and the RPC backend.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass

import rlp
from eth_hash.auto import keccak

from . import address_index, chainspec, consensus, errors, execution, fees
from .block import ZERO_HASH, Block, Header
from .calls import BlockEnv
from .config import Config
from .events import EventBus, NewBlock
from .genesis import make_genesis
from .receipt import Receipt
from .staking import StakingState
from .storage import schema
from .storage.chaindb import ChainDB
from .storage.kv import Store
from .transaction import Transaction

# Recent blocks and receipts kept decoded (RPC reads of the newest blocks are the most common):
# at most 256 blocks, and fewer when they are full, so memory stays bounded under load.
_CACHE_BLOCKS = 256
_CACHE_TRANSACTIONS = 20_000


@dataclass(frozen=True, slots=True)
class TxLookup:
    """A mined transaction with where it sits."""

    tx: Transaction
    block: Block
    index: int


class Chain:
    """The canonical chain over the node's database."""

    def __init__(self, store: Store, config: Config, events: EventBus,
                 genesis_validators: tuple[bytes, ...] = ()) -> None:
        self.store = store
        self._genesis_validators = genesis_validators
        self.db = ChainDB(store)
        self.config = config
        self.events = events
        self._blocks: OrderedDict[bytes, Block] = OrderedDict()
        self._receipts: OrderedDict[bytes, tuple[Receipt, ...]] = OrderedDict()
        self._cached_txs = 0  # transactions in self._blocks
        stored_spec = self.db.meta(schema.CHAIN_SPEC_KEY)
        self.spec = (chainspec.from_json(stored_spec.decode()) if stored_spec
                     else chainspec.cmt_spec(config.network.chain_id))
        self._sets: OrderedDict[bytes, tuple[bytes, ...]] = OrderedDict()
        self.genesis, self.validators = self._open_or_initialise()
        head_hash = self.db.head_hash()
        assert head_hash is not None
        head = self.db.header(head_hash)
        assert head is not None
        self.head: Header = head
        address_index.backfill(self.db, head.number)  # a folder from before the index existed
        # Dev mode may change these (anvil_setMinGasPrice, anvil_setNextBlockBaseFeePerGas).
        self.min_gas_price = config.fees.min_gas_price
        self.next_base_fee_override: int | None = None

    # --- opening ------------------------------------------------------------------------------

    def _open_or_initialise(self) -> tuple[Header, tuple[bytes, ...]]:
        stored_genesis = self.db.meta(schema.GENESIS_KEY)
        if stored_genesis is None:
            return self._initialise()
        chain_id = int.from_bytes(self.db.meta(schema.CHAIN_ID_KEY) or b"", "big")
        if chain_id != self.config.network.chain_id:
            raise errors.DataDirError(
                f"it holds chain id {chain_id}, the config says "
                f"{self.config.network.chain_id}: use another --data-dir or --reset")
        expected, _ = make_genesis(self.store, self.config, self._genesis_validators)
        if not self.spec.geth_config and expected.hash != stored_genesis:
            raise errors.DataDirError(
                f"it holds a chain with genesis 0x{stored_genesis.hex()}, the config gives "
                f"0x{expected.hash.hex()} (genesis settings changed): use --reset or another "
                "--data-dir")
        genesis = self.db.header(stored_genesis)
        assert genesis is not None
        validators = tuple(rlp.decode(self.db.meta(schema.VALIDATORS_KEY) or rlp.encode([])))
        return genesis, validators

    def _initialise(self) -> tuple[Header, tuple[bytes, ...]]:
        block, writes = make_genesis(self.store, self.config, self._genesis_validators)
        validators = self._genesis_validators
        extra = [
            (schema.META, schema.GENESIS_KEY, block.hash),
            (schema.META, schema.CHAIN_ID_KEY, self.config.network.chain_id.to_bytes(8, "big")),
            (schema.META, schema.VERSION_KEY, schema.SCHEMA_VERSION.to_bytes(4, "big")),
            (schema.META, schema.VALIDATORS_KEY, rlp.encode(list(validators))),
        ]
        self.db.write_block(block, (), writes, extra=extra)
        return block.header, validators

    # --- writing ------------------------------------------------------------------------------

    def add_block(self, block: Block, receipts: tuple[Receipt, ...],
                  state_writes: dict[bytes, bytes], seal: bytes) -> None:
        """Store a block this node built and sealed, make it the head, announce it."""
        if block.header.parent_hash != self.head.hash:
            raise errors.InvalidBlock("block does not extend the head")
        self.db.write_block(block, receipts, state_writes, seal)
        self._remember(block, receipts)
        self.head = block.header
        self.next_base_fee_override = None  # it was for this block
        self.events.publish(NewBlock(block, receipts))

    def import_block(self, block: Block, seal: bytes | None) -> None:
        """Check a block from elsewhere (seal, parent, re-execution, roots) and add it.

        `seal` None is an operator's import of a chain file: the validator's seal is not
        checked, but every block is still re-executed and must reproduce its header exactly.
        """
        header = block.header
        if header.parent_hash != self.head.hash or header.number != self.head.number + 1:
            raise errors.InvalidBlock("block does not extend the head")
        if seal is not None:
            signer = consensus.recover_signer(header, seal)
            allowed = self.validators_at(self.head)
            if allowed and signer not in allowed:
                raise errors.InvalidBlock(f"sealed by 0x{signer.hex()}, not a validator")
            if header.coinbase != signer:
                raise errors.InvalidBlock("miner is not the sealing validator")
        if header.timestamp <= self.head.timestamp:
            raise errors.InvalidBlock("timestamp not after the parent's")
        expected_fee = self.expected_base_fee(self.head, header.number, header.timestamp)
        if header.base_fee_per_gas != expected_fee:
            raise errors.InvalidBlock(
                f"base fee {header.base_fee_per_gas}, expected {expected_fee}")
        env = self.import_env(self.head, header)
        if header.excess_blob_gas is not None and header.excess_blob_gas != env.excess_blob_gas:
            raise errors.InvalidBlock(
                f"excess blob gas {header.excess_blob_gas}, expected {env.excess_blob_gas}")
        built = execution.build_block(
            self.store, self.head.state_root, self.head.hash, env, block.transactions,
            extra_data=header.extra_data, strict=True, uncles=block.uncles,
            withdrawals=block.withdrawals or ())
        # The proof-of-work nonce is the one field execution does not reproduce (not checked).
        difference = _first_difference(built.header.with_changes(nonce=header.nonce), header)
        if difference:
            raise errors.InvalidBlock(f"{difference} does not match the executed block")
        self.add_block(block, built.receipts, built.state_writes, seal or b"")

    def rewind(self, target: Header) -> tuple[Block, ...]:
        """Make the canonical block `target` the head again (dev mode's evm_revert); return the
        blocks that left the chain, newest last. The caller holds the producer's lock."""
        if self.header_by_number(target.number) != target:
            raise errors.InvalidBlock("not a block of the canonical chain")
        removed = tuple(block for number in range(target.number + 1, self.head.number + 1)
                        if (block := self.block_by_number(number)) is not None)
        self.db.rewind(target, removed)
        self.head = target
        self.next_base_fee_override = None
        return removed

    def _remember(self, block: Block, receipts: tuple[Receipt, ...]) -> None:
        self._receipts[block.hash] = receipts
        self._cache_block(block)

    def _cache_block(self, block: Block) -> None:
        """Keep a block decoded, evicting the oldest beyond the cache's bounds."""
        if block.hash in self._blocks:
            return
        self._blocks[block.hash] = block
        self._cached_txs += len(block.transactions)
        while len(self._blocks) > 1 and (len(self._blocks) > _CACHE_BLOCKS
                                         or self._cached_txs > _CACHE_TRANSACTIONS):
            _, oldest = self._blocks.popitem(last=False)
            self._cached_txs -= len(oldest.transactions)
            self._receipts.pop(oldest.hash, None)
        while len(self._receipts) > _CACHE_BLOCKS:
            self._receipts.popitem(last=False)

    # --- block context ------------------------------------------------------------------------

    def next_base_fee(self, parent: Header) -> int:
        """Return the base fee of the block after `parent` (0 on a chain without one yet).

        A dev-mode `anvil_setNextBlockBaseFeePerGas` decides the next block's, once."""
        if self.next_base_fee_override is not None and parent.hash == self.head.hash:
            return self.next_base_fee_override
        return self.expected_base_fee(parent, parent.number + 1, parent.timestamp + 1) or 0

    def expected_base_fee(self, parent: Header, number: int, timestamp: int) -> int | None:
        """Return the base fee a block after `parent` must have (None before London)."""
        spec = self.spec
        if not execution.forks.has_base_fee(spec.fork_at(number, timestamp)):
            return None
        if spec.is_london_start(number, timestamp) or parent.base_fee_per_gas is None:
            return chainspec.INITIAL_BASE_FEE
        floor = 0 if spec.burn_base_fee else self.min_gas_price
        return fees.next_base_fee(parent.gas_used, parent.gas_limit, parent.base_fee_per_gas,
                                  floor)

    def block_env(self, parent: Header, timestamp: int, coinbase: bytes,
                  gas_limit: int | None = None) -> BlockEnv:
        """Return the execution context of the block after `parent`."""
        fork = self.spec.fork_at(parent.number + 1, timestamp)
        # An imported Ethereum chain keeps its gas limit; the node's own takes the config's.
        default_limit = parent.gas_limit if self.spec.burn_base_fee else (
            self.config.genesis.gas_limit)
        return BlockEnv(
            number=parent.number + 1, timestamp=timestamp, coinbase=coinbase,
            gas_limit=gas_limit or default_limit,
            base_fee=self.expected_base_fee(parent, parent.number + 1, timestamp) or 0,
            chain_id=self.spec.chain_id,
            prev_randao=consensus_randao(parent), ancestor_hashes=self.ancestor_hashes(parent),
            fork=fork, burn_base_fee=self.spec.burn_base_fee,
            excess_blob_gas=execution.forks.next_excess_blob_gas(
                fork, parent.excess_blob_gas, parent.blob_gas_used),
            free_lane=self.free_lane, system_contracts=not self.spec.burn_base_fee,
        )

    def blob_base_fee(self, header: Header) -> int | None:
        """Return the blob gas price of a block (None before Cancun)."""
        if header.excess_blob_gas is None:
            return None
        fork = self.spec.fork_at(header.number, header.timestamp)
        return execution.forks.blob_base_fee(fork, header.excess_blob_gas)

    def next_blob_base_fee(self, parent: Header) -> int:
        """Return the blob gas price of the block after `parent` (0 before Cancun)."""
        fork = self.spec.fork_at(parent.number + 1, parent.timestamp + 1)
        if not execution.forks.has_blobs(fork):
            return 0
        return execution.forks.blob_base_fee(fork, execution.forks.next_excess_blob_gas(
            fork, parent.excess_blob_gas, parent.blob_gas_used))

    def blob_gas_ratio(self, header: Header) -> float:
        """Return the share of its blob gas limit a block used (0 before Cancun)."""
        limit = execution.forks.max_blob_gas(self.spec.fork_at(header.number, header.timestamp))
        return (header.blob_gas_used or 0) / limit if limit else 0.0

    def import_env(self, parent: Header, header: Header) -> BlockEnv:
        """Return the context to re-execute an imported block in (its own seal fields)."""
        env = self.block_env(parent, header.timestamp, header.coinbase, header.gas_limit)
        if not self.spec.geth_config:
            return env
        return dataclasses.replace(
            env, prev_randao=header.mix_hash, difficulty=header.difficulty,
            parent_beacon_block_root=header.parent_beacon_block_root or ZERO_HASH)

    @property
    def free_lane(self) -> fees.FreeLane:
        """Return the free-lane rules blocks are built with (`[fees]`, the minimum price as
        dev mode may have changed it)."""
        config = self.config.fees
        return fees.FreeLane(self.min_gas_price, config.free_lane_gas_limit,
                             config.free_lane_slots)

    def env_at(self, header: Header) -> BlockEnv:
        """Return the context of an existing block, for calls made 'at' that block."""
        parent = self.header_by_hash(header.parent_hash) if header.number else None
        return BlockEnv(
            number=header.number, timestamp=header.timestamp, coinbase=header.coinbase,
            gas_limit=header.gas_limit, base_fee=header.base_fee_per_gas or 0,
            chain_id=self.spec.chain_id, prev_randao=header.mix_hash,
            ancestor_hashes=self.ancestor_hashes(parent) if parent else (),
            fork=self.spec.fork_at(header.number, header.timestamp),
            difficulty=header.difficulty, excess_blob_gas=header.excess_blob_gas or 0,
            burn_base_fee=self.spec.burn_base_fee, system_contracts=not self.spec.burn_base_fee,
        )

    def ancestor_hashes(self, parent: Header) -> tuple[bytes, ...]:
        """Return up to 256 hashes from `parent` back, for the BLOCKHASH opcode."""
        hashes = [parent.hash]
        for number in range(parent.number - 1, max(parent.number - 256, -1), -1):
            block_hash = self.db.canonical_hash(number)
            if block_hash is None:
                break
            hashes.append(block_hash)
        return tuple(hashes)

    # --- reading ------------------------------------------------------------------------------

    def header_by_hash(self, block_hash: bytes) -> Header | None:
        cached = self._blocks.get(block_hash)
        return cached.header if cached else self.db.header(block_hash)

    def header_by_number(self, number: int) -> Header | None:
        block_hash = self.db.canonical_hash(number) if 0 <= number <= self.head.number else None
        return self.header_by_hash(block_hash) if block_hash else None

    def bloom_by_number(self, number: int) -> tuple[bytes, bytes] | None:
        """Return a canonical block's hash and logs bloom (log queries read only these)."""
        block_hash = self.db.canonical_hash(number) if 0 <= number <= self.head.number else None
        if block_hash is None:
            return None
        cached = self._blocks.get(block_hash)
        bloom = cached.header.logs_bloom if cached else self.db.logs_bloom(block_hash)
        return (block_hash, bloom) if bloom is not None else None

    def block_by_hash(self, block_hash: bytes) -> Block | None:
        cached = self._blocks.get(block_hash)
        if cached is not None:
            return cached
        block = self.db.block(block_hash)
        if block is not None and self.db.canonical_hash(block.number) == block_hash:
            self._cache_block(block)
        return block

    def block_by_number(self, number: int) -> Block | None:
        block_hash = self.db.canonical_hash(number) if 0 <= number <= self.head.number else None
        return self.block_by_hash(block_hash) if block_hash else None

    def receipts(self, block_hash: bytes) -> tuple[Receipt, ...] | None:
        cached = self._receipts.get(block_hash)
        return cached if cached is not None else self.db.receipts(block_hash)

    def transaction(self, tx_hash: bytes) -> TxLookup | None:
        location = self.db.tx_location(tx_hash)
        if location is None:
            return None
        block = self.block_by_hash(location[0])
        if block is None or location[1] >= len(block.transactions):
            return None
        return TxLookup(block.transactions[location[1]], block, location[1])

    def receipt(self, tx_hash: bytes) -> tuple[Receipt, TxLookup] | None:
        lookup = self.transaction(tx_hash)
        if lookup is None:
            return None
        receipts = self.receipts(lookup.block.hash)
        if receipts is None:
            return None
        return receipts[lookup.index], lookup

    def state_at(self, header: Header) -> execution.AccountReader:
        return execution.AccountReader(self.store, header.state_root)

    def staking_at(self, header: Header) -> StakingState | None:
        """Return the staking state after `header` (None on a chain without staking)."""
        reader = self.state_at(header)
        return execution.read_state(lambda slot: reader.storage(execution.STAKING_ADDRESS, slot))

    def validators_at(self, parent: Header) -> tuple[bytes, ...]:
        """Return who may seal the block after `parent`: the active set, in rotation order.

        A chain without staking keeps its genesis validators.
        """
        cached = self._sets.get(parent.hash)
        if cached is None:
            state = self.staking_at(parent)
            cached = state.active if state is not None else self.validators
            self._sets[parent.hash] = cached
            while len(self._sets) > 16:  # reading the set costs a few storage walks
                self._sets.popitem(last=False)
        return cached


def _first_difference(built: Header, given: Header) -> str:
    """Return the name of the first header field that differs, or "" if none does."""
    for name in Header.__slots__:
        if name != "hash" and getattr(built, name) != getattr(given, name):
            return name
    return ""


def consensus_randao(parent: Header) -> bytes:
    """Return the PREVRANDAO value of the block after `parent` (keccak of the parent's seal)."""
    return keccak(parent.mix_hash + parent.hash)
