// Node entry (18+): reads the wasm next to this file and instantiates it at import, so
// `import * as pg from "pullgate"` is ready at once, and streams hashes through node:crypto.
// `init()` stays exported (a no-op here) so code written for browsers runs unchanged.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { initSync } from "./pullgate.js";
import { host } from "./host.js";

initSync({ module: readFileSync(new URL("./pullgate_bg.wasm", import.meta.url)) });
host.createHash = createHash;

export * from "./api.js";
export { default, initSync } from "./pullgate.js";
