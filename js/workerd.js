// Workers entry (workerd, wrangler, Miniflare): the runtime hands over the wasm as a compiled
// `WebAssembly.Module` import, instantiated at import as automerge's workerd entry does.
import module from "./pullgate_bg.wasm";
import { initSync } from "./pullgate.js";

initSync({ module });

export * from "./pullgate.js";
export { default } from "./pullgate.js";
export { PullgateError } from "__ERROR_MODULE__";
