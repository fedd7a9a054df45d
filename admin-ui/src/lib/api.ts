// The inbox's REST calls (see the contract and docs/api.md). The session cookie rides along on
// its own; a 401 anywhere but sign-in means the session ended, which the session store hears.
import type {
  AgentT,
  ArticleT,
  AttachmentT,
  CountsT,
  FaqT,
  MacroT,
  MessageT,
  ProfileT,
  RoleT,
  SettingsPatchT,
  SettingsT,
  StoreEventT,
  TicketT,
  WebhookDeliveryT,
  WebhookInputT,
  WebhookT,
} from "../../../contract";
import { ApiError, requestJson } from "../../../widget/src/api";

export { ApiError };

/** `recentTickets`: the customer's newest tickets of every channel, this one included. */
export type TicketDetail = { ticket: TicketT; profile: ProfileT | null; events: StoreEventT[]; recentTickets: TicketT[] };
export type TicketPage = { tickets: TicketT[]; nextCursor: string | null };
export type ListFilter = { status?: string; assignee?: string; channel?: string; limit?: number; cursor?: string | null };
export type TicketPatch = { status?: TicketT["status"]; snoozeUntil?: string | null; assigneeId?: string | null };
export type FaqInput = Pick<FaqT, "question" | "answer" | "published"> & { position?: number };
export type MacroInput = Pick<MacroT, "name" | "body">;
export type NewAgent = { email: string; name: string; role: RoleT; password: string };
export type ArticleInput = Pick<ArticleT, "title" | "body">;
export type CredentialName = "openai" | "zendesk" | "gorgias" | "twilio";
export type CredentialStatus = { set: boolean; host: string | null; matches: boolean };
export type AiSource = { kind: "faq" | "article" | "order"; id: string; title: string; score: number };
export type AiTry = {
  decision: "answer" | "handoff";
  text: string | null;
  reason: string | null;
  detail: string;
  confidence: number;
  threshold: number;
  provider: string;
  sources: AiSource[];
  candidates: Array<AiSource & { confidence: number }>;
};
export type Handoff = {
  ticketId: string;
  target: "zendesk" | "gorgias";
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastError: string | null;
  externalId: string | null;
  summary: string;
  createdAt: string;
  updatedAt: string;
};

export type Unsubscribe = { email: string; unsubscribedAt: string };
export type NotificationEmail = { id: string; ticketId: string; kind: "new_ticket" | "customer_reply"; recipient: string; subject: string; sentAt: string };
export type MyPreferences = Pick<AgentT, "notifyOnAssignedReply">;

let sessionEnded: () => void = () => {};

/** Who to tell when a call finds the session gone (expired, or signed out elsewhere). */
export function onSessionEnded(handler: () => void): void {
  sessionEnded = handler;
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  try {
    return await requestJson<T>(path, init);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && path !== "/api/auth/login") sessionEnded();
    throw error;
  }
}

