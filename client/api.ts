// One JSON call to the Parley API, as both browser apps make it: the widget with its bearer
// token, the inbox with its session cookie.
import type { ErrorCodeT } from "../contract";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The contract's error code, or "network" when no answer came (or not the contract's). */
    readonly code: ErrorCodeT | "network",
    message: string,
  ) {
    super(message);
  }
}

/**
 * A string body is sent as JSON, and an error answer (the contract's `{error: {code, message}}`)
 * or no answer at all becomes an ApiError.
 */
export async function requestJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (typeof init.body === "string") headers.set("Content-Type", "application/json");
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers });
  } catch {
    throw new ApiError(0, "network", "Can't reach the server; check the connection.");
  }
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => null)) as { error?: { code: ErrorCodeT; message: string } } | null;
  if (!response.ok) throw new ApiError(response.status, body?.error?.code ?? "network", body?.error?.message ?? response.statusText);
  return body as T;
}
