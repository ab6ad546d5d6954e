/** Error codes Pitwall reports; the CLI maps `input` codes to exit status 2. */
export type PitwallErrorCode =
  | 'input'
  | 'not-found'
  | 'format'
  | 'corrupt'
  | 'read-only'
  | 'conflict'
  | 'io'
  | 'unsupported'
  | 'internal';

/** The one error type of Pitwall: a user-facing message (from messages.ts), a code, and the cause. */
export class PitwallError extends Error {
  readonly code: PitwallErrorCode;

  constructor(code: PitwallErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PitwallError';
    this.code = code;
  }
}

export function isPitwallError(error: unknown): error is PitwallError {
  return error instanceof PitwallError;
}

/** A readable one-line description of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
