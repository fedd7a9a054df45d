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

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} was not found.`);
