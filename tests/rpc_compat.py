#!/usr/bin/env python3
"""Replay the execution-apis RPC conformance cases (.io files) against a running node.

A copy of the project's `shared/conformance/rpc_compat.py` (same comparison rules), reading the
cases from `tests/fixtures/conformance/`; `tests/e2e/test_conformance.py` imports `run_case`.

The cases come from ethereum/execution-apis `tests/` (CC0), pinned at the last Prague-headed
chain (commit baa4c9a11736c729ef3f172633df995a84a310b2). A node under test must first import
`genesis.json` + `chain.rlp` from the cases folder and serve that chain on HTTP.

Comparison follows hive's rpc-compat simulator:
- a response must equal the recorded one as JSON (same keys, numbers compared by value);
- where both sides carry an `error` object (top level or nested), its `message` is not compared,
  so error codes must match and wording need not;
- `// speconly` cases are only checked to answer with a `result` (hive checks the result against
  the OpenRPC schema, which this runner does not have).

Usage: rpc_compat.py --rpc http://127.0.0.1:8545 [--cases DIR] [--only PREFIX] [--verbose]
Prints one line per failing case, then a summary line `N passed, M failed`, and exits 1 when
anything failed. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent / "fixtures" / "conformance"


def load_case(path: Path) -> tuple[bool, list[tuple[str, str]]]:
    """Return (speconly, [(">>"|"<<", json text), ...]) for one .io file."""
    speconly = False
    messages = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("//"):
            if "speconly" in line:
                speconly = True
            continue
        if line.startswith(">> ") or line.startswith("<< "):
            messages.append((line[:2], line[3:]))
    return speconly, messages


def post(url: str, body: str, timeout: float) -> str:
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        return error.read().decode()


def redact_errors(actual, expected):
    """Drop error.message wherever both trees hold an error object at the same place."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        for key in set(actual) & set(expected):
            if key == "error" and isinstance(actual[key], dict) and isinstance(expected[key], dict):
                actual[key].pop("message", None)
                expected[key].pop("message", None)
            else:
                redact_errors(actual[key], expected[key])
    elif isinstance(actual, list) and isinstance(expected, list):
        for a, e in zip(actual, expected, strict=False):
            redact_errors(a, e)


def same(actual, expected) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected
    if isinstance(actual, (int, float)) and isinstance(expected, (int, float)):
        return actual == expected
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(
            same(actual[k], expected[k]) for k in actual)
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(
            same(a, e) for a, e in zip(actual, expected, strict=True))
    return actual == expected


def run_case(url: str, path: Path, timeout: float) -> str | None:
    """Return None when the case passes, else a one-line reason."""
    speconly, messages = load_case(path)
    reply = None
    for direction, text in messages:
        if direction == ">>":
            try:
                reply = post(url, text, timeout)
            except OSError as error:
                return f"request failed: {error}"
            continue
        try:
            actual = json.loads(reply)
        except (TypeError, json.JSONDecodeError):
            return f"invalid JSON response: {str(reply)[:120]!r}"
        expected = json.loads(text)
        if speconly and "error" not in actual:
            if "result" not in actual:
                return "speconly: no result"
            continue
        redact_errors(actual, expected)
        if not same(actual, expected):
            return f"differs: got {json.dumps(actual)[:300]} want {json.dumps(expected)[:300]}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rpc", default="http://127.0.0.1:8545")
    parser.add_argument("--cases", type=Path, default=HERE)
    parser.add_argument("--only", default="",
                        help="run only cases whose method folder starts with this")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    passed = failed = 0
    for path in sorted(args.cases.glob("*/*.io")):
        if not path.parent.name.startswith(args.only):
            continue
        reason = run_case(args.rpc, path, args.timeout)
        name = f"{path.parent.name}/{path.stem}"
        if reason is None:
            passed += 1
            if args.verbose:
                print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {reason}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
