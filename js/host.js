// What the host entry found about its runtime, read by api.js: a native streaming hash
// (`createHash` of node:crypto) when the host has one. Internal to the package.
export const host = { createHash: null };
