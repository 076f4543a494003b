// Helpers shared by hardhat.config.cjs, scripts/e2e.cjs and test/: a ring buffer of the raw
// JSON-RPC traffic between Hardhat and the node (hooked below Hardhat's own account signing and
// gas filling, so it shows what the node really received and answered), step names, and
// assertions that print the failing step and the last exchanges, like ../lib.mjs does.
"use strict";

const exchanges = [];

function text(payload) {
  let s;
  try {
    s = typeof payload === "string" ? payload : JSON.stringify(payload, (_, v) =>
      typeof v === "bigint" ? v.toString() : v);
  } catch {
    s = String(payload);
  }
  return s === undefined ? String(payload) : s;
}

function record(kind, payload) {
  let s = text(payload);
  if (s.length > 1500) s = s.slice(0, 1500) + "...";
  if (process.env.RPC_TRACE) console.log(`  ${kind}: ${s.slice(0, 300)}`);
  exchanges.push(`${kind}: ${s}`);
  if (exchanges.length > 20) exchanges.shift();
}

/** Wrap Hardhat 2's HttpProvider so that every request/response to the node is recorded. */
function traceHttpProvider() {
  let HttpProvider;
  try {
    ({ HttpProvider } = require("hardhat/internal/core/providers/http"));
  } catch {
    return; // internal module moved: run untraced rather than fail
  }
  const fetch = HttpProvider.prototype._fetchJsonRpcResponse;
  if (typeof fetch !== "function" || fetch.__cmtTraced) return;
  const traced = async function (request, ...rest) {
    record("request", request);
    try {
      const response = await fetch.call(this, request, ...rest);
      record("response", response);
      return response;
    } catch (error) {
      record("transport error", error?.message ?? error);
      throw error;
    }
  };
  traced.__cmtTraced = true;
  HttpProvider.prototype._fetchJsonRpcResponse = traced;
}

let step = "start";
function stepName(name) {
  step = name;
  console.log(`- ${name}`);
}

function lastExchanges() {
  return exchanges.length ? "\nlast JSON-RPC exchanges:\n" + exchanges.map((l) => "  " + l).join("\n") : "";
}

class CheckFailed extends Error {}

/** An Error for the current step carrying the last JSON-RPC traffic (thrown, so mocha reports it too). */
function failure(message, cause) {
  const detail = cause ? `\n${cause?.stack ?? cause}` + (cause?.data !== undefined ? `\nerror.data: ${text(cause.data)}` : "") : "";
  return new CheckFailed(`FAIL [${step}]: ${message}${detail}${lastExchanges()}`);
}

function check(cond, message) {
  if (!cond) throw failure(message);
}

function eq(actual, expected, what) {
  if (actual !== expected) throw failure(`${what}: expected ${text(expected)}, got ${text(actual)}`);
}

/** Await `promise`, expect it to reject, and return the error. */
async function rejects(promise, what) {
  let value;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  throw failure(`${what}: expected a rejection, got ${text(value)}`);
}

/** Every message and nested cause of an error, flattened: where a revert reason may hide. */
function errorText(error) {
  const parts = [];
  const seen = new Set();
  for (let e = error; e && typeof e === "object" && !seen.has(e); e = e.cause ?? e.parent ?? e.error) {
    seen.add(e);
    parts.push(e.message, e.reason, e.shortMessage);
  }
  return parts.filter(Boolean).join(" | ");
}

module.exports = { record, traceHttpProvider, stepName, failure, check, eq, rejects, errorText, CheckFailed };
