// Workers entry (workerd, wrangler, Miniflare): the runtime hands over the wasm as a compiled
// `WebAssembly.Module` import, instantiated at import as automerge's workerd entry does. With
// `nodejs_compat`, hashes stream through the runtime's native node:crypto.
import module from "./pullgate_bg.wasm";
import { initSync } from "./pullgate.js";
import { host } from "./host.js";

initSync({ module });
try {
  const crypto = globalThis.process?.getBuiltinModule?.("node:crypto");
  if (typeof crypto?.createHash === "function") host.createHash = crypto.createHash;
} catch {
  // no node:crypto: the wasm hash
}

export * from "./api.js";
export { default, initSync } from "./pullgate.js";
