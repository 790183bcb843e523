// Types of every entry (node, workerd, browser): the generated declarations plus the error class.
export * from "./pullgate.js";
export { default } from "./pullgate.js";

/** The `code` of a {@link PullgateError}: stable, branch on it (never on the message). */
export type PullgateErrorCode =
  | "REFERENCE_INVALID_FORMAT"
  | "NAME_EMPTY"
  | "NAME_TOO_LONG"
  | "NAME_CONTAINS_UPPERCASE"
  | "NAME_NOT_CANONICAL"
  | "NAME_IS_IMAGE_ID"
  | "TAG_INVALID_FORMAT"
  | "DIGEST_INVALID_FORMAT"
  | "DIGEST_UNSUPPORTED"
  | "HUB_NAME_INVALID"
  | "PLATFORM_INVALID"
  | "MANIFEST_INVALID"
  | "MANIFEST_UNSUPPORTED"
  | "MANIFEST_TOO_LARGE"
  | "HEADER_INVALID"
  | "INVALID_ARGUMENT";

/**
 * Every failure of pullgate throws a `PullgateError`: an `Error` whose `message` names the
 * offending input and whose `code` says what went wrong. Nothing else is thrown, and the module
 * stays usable after any error.
 */
export class PullgateError extends Error {
  constructor(code: PullgateErrorCode, message: string);
  readonly name: "PullgateError";
  readonly code: PullgateErrorCode;
}
