// Node entry (18+): reads the wasm next to this file and instantiates it at import, so
// `import * as pg from "pullgate"` is ready at once. `init()` stays exported (a no-op here) so
// code written for browsers runs unchanged.
import { readFileSync } from "node:fs";
import { initSync } from "./pullgate.js";

initSync({ module: readFileSync(new URL("./pullgate_bg.wasm", import.meta.url)) });

export * from "./pullgate.js";
export { default } from "./pullgate.js";
export { PullgateError } from "__ERROR_MODULE__";
