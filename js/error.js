// The one error class of the package. The wasm glue imports this file as a snippet, so the
// class the core throws is the very class the entries export: `err instanceof PullgateError`
// holds and `err.code` is one of the codes in API.md.

/** Every failure of pullgate: an `Error` with a stable `code` (see the package README). */
export class PullgateError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "PullgateError";
    this.code = code;
  }
}
