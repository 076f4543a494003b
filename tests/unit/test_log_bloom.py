"""The bloom pre-check of log queries agrees with eth-bloom on every filter shape."""

import random

from eth_bloom import BloomFilter

from cmt_chain.logs import BloomQuery, LogFilter


def _naive(bloom: BloomFilter, criteria: LogFilter) -> bool:
    if criteria.addresses is not None and not any(a in bloom for a in criteria.addresses):
        return False
    return all(wanted is None or any(t in bloom for t in wanted) for wanted in criteria.topics)


def test_bloom_query_matches_eth_bloom_membership() -> None:
    rng = random.Random(3)
    addresses = [rng.randbytes(20) for _ in range(6)]
    topics = [rng.randbytes(32) for _ in range(6)]
    for _ in range(300):
        bloom = BloomFilter.from_iterable(rng.sample(addresses, 2) + rng.sample(topics, 3))
        criteria = LogFilter(
            addresses=frozenset(rng.sample(addresses, rng.randint(1, 2)))
            if rng.random() < 0.7 else None,
            topics=tuple(frozenset(rng.sample(topics, rng.randint(1, 2)))
                         if rng.random() < 0.6 else None for _ in range(rng.randint(0, 3))))
        expected = _naive(bloom, criteria)
        assert BloomQuery.of(criteria).may_match(int(bloom).to_bytes(256, "big")) == expected
