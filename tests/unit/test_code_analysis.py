"""Shared jump analysis answers exactly as a fresh py-evm CodeStream, in any order of questions."""

import random

from eth.vm.code_stream import CodeStream

from cmt_chain.execution.code_analysis import shared_code_stream


def test_shared_analysis_agrees_with_a_fresh_stream() -> None:
    rng = random.Random(7)
    # PUSH-heavy random code: many positions are PUSH data, some of it looking like JUMPDEST
    code = bytes(rng.choice([0x5B, 0x60, 0x61, 0x7F, 0x00, 0x56, 0x5B]) for _ in range(600))
    for _ in range(5):  # each run asks in another order, starting from what earlier runs learnt
        stream = shared_code_stream(code)
        positions = list(range(len(code) + 3))
        rng.shuffle(positions)
        fresh = CodeStream(code)
        for position in positions:
            assert stream.is_valid_opcode(position) == fresh.is_valid_opcode(position), position
