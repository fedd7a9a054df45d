// The widget's REST calls (see the contract); each returns the parsed body or throws ApiError.
import type {
  AttachmentT,
  RatingRequestT,
  RatingResponseT,
  TicketResponseT,
  TicketT,
  UnratedTicketResponseT,
  WidgetConfigT,
  WidgetSessionRequestT,
  WidgetSessionT,
} from "../../contract";
import { requestJson } from "../../client/api";

export function createApi(base: string, token: () => string | null) {
  function call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    const bearer = token();
    if (bearer) headers.set("Authorization", `Bearer ${bearer}`);
    // The widget speaks for the shopper by its token alone: an agent's cookie on /demo stays home.
    return requestJson<T>(base + path, { ...init, headers, credentials: "omit" });
  }

  return {
    config: (locale: string) => call<WidgetConfigT>(`/api/widget/config?locale=${locale}`),
    session: (identity: WidgetSessionRequestT = {}) => call<WidgetSessionT>("/api/widget/session", { method: "POST", body: JSON.stringify(identity) }),
    /** The open chat, or null: `missing=null` keeps the store's console free of a 404 on every page view. */
    activeTicket: () => call<{ ticket: TicketT | null }>("/api/widget/conversations/active?missing=null").then((r) => r.ticket),
    /** The closed chat the shopper may still rate (CSAT), or null. */
    unratedTicket: () => call<UnratedTicketResponseT>("/api/widget/conversations/unrated").then((r) => r.ticket),
    rate: (ticketId: string, rating: RatingRequestT) =>
      call<RatingResponseT>(`/api/widget/conversations/${encodeURIComponent(ticketId)}/rating`, { method: "POST", body: JSON.stringify(rating) }).then(
        (r) => r.rating,
      ),
    startTicket: (locale: string) =>
      call<TicketResponseT>("/api/widget/conversations", { method: "POST", body: JSON.stringify({ locale }) }).then((r) => r.ticket),
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
