"""Jump-destination analysis shared by every run of the same contract code.

py-evm decides lazily whether a JUMP target is code or PUSH data, and keeps the answers in the
`CodeStream` of one message only: every ERC-20 transfer re-analyses the token's code from scratch
(about a tenth of its build time). The answers depend on the code bytes alone, so here they are
kept per code, process-wide and bounded, and each new stream starts from what earlier runs found.
Used by `block_state.BlockComputation`.
"""

from __future__ import annotations

from typing import Any

from eth.vm.code_stream import CodeStream
from lru import LRU

_ANALYSES: Any = LRU(1024)  # code bytes -> (valid positions, invalid positions)


def shared_code_stream(code: bytes) -> CodeStream:
    """Return a `CodeStream` over `code` whose analysis is shared with other runs of it."""
    stream = CodeStream(code)
    known = _ANALYSES.get(code)
    if known is None:
        known = (stream.valid_positions, stream.invalid_positions)
        _ANALYSES[code] = known
    # the stream adds what it learns to the shared sets: the facts hold for any run of the code
    stream.valid_positions, stream.invalid_positions = known
    return stream
