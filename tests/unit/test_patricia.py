"""The one-pass trie update gives exactly the root and nodes of key-by-key `HexaryTrie` updates.

Random batches of inserts, overwrites and deletions (of present and absent keys), with hashed
keys (as the account and storage tries) and with short keys over a small alphabet (long shared
prefixes, so extensions split and merge and short nodes sit inline), applied batch after batch
to a growing trie. (No key is a prefix of another: `HexaryTrie` does not support that, and no
Ethereum trie has it.)
"""

import random

import pytest
from trie import HexaryTrie

from cmt_chain.patricia import BLANK_ROOT, update_trie


def _key(rng: random.Random, fixed: bool) -> bytes:
    if fixed:
        return rng.randbytes(32)
    return bytes(rng.choice(b"\x00\x01\x10\x11\xff") for _ in range(3))


def _value(rng: random.Random) -> bytes:
    return rng.randbytes(rng.choice((1, 3, 20, 40, 80)))  # short values make inline nodes


def _batch(rng: random.Random, known: list[bytes], fixed: bool) -> dict[bytes, bytes | None]:
    changes: dict[bytes, bytes | None] = {}
    for _ in range(rng.randint(1, 40)):
        roll = rng.random()
        if known and roll < 0.3:
            changes[rng.choice(known)] = None
        elif known and roll < 0.5:
            changes[rng.choice(known)] = _value(rng)
        elif roll < 0.55:
            changes[_key(rng, fixed)] = None  # deleting an absent key changes nothing
        else:
            key = _key(rng, fixed)
            changes[key] = _value(rng)
            known.append(key)
    return changes


@pytest.mark.parametrize("fixed", [True, False], ids=["hashed-keys", "dense-keys"])
@pytest.mark.parametrize("seed", range(12))
def test_batch_update_matches_hexary_trie(seed: int, fixed: bool) -> None:
    rng = random.Random(seed)
    reference = HexaryTrie({})
    ours: dict[bytes, bytes] = {}
    root = BLANK_ROOT
    known: list[bytes] = []
    for _ in range(25):
        changes = _batch(rng, known, fixed)
        for key, value in changes.items():
            if value is None:
                if key in reference:
                    del reference[key]
            else:
                reference[key] = value
        root, writes = update_trie(ours.__getitem__, root, changes)
        ours.update(writes)
        assert root == reference.root_hash
        # every node the new trie needs is stored: a trie over our nodes reads back each key
        check = HexaryTrie(ours, root)
        for key in rng.sample(known, min(len(known), 20)):
            assert check.get(key) == reference.get(key)


def test_deleting_everything_gives_the_empty_root() -> None:
    store: dict[bytes, bytes] = {}
    keys = [bytes([i]) * 32 for i in range(50)]
    root, writes = update_trie(store.__getitem__, BLANK_ROOT, {k: b"v" * 40 for k in keys})
    store.update(writes)
    root, _ = update_trie(store.__getitem__, root, dict.fromkeys(keys))
    assert root == BLANK_ROOT


def test_no_changes_keep_the_root() -> None:
    store: dict[bytes, bytes] = {}
    root, writes = update_trie(store.__getitem__, BLANK_ROOT, {b"\x01" * 32: b"x"})
    store.update(writes)
    assert update_trie(store.__getitem__, root, {})[0] == root
