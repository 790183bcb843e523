// The core (the pullgate wasm, through the package's workerd entry), imported in one place.
// A namespace import: exports another branch adds (API.md's parseWwwAuthenticate, ...) are
// looked up when called, so the worker still loads with a package built before they landed.
import * as core from "../pkg/workerd.js";

export { core };
export const { PullgateError } = core;

/** The core export `name`, or an error naming it when this build of the package lacks it. */
export function coreFn(name) {
  const fn = core[name];
  if (typeof fn !== "function") throw new Error(`the pullgate package in worker/pkg has no ${name}: run make build`);
  return fn;
}
