"""Merkle-Patricia tries built and updated in one pass, each changed node encoded and hashed once.

Inserting key by key into `trie.HexaryTrie` re-encodes and re-hashes every node on the path to the
root for each key, so a block that touches 2,000 accounts rewrites the top of the account trie
2,000 times. `update` instead takes all of a block's changes at once, sorted, and walks the trie
once: each existing node on a changed path is read once, each new node built once. The result
(root and new nodes) is exactly what key-by-key insertion gives; the unit tests check it against
`HexaryTrie` on random inserts, overwrites and deletions.

Used by `ordered_trie.py` (a block's transaction and receipt tries, built from nothing) and by
`execution/` (the account trie at the end of each block).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import rlp
from eth_hash.auto import keccak
from rlp.codec import encode_raw
from trie.utils.nodes import decode_node

BLANK_ROOT = keccak(rlp.encode(b""))

Entry = tuple[bytes, bytes]  # (key as nibbles, one per byte; value)
Change = tuple[bytes, bytes | None]  # (key as nibbles; new value, or None to delete)
Node = list  # a decoded node: [path, value] (leaf), [path, child] (extension), 17 items (branch)
Ref = list | bytes  # how a parent holds a child: the node inline if short, else its hash


def nibbles(key: bytes) -> bytes:
    """Return `key` as nibbles, one per byte."""
    out = bytearray()
    for byte in key:
        out.append(byte >> 4)
        out.append(byte & 0x0F)
    return bytes(out)


def hex_prefix(path: bytes, leaf: bool) -> bytes:
    """Return the compact (hex-prefix) encoding of a nibble path."""
    flag = 2 if leaf else 0
    prefixed = (bytes([flag + 1]) if len(path) % 2 else bytes([flag, 0])) + path
    return bytes(prefixed[i] << 4 | prefixed[i + 1] for i in range(0, len(prefixed), 2))


def _split_path(encoded: bytes) -> tuple[bytes, bool]:
    """Return (nibble path, is leaf) of a leaf's or extension's compact path."""
    path = nibbles(encoded)
    flag = path[0]
    return (path[1:] if flag & 1 else path[2:]), bool(flag & 2)


class _Pending:
    """A node made while restructuring that has no reference yet (it may be merged away)."""

    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node


class TrieWriter:
    """Builds nodes and records the hashed ones (`writes`: hash -> encoding) as it goes."""

    def __init__(self, read: Callable[[bytes], bytes] | None = None) -> None:
        self._read = read
        self.writes: dict[bytes, bytes] = {}

    def reference(self, node: Node) -> Ref:
        """Return how a parent refers to `node`: inline if its RLP is short, else by hash."""
        encoded = encode_raw(node)  # nodes are nested lists of bytes: no sedes to infer
        if len(encoded) < 32:
            return node
        digest = keccak(encoded)
        self.writes[digest] = encoded
        return digest

    def root(self, node: Node | None) -> bytes:
        """Return the root hash of a trie whose top is `node` (always hashed, always written)."""
        if node is None:
            return BLANK_ROOT
        encoded = encode_raw(node)
        digest = keccak(encoded)
        self.writes[digest] = encoded
        return digest

    def resolve(self, ref: Ref | _Pending) -> Node | None:
        """Return the node a parent's reference points at (None for an empty slot)."""
        if isinstance(ref, _Pending):
            return ref.node
        if isinstance(ref, list):
            return ref
        if ref == b"":
            return None
        if self._read is None:
            raise KeyError(ref)
        return _decode(self._read(ref))

    # --- building from sorted entries -----------------------------------------------------

    def build(self, entries: Sequence[Entry], depth: int) -> Node:
        """Return the node holding `entries` (sorted, distinct), which share `depth` nibbles."""
        if len(entries) == 1:
            key, value = entries[0]
            return [hex_prefix(key[depth:], leaf=True), value]
        shared = _common_prefix_length(entries, depth)
        if shared:
            child = self.build(entries, depth + shared)
            return [hex_prefix(entries[0][0][depth:depth + shared], leaf=False),
                    self.reference(child)]
        branch: Node = [b""] * 17
        start = 0
        if len(entries[0][0]) == depth:  # a key ending here keeps its value in the branch
            branch[16] = entries[0][1]
            start = 1
        for nibble, end in _groups(entries, start, depth):
            branch[nibble] = self.reference(self.build(entries[start:end], depth + 1))
            start = end
        return branch

    # --- updating an existing trie --------------------------------------------------------

    def update(self, node: Node | None, changes: Sequence[Change], depth: int) -> Node | None:
        """Return `node` (the subtrie at `depth`) with `changes` applied (sorted, distinct)."""
        if node is None:
            return self._build_live(changes, depth)
        if len(node) == 2:
            path, leaf = _split_path(node[0])
            if leaf:
                return self._update_leaf(path, node[1], changes, depth)
            end = depth + len(path)
            if all(key[depth:end] == path for key, _ in changes):
                return self._extend(path, self.update(self.resolve(node[1]), changes, end))
            node = _as_branch(path, node[1])
        return self._update_branch(node, changes, depth)

    def _build_live(self, changes: Sequence[Change], depth: int) -> Node | None:
        live = [(key, value) for key, value in changes if value is not None]
        return self.build(live, depth) if live else None

    def _update_leaf(self, path: bytes, value: bytes, changes: Sequence[Change],
                     depth: int) -> Node | None:
        """Merge the one entry a leaf holds with the changes, then build afresh."""
        key = changes[0][0][:depth] + path
        merged: dict[bytes, bytes | None] = {key: value}
        merged.update(changes)
        return self._build_live(sorted(merged.items()), depth)

    def _update_branch(self, branch: Node, changes: Sequence[Change], depth: int) -> Node | None:
        slots: list = list(branch)
        start = 0
        if len(changes[0][0]) == depth:
            slots[16] = changes[0][1] or b""
            start = 1
        updated: dict[int, Node | None] = {}
        for nibble, end in _groups(changes, start, depth):
            updated[nibble] = self.update(self.resolve(slots[nibble]), changes[start:end],
                                          depth + 1)
            start = end
        live = [n for n in range(16) if (updated[n] is not None if n in updated else slots[n])]
        if len(live) + (1 if slots[16] else 0) < 2:
            return self._collapse(slots, live, updated)
        for n in live:
            child = updated.get(n) if n in updated else (
                slots[n].node if isinstance(slots[n], _Pending) else None)
            if child is not None:  # changed (or made while restructuring): refer to it anew
                slots[n] = self.reference(child)
        for n in updated.keys() - set(live):
            slots[n] = b""
        return slots

    def _collapse(self, slots: list, live: list[int], updated: dict[int, Node | None],
                  ) -> Node | None:
        """Return what a branch left with fewer than two entries becomes."""
        if not live:
            return [hex_prefix(b"", leaf=True), slots[16]] if slots[16] else None
        n = live[0]
        child = updated[n] if n in updated else self.resolve(slots[n])
        return self._extend(bytes([n]), child)

    def _extend(self, path: bytes, child: Node | None) -> Node | None:
        """Return `child` reached through `path`, merging paths where the child allows."""
        if child is None or not path:
            return child
        if len(child) == 2:
            child_path, leaf = _split_path(child[0])
            return [hex_prefix(path + child_path, leaf=leaf), child[1]]
        return [hex_prefix(path, leaf=False), self.reference(child)]


