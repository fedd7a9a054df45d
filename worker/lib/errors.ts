import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorCodeT } from "../../contract";

/** Thrown anywhere in a request; the app's error handler turns it into the contract's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCodeT,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const errorBody = (code: ErrorCodeT, message: string) => ({ error: { code, message } });

/** The first problem a zod schema found, naming its field (`whole` when it is the whole input): the contract's `invalid_request` message. */
export function firstIssue(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }, whole: string): string {
  const issue = error.issues[0];
  return `${issue?.path.map(String).join(".") || whole}: ${issue?.message ?? "is invalid"}`;
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} was not found.`);
