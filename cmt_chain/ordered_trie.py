"""The root of an ordered Merkle-Patricia trie (a block's transactions, receipts, withdrawals).

Keys are the RLP-encoded indexes, values the items' encodings, as the yellow paper defines. The
root is computed in one recursive pass over the sorted keys, building each node once, instead of
inserting key by key into a database-backed `trie.HexaryTrie` (which rewrites the path to the
root on every insert and was most of a block's build time). Its output is checked against
`HexaryTrie` in the unit tests. Used by execution (building a block) and chain import.
"""

from __future__ import annotations

from collections.abc import Sequence

import rlp
from eth_hash.auto import keccak

EMPTY_ROOT = keccak(rlp.encode(b""))

Entry = tuple[bytes, bytes]  # (key as nibbles, one per byte, value)


def ordered_trie_root(items: Sequence[bytes]) -> bytes:
    """Return the trie root of `items` keyed by their RLP-encoded index."""
    if not items:
        return EMPTY_ROOT
    entries = sorted((_nibbles(rlp.encode(index)), item) for index, item in enumerate(items))
    return keccak(rlp.encode(_node(entries, 0)))


def _nibbles(key: bytes) -> bytes:
    out = bytearray()
    for byte in key:
        out.append(byte >> 4)
        out.append(byte & 0x0F)
    return bytes(out)


def _hex_prefix(nibbles: bytes, leaf: bool) -> bytes:
    """Return the compact (hex-prefix) encoding of a nibble path."""
    flag = 2 if leaf else 0
    prefix = bytes([flag + 1]) if len(nibbles) % 2 else bytes([flag, 0])
    nibbles = prefix + nibbles
    return bytes(nibbles[i] << 4 | nibbles[i + 1] for i in range(0, len(nibbles), 2))


def _reference(node: list) -> list | bytes:
    """Return how a parent refers to `node`: inline if its RLP is short, else by hash."""
    encoded = rlp.encode(node)
    return node if len(encoded) < 32 else keccak(encoded)


def _common_prefix_length(entries: Sequence[Entry], depth: int) -> int:
    first, last = entries[0][0], entries[-1][0]  # sorted: the extremes bound the common prefix
    limit = min(len(first), len(last))
    length = depth
    while length < limit and first[length] == last[length]:
        length += 1
    return length - depth


def _node(entries: Sequence[Entry], depth: int) -> list:
    """Return the node holding `entries`, which all share their first `depth` nibbles."""
    if len(entries) == 1:
        key, value = entries[0]
        return [_hex_prefix(key[depth:], leaf=True), value]
    shared = _common_prefix_length(entries, depth)
    if shared:
        child = _node(entries, depth + shared)
        return [_hex_prefix(entries[0][0][depth:depth + shared], leaf=False), _reference(child)]
    branch: list = [b""] * 17
    start = 0
    if len(entries[0][0]) == depth:  # a key ending here keeps its value in the branch
        branch[16] = entries[0][1]
        start = 1
    while start < len(entries):
        nibble = entries[start][0][depth]
        end = start
        while end < len(entries) and entries[end][0][depth] == nibble:
            end += 1
        branch[nibble] = _reference(_node(entries[start:end], depth + 1))
        start = end
    return branch
