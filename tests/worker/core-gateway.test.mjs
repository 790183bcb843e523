// The gateway's own core exports against the shared fixture tables: what the worker asks per
// request must agree with the package's API on the same inputs.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

// The worker's view: the package's API plus the gateway exports of the glue (as bench/load/logic.mjs).
const core = { ...(await import("../../worker/pkg/pullgate.js")), ...(await import("../../worker/pkg/node.js")) };
const digestCases = JSON.parse(readFileSync(new URL("../fixtures/digest.json", import.meta.url))).cases;

test("gatewayIsDigest answers as parseDigest does for every digest.json case, without throwing", () => {
  const cases = digestCases.filter((c) => c.fn === "parseDigest" && typeof c.args[0] === "string");
  assert.ok(cases.some((c) => c.ok) && cases.some((c) => c.error), "the table has both kinds");
  for (const c of cases) {
    const [s] = c.args;
    let parses = true;
    try {
      core.parseDigest(s);
    } catch {
      parses = false;
    }
    assert.equal(core.gatewayIsDigest(s), parses, JSON.stringify(s));
    assert.equal(core.gatewayIsDigest(s), Boolean(c.ok), `${JSON.stringify(s)} as the table says`);
  }
  assert.equal(core.gatewayIsDigest("latest"), false);
});
