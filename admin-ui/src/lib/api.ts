// The inbox's REST calls (see the contract and docs/api.md). The session cookie rides along on
// its own; a 401 anywhere but sign-in means the session ended, which the session store hears.
import type {
  AgentListT,
  AgentResponseT,
  AiHandoffListT,
  AiTryRequestT,
  AiTryResultT,
  ArticleInputT,
  ArticleListT,
  ArticlePatchT,
  ArticleT,
  AttachmentT,
  CountsT,
  CredentialNameT,
  CredentialStatusesT,
  EmailLogT,
  EmailUnsubscribeListT,
  FaqInputT,
  FaqListT,
  FaqPatchT,
  FaqT,
  LabelInputT,
  LabelListT,
  LabelResponseT,
  MacroInputT,
  MacroListT,
  MacroPatchT,
  MacroT,
  MePatchT,
  MessageListT,
  MessageResponseT,
  NewAgentT,
  NoteInputT,
  NoteListT,
  NoteResponseT,
  SearchPageT,
  SearchQueryT,
  SettingsPatchT,
  SettingsT,
  SignInT,
  TicketDetailT,
  TicketListQueryT,
  TicketPageT,
  TicketPatchT,
  TicketResponseT,
  WebhookCreatedT,
  WebhookCreateT,
  WebhookDeliveryListT,
  WebhookListT,
  WebhookPatchT,
  WebhookResponseT,
  WebhookSecretT,
} from "../../../contract";
import { ApiError, requestJson } from "../../../client/api";

export { ApiError };

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

export const send = <T>(method: string, path: string, body?: unknown) => call<T>(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const api = {
  me: () => call<AgentResponseT>("/api/me").then((r) => r.agent),
  signIn: (credentials: SignInT) => send<AgentResponseT>("POST", "/api/auth/login", credentials).then((r) => r.agent),
  signOut: () => send<void>("POST", "/api/auth/logout"),
  updateMe: (patch: MePatchT) => send<AgentResponseT>("PATCH", "/api/me", patch).then((r) => r.agent),

  tickets: (filter: TicketListQueryT) => call<TicketPageT>(`/api/tickets${query(filter)}`),
  ticket: (id: string) => call<TicketDetailT>(`/api/tickets/${encodeURIComponent(id)}`),
  messages: (id: string, before: number | null, limit: number) =>
    call<MessageListT>(`/api/tickets/${encodeURIComponent(id)}/messages${query({ before, limit })}`).then((r) => r.messages),
  updateTicket: (id: string, patch: TicketPatchT) => send<TicketResponseT>("PATCH", `/api/tickets/${encodeURIComponent(id)}`, patch).then((r) => r.ticket),
  /** Sends a failed SMS again (409 unless it failed). */
  notes: (id: string) => call<NoteListT>(`/api/tickets/${encodeURIComponent(id)}/notes`).then((r) => r.notes),
  addNote: (id: string, note: NoteInputT) => send<NoteResponseT>("POST", `/api/tickets/${encodeURIComponent(id)}/notes`, note).then((r) => r.note),
  retrySms: (id: string, seq: number) => send<MessageResponseT>("POST", `/api/tickets/${encodeURIComponent(id)}/messages/${seq}/retry`).then((r) => r.message),
  counts: () => call<CountsT>("/api/inbox/counts"),
  search: (params: Partial<SearchQueryT> & { q: string }) => call<SearchPageT>(`/api/search${query(params)}`),

  upload: (file: File) => {
    const form = new FormData();
    form.append("file", file);
    return call<AttachmentT>("/api/uploads", { method: "POST", body: form });
  },

  agents: () => call<AgentListT>("/api/agents").then((r) => r.agents),
  addAgent: (agent: NewAgentT) => send<AgentResponseT>("POST", "/api/agents", agent).then((r) => r.agent),

  settings: () => call<SettingsT>("/api/settings"),
  updateSettings: (patch: SettingsPatchT) => send<SettingsT>("PATCH", "/api/settings", patch),

  faqs: () => call<FaqListT>("/api/faqs").then((r) => r.faqs),
  addFaq: (faq: FaqInputT) => send<FaqT>("POST", "/api/faqs", faq),
  updateFaq: (id: string, patch: FaqPatchT) => send<FaqT>("PATCH", `/api/faqs/${encodeURIComponent(id)}`, patch),
  deleteFaq: (id: string) => send<void>("DELETE", `/api/faqs/${encodeURIComponent(id)}`),

  labels: () => call<LabelListT>("/api/labels").then((r) => r.labels),
  addLabel: (label: LabelInputT) => send<LabelResponseT>("POST", "/api/labels", label).then((r) => r.label),
  deleteLabel: (id: string) => send<void>("DELETE", `/api/labels/${encodeURIComponent(id)}`),

  macros: () => call<MacroListT>("/api/macros").then((r) => r.macros),
  addMacro: (macro: MacroInputT) => send<MacroT>("POST", "/api/macros", macro),
  updateMacro: (id: string, patch: MacroPatchT) => send<MacroT>("PATCH", `/api/macros/${encodeURIComponent(id)}`, patch),
  deleteMacro: (id: string) => send<void>("DELETE", `/api/macros/${encodeURIComponent(id)}`),

  articles: () => call<ArticleListT>("/api/articles").then((r) => r.articles),
  addArticle: (article: ArticleInputT) => send<ArticleT>("POST", "/api/articles", article),
  updateArticle: (id: string, patch: ArticlePatchT) => send<ArticleT>("PATCH", `/api/articles/${encodeURIComponent(id)}`, patch),
  deleteArticle: (id: string) => send<void>("DELETE", `/api/articles/${encodeURIComponent(id)}`),

  credentials: () => call<CredentialStatusesT>("/api/credentials"),
  setCredential: (name: CredentialNameT, value: string) => send<void>("PUT", `/api/credentials/${name}`, { value }),
  forgetCredential: (name: CredentialNameT) => send<void>("DELETE", `/api/credentials/${name}`),
  tryAi: (request: AiTryRequestT) => send<AiTryResultT>("POST", "/api/ai/try", request),
  handoffs: () => call<AiHandoffListT>("/api/ai/handoffs").then((r) => r.handoffs),

  unsubscribes: () => call<EmailUnsubscribeListT>("/api/notifications/unsubscribes").then((r) => r.unsubscribes),
  resubscribe: (email: string) => send<void>("DELETE", `/api/notifications/unsubscribes/${encodeURIComponent(email)}`),
  notificationLog: (limit: number) => call<EmailLogT>(`/api/notifications/log${query({ limit })}`).then((r) => r.emails),

  webhooks: () => call<WebhookListT>("/api/webhooks").then((r) => r.webhooks),
  /** The signing secret comes back this once. */
  addWebhook: (input: WebhookCreateT) => send<WebhookCreatedT>("POST", "/api/webhooks", input),
  updateWebhook: (id: string, patch: WebhookPatchT) => send<WebhookResponseT>("PATCH", `/api/webhooks/${encodeURIComponent(id)}`, patch).then((r) => r.webhook),
  deleteWebhook: (id: string) => send<void>("DELETE", `/api/webhooks/${encodeURIComponent(id)}`),
  rotateWebhookSecret: (id: string) => send<WebhookSecretT>("POST", `/api/webhooks/${encodeURIComponent(id)}/secret`).then((r) => r.secret),
  webhookDeliveries: (webhookId: string, limit: number) =>
    call<WebhookDeliveryListT>(`/api/webhooks/deliveries${query({ webhookId, limit })}`).then((r) => r.deliveries),
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
