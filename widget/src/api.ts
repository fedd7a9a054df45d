// The widget's REST calls (see the contract); each returns the parsed body or throws ApiError.
import type { AttachmentT, TicketT, WidgetConfigT } from "../../contract";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One JSON call to the Parley API: a string body is sent as JSON, and an error answer (the
 * contract's `{error: {code, message}}`) or no answer at all becomes an ApiError. Shared by the
 * widget and the inbox.
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
  const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!response.ok) throw new ApiError(response.status, body?.error?.code ?? "network", body?.error?.message ?? response.statusText);
  return body as T;
}

export type Session = { token: string; expiresAt: string; profileId: string | null };
export type Customer = { id: string; email?: string; name?: string; phone?: string };

export function createApi(base: string, token: () => string | null) {
  function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    const bearer = token();
    if (bearer) headers.set("Authorization", `Bearer ${bearer}`);
    // The widget speaks for the shopper by its token alone: an agent's cookie on /demo stays home.
    return requestJson<T>(base + path, { ...init, headers, credentials: "omit" });
  }

  return {
    config: () => call<WidgetConfigT>("/api/widget/config"),
    session: (customer?: Customer, userHash?: string) =>
      call<Session>("/api/widget/session", { method: "POST", body: JSON.stringify(customer ? { customer, userHash } : {}) }),
    activeTicket: () => call<{ ticket: TicketT }>("/api/widget/conversations/active").then((r) => r.ticket),
    startTicket: () => call<{ ticket: TicketT }>("/api/widget/conversations", { method: "POST" }).then((r) => r.ticket),
    upload: (file: File) => {
      const form = new FormData();
      form.append("file", file);
      return call<AttachmentT>("/api/uploads", { method: "POST", body: form });
    },
    socketUrl: (ticketId: string, after: number) =>
      `${base.replace(/^http/, "ws")}/api/widget/conversations/${encodeURIComponent(ticketId)}/ws?token=${encodeURIComponent(token() ?? "")}&after=${after}`,
  };
}

export type Api = ReturnType<typeof createApi>;
