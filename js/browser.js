// Browser and bundler entry: call `await init()` (fetches pullgate_bg.wasm next to this file)
// or `initSync({ module })` with a compiled module before anything else.
export * from "./api.js";
export { default, initSync } from "./pullgate.js";
