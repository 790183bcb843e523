// Browser and bundler entry: call `await init()` (fetches pullgate_bg.wasm next to this file)
// or `initSync({ module })` with a compiled module before anything else.
export * from "./pullgate.js";
export { default } from "./pullgate.js";
export { PullgateError } from "__ERROR_MODULE__";
