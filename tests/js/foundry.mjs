// Helpers to run Foundry's cast and forge binaries shipped by the npm packages
// @foundry-rs/cast-linux-amd64 and @foundry-rs/forge-linux-amd64 (each has bin/<tool>).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { die, record, require } from "./lib.mjs";

export function binary(tool) {
  const pkg = `@foundry-rs/${tool}-linux-amd64`;
  let dir;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    die(`${pkg} is not installed: run npm ci --prefix tests/js`);
  }
  return path.join(dir, "bin", tool);
}


/** Run `tool args...`; return trimmed stdout, or fail with stderr unless `expectFailure`. */
export function runTool(tool, args, { expectFailure = false, cwd, env = {}, timeout = 30_000 } = {}) {
  const fullEnv = { ...process.env, NO_COLOR: "1", FOUNDRY_DISABLE_NIGHTLY_WARNING: "1", ...env };
  const result = spawnSync(binary(tool), args, { cwd, env: fullEnv, encoding: "utf8", timeout });
  record(`${tool}`, args.map((a) => (a.length > 80 ? a.slice(0, 80) + "..." : a)).join(" "));
  if (result.error) die(`${tool} ${args[0]} could not run`, result.error);
  const out = result.stdout.trim();
  const err = result.stderr.trim();
  record("stdout", out);
  if (err) record("stderr", err);
  if (expectFailure) {
    if (result.status === 0) die(`${tool} ${args.join(" ")}: expected failure, got: ${out}`);
    return err || out;
  }
  if (result.status !== 0) {
    die(`${tool} ${args.join(" ")} exited ${result.status}:\n${err}\n${out}`);
  }
  return out;
}

export function json(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    return die(`${what}: not JSON: ${text}`);
  }
}