const send = <T>(method: string, path: string, body?: unknown) => call<T>(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const api = {
  me: () => call<{ agent: AgentT }>("/api/me").then((r) => r.agent),
  signIn: (email: string, password: string) => send<{ agent: AgentT }>("POST", "/api/auth/login", { email, password }).then((r) => r.agent),
  signOut: () => send<void>("POST", "/api/auth/logout"),
  updateMe: (patch: MyPreferences) => send<{ agent: AgentT }>("PATCH", "/api/me", patch).then((r) => r.agent),

  tickets: (filter: ListFilter) => call<TicketPage>(`/api/tickets${query(filter)}`),
  ticket: (id: string) => call<TicketDetail>(`/api/tickets/${encodeURIComponent(id)}`),
  messages: (id: string, before: number | null, limit: number) =>
    call<{ messages: MessageT[] }>(`/api/tickets/${encodeURIComponent(id)}/messages${query({ before, limit })}`).then((r) => r.messages),
  updateTicket: (id: string, patch: TicketPatch) => send<{ ticket: TicketT }>("PATCH", `/api/tickets/${encodeURIComponent(id)}`, patch).then((r) => r.ticket),
  /** Sends a failed SMS again (409 unless it failed). */
  retrySms: (id: string, seq: number) => send<{ message: MessageT }>("POST", `/api/tickets/${encodeURIComponent(id)}/messages/${seq}/retry`).then((r) => r.message),
  counts: () => call<CountsT>("/api/inbox/counts"),

  upload: (file: File) => {
    const form = new FormData();
    form.append("file", file);
    return call<AttachmentT>("/api/uploads", { method: "POST", body: form });
  },

  agents: () => call<{ agents: AgentT[] }>("/api/agents").then((r) => r.agents),
  addAgent: (agent: NewAgent) => send<{ agent: AgentT }>("POST", "/api/agents", agent).then((r) => r.agent),

  settings: () => call<SettingsT>("/api/settings"),
  updateSettings: (patch: SettingsPatchT) => send<SettingsT>("PATCH", "/api/settings", patch),

  faqs: () => call<{ faqs: FaqT[] }>("/api/faqs").then((r) => r.faqs),
  addFaq: (faq: FaqInput) => send<FaqT>("POST", "/api/faqs", faq),
  updateFaq: (id: string, patch: Partial<FaqInput>) => send<FaqT>("PATCH", `/api/faqs/${encodeURIComponent(id)}`, patch),
  deleteFaq: (id: string) => send<void>("DELETE", `/api/faqs/${encodeURIComponent(id)}`),

  macros: () => call<{ macros: MacroT[] }>("/api/macros").then((r) => r.macros),
  addMacro: (macro: MacroInput) => send<MacroT>("POST", "/api/macros", macro),
  updateMacro: (id: string, patch: Partial<MacroInput>) => send<MacroT>("PATCH", `/api/macros/${encodeURIComponent(id)}`, patch),
  deleteMacro: (id: string) => send<void>("DELETE", `/api/macros/${encodeURIComponent(id)}`),

  articles: () => call<{ articles: ArticleT[] }>("/api/articles").then((r) => r.articles),
  addArticle: (article: ArticleInput) => send<ArticleT>("POST", "/api/articles", article),
  updateArticle: (id: string, patch: Partial<ArticleInput>) => send<ArticleT>("PATCH", `/api/articles/${encodeURIComponent(id)}`, patch),
  deleteArticle: (id: string) => send<void>("DELETE", `/api/articles/${encodeURIComponent(id)}`),

  credentials: () => call<Record<CredentialName, CredentialStatus>>("/api/credentials"),
  setCredential: (name: CredentialName, value: string) => send<void>("PUT", `/api/credentials/${name}`, { value }),
  forgetCredential: (name: CredentialName) => send<void>("DELETE", `/api/credentials/${name}`),
  tryAi: (question: string, customerId?: string) => send<AiTry>("POST", "/api/ai/try", customerId ? { question, customerId } : { question }),
  handoffs: () => call<{ handoffs: Handoff[] }>("/api/ai/handoffs").then((r) => r.handoffs),

  unsubscribes: () => call<{ unsubscribes: Unsubscribe[] }>("/api/notifications/unsubscribes").then((r) => r.unsubscribes),
  resubscribe: (email: string) => send<void>("DELETE", `/api/notifications/unsubscribes/${encodeURIComponent(email)}`),
  notificationLog: (limit: number) => call<{ emails: NotificationEmail[] }>(`/api/notifications/log${query({ limit })}`).then((r) => r.emails),

  webhooks: () => call<{ webhooks: WebhookT[] }>("/api/webhooks").then((r) => r.webhooks),
  /** The signing secret comes back this once. */
  addWebhook: (input: WebhookInputT) => send<{ webhook: WebhookT; secret: string }>("POST", "/api/webhooks", input),
  updateWebhook: (id: string, patch: Partial<WebhookInputT>) => send<{ webhook: WebhookT }>("PATCH", `/api/webhooks/${encodeURIComponent(id)}`, patch).then((r) => r.webhook),
  deleteWebhook: (id: string) => send<void>("DELETE", `/api/webhooks/${encodeURIComponent(id)}`),
  rotateWebhookSecret: (id: string) => send<{ secret: string }>("POST", `/api/webhooks/${encodeURIComponent(id)}/secret`).then((r) => r.secret),
  webhookDeliveries: (webhookId: string, limit: number) =>
    call<{ deliveries: WebhookDeliveryT[] }>(`/api/webhooks/deliveries${query({ webhookId, limit })}`).then((r) => r.deliveries),
};

/** A WebSocket URL on this origin (the session cookie goes with the upgrade). */
export const socketUrl = (path: string) => `${location.origin.replace(/^http/, "ws")}${path}`;

/**
 * The field a validation error names: the contract's messages start with the field's path
 * (`links.privacy: must be an http(s) URL`), which forms use to show the error beside it.
 */
export function fieldError(error: unknown): { field: string; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  const match = error instanceof ApiError && error.code === "invalid_request" ? message.match(/^([\w.]+): (.*)$/s) : null;
  return match ? { field: match[1]!, message: match[2]! } : { field: "", message };
}
