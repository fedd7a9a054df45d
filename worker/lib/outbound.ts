// What every client of an outside service shares (help desks, Twilio, webhook receivers): one
// request with a deadline to an address that may be called, HTTP Basic credentials, Retry-After,
// and one error type that says whether trying again can help.
import { outgoingRequestProblem } from "./outgoing-url";

/**
 * Why a request to an outside service failed. `retryable`: the service was down, slow or rate
 * limiting (5xx, 429, timeouts, network errors) and the same request may succeed later, after
 * `retryAfterMs` when it said so. Not retryable: a 4xx such as 401/403/422, a problem an admin
 * must fix. The message never carries a credential or the service's response body.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

/** HTTP Basic credentials; UTF-8 before base64, as btoa alone refuses anything beyond Latin-1. */
export function basicAuth(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * `fetch` for an address an admin entered (or a service handed us): refused with a DeliveryError
 * naming `service` when the address is not a public one, now (see outgoing-url.ts). Redirects
 * are never followed here: a caller that follows one calls this again for its target.
 */
export async function fetchOutside(service: string, url: string | URL, init: RequestInit = {}): Promise<Response> {
  const refusal = await outgoingRequestProblem(String(url));
  if (refusal) throw new DeliveryError(`${service}: ${refusal.problem}`, refusal.retryable);
  return fetch(url, { ...init, redirect: "manual" });
}

/**
 * One request with a deadline. Resolves with any HTTP answer and its text; a network failure or
 * the deadline becomes a retryable DeliveryError naming `service`.
 */
export async function requestWithDeadline(
  service: string,
  url: string,
  init: RequestInit & { timeoutMs: number },
): Promise<{ response: Response; text: string }> {
  const { timeoutMs, ...rest } = init;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetchOutside(service, url, { ...rest, signal });
    return { response, text: await response.text() };
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    throw new DeliveryError(signal.aborted ? `${service} did not answer within ${timeoutMs} ms` : `${service} could not be reached`, true);
  }
}

/** A non-2xx answer as the error it stands for: 5xx and 429 are worth another try. */
export function statusError(service: string, response: Response, hint: string): DeliveryError {
  const { status } = response;
  return new DeliveryError(
    `${service} answered ${status}: ${hint}`,
    status >= 500 || status === 429,
    status,
    retryAfterMs(response.headers.get("Retry-After")),
  );
}