def _decode(encoded: bytes) -> Node | None:
    node = decode_node(encoded)
    return node if isinstance(node, list) else None  # b"" is the empty trie


def _as_branch(path: bytes, child: Ref) -> Node:
    """Return the branch equivalent to an extension by `path` (non-empty) to `child`."""
    branch: list = [b""] * 17
    branch[path[0]] = child if len(path) == 1 else _Pending(
        [hex_prefix(path[1:], leaf=False), child])
    return branch


def _groups(entries: Sequence[tuple[bytes, object]], start: int, depth: int,
            ) -> list[tuple[int, int]]:
    """Return (nibble at `depth`, end index) for each run of entries from `start`."""
    runs = []
    while start < len(entries):
        nibble = entries[start][0][depth]
        end = start
        while end < len(entries) and entries[end][0][depth] == nibble:
            end += 1
        runs.append((nibble, end))
        start = end
    return runs


def _common_prefix_length(entries: Sequence[Entry], depth: int) -> int:
    first, last = entries[0][0], entries[-1][0]  # sorted: the extremes bound the common prefix
    limit = min(len(first), len(last))
    length = depth
    while length < limit and first[length] == last[length]:
        length += 1
    return length - depth


def update_trie(read: Callable[[bytes], bytes], root: bytes, changes: dict[bytes, bytes | None],
                ) -> tuple[bytes, dict[bytes, bytes]]:
    """Apply `changes` (trie key -> value, None deletes) to the trie at `root`.

    `read` returns a node's encoding by its hash. Returns the new root and the new nodes
    (hash -> encoding) to store; nodes of the old trie are left where they are (archive).
    """
    writer = TrieWriter(read)
    top = None if root == BLANK_ROOT else _decode(read(root))
    ordered = sorted((nibbles(key), value) for key, value in changes.items())
    new_top = writer.update(top, ordered, 0) if ordered else top
    return writer.root(new_top), writer.writes
