// The bodies, queries and answers of the agent API (the inbox's calls; session cookie), written
// once: the worker validates with them and documents them in OpenAPI under these names, and the
// inbox imports their types.
import { z } from "@hono/zod-openapi";
import { MAX_BODY_CHARS } from "./limits";
import {
  Agent,
  AiSource,
  AttachmentRef,
  Channel,
  ClientId,
  Macro,
  Message,
  MessageBody,
  Profile,
  Role,
  StoreEvent,
  Ticket,
  TicketStatus,
  Webhook,
  WebhookDelivery,
  WebhookInput,
} from "./models";
import { Article, ArticleInput, Faq, FaqInput } from "./knowledge";
import { LabelName, MAX_TICKET_LABELS } from "./labels";
import { LOCALES } from "./locales";

/** An id in a path: tickets, FAQs, webhooks. */
export const IdParam = z.object({ id: z.string().min(1).max(100) });

// ---- sign-in and the agent's own account ----------------------------------------------------

export const AgentList = z.object({ agents: z.array(Agent) }).openapi("AgentList");
export const SignIn = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1000) }).openapi("SignIn");
export const AgentResponse = z.object({ agent: Agent }).openapi("AgentResponse");
export const MePatch = z.object({ notifyOnAssignedReply: Agent.shape.notifyOnAssignedReply }).strict().openapi("MePatch");
export const NewAgent = z
  .object({
    email: z.email().max(320),
    name: z.string().trim().min(1).max(200),
    role: Role,
    password: z.string().min(10, "must be at least 10 characters").max(1000),
  })
  .openapi("NewAgent");

// ---- tickets --------------------------------------------------------------------------------

/** `?status=` (empty, as the contract writes it) means no filter. */
const filterParam = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

export const TicketListQuery = z.object({
  view: filterParam(z.enum(["inbox", "ai"])).openapi({
    description: "`ai`: the conversations the AI agent handles without the team (admins; Parley extension). Default `inbox`.",
  }),
  status: filterParam(TicketStatus),
  channel: filterParam(Channel),
  assignee: filterParam(z.string().min(1).max(100)).openapi({ description: "`me`, `unassigned` or an agent id" }),
  mentioned: filterParam(z.literal("me")).openapi({ description: "`me`: the tickets whose notes mention the signed-in agent" }),
  label: filterParam(LabelName).openapi({ description: "Only tickets with this label (its name, in any case)" }),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional(),
});
export const TicketPage = z.object({ tickets: z.array(Ticket), nextCursor: z.string().nullable() }).openapi("TicketPage");
export const TicketDetail = z
  .object({
    ticket: Ticket,
    profile: Profile.nullable(),
    events: z.array(StoreEvent),
    recentTickets: z.array(Ticket).openapi({ description: "The customer's newest tickets of every channel, this one included (Parley extension)" }),
  })
  .openapi("TicketDetail");
export const HistoryQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const MessageList = z.object({ messages: z.array(Message) }).openapi("MessageList");
export const MessageResponse = z.object({ message: Message }).openapi("MessageResponse");
export const Reply = z.object({ clientId: ClientId, body: MessageBody, attachments: z.array(AttachmentRef).max(10).optional() }).openapi("Reply");
export const RetryParam = IdParam.extend({ seq: z.coerce.number().int().positive() });
export const TicketPatch = z
  .object({
    status: TicketStatus.optional(),
    snoozeUntil: z.iso.datetime().nullable().optional(),
    assigneeId: z.string().min(1).max(100).nullable().optional(),
    labels: z
      .array(LabelName)
      .max(MAX_TICKET_LABELS, `at most ${MAX_TICKET_LABELS} labels`)
      .optional()
      .openapi({ description: "The ticket's labels (replaces them all): names of existing labels, in any case" }),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, "name at least one of status, snoozeUntil, assigneeId, labels")
  .openapi("TicketPatch");

// ---- lists admins edit (FAQs, macros, articles) ---------------------------------------------

export const MacroInput = z
  .object({ name: z.string().trim().min(1).max(200), body: z.string().trim().min(1).max(MAX_BODY_CHARS) })
  .strict()
  .openapi("MacroInput");
/** A change to a list item: any of its fields, at least one. */
const itemPatch = <T extends z.ZodObject>(input: T, name: string) =>
  input
    .partial()
    .refine((patch) => Object.keys(patch).length > 0, "name at least one field to change")
    .openapi(name);
export const FaqPatch = itemPatch(FaqInput, "FaqPatch");
export const MacroPatch = itemPatch(MacroInput, "MacroPatch");
export const ArticlePatch = itemPatch(ArticleInput, "ArticlePatch");
export const FaqList = z.object({ faqs: z.array(Faq) }).openapi("FaqList");
export const MacroList = z.object({ macros: z.array(Macro) }).openapi("MacroList");
export const ArticleList = z.object({ articles: z.array(Article) }).openapi("ArticleList");

// ---- the AI agent ---------------------------------------------------------------------------

export const AiTryRequest = z
  .object({
    question: z.string().trim().min(1, "ask something").max(MAX_BODY_CHARS),
    customerId: z.string().trim().min(1).max(200).optional().openapi({ description: "A store customer id (externalId): answer as if this customer asked" }),
    locale: z
      .enum(LOCALES)
      .optional()
      .openapi({ description: "The shopper's locale: the FAQs and articles are read in it where they have it, as in a chat in that language" }),
  })
  .strict()
  .openapi("AiTryRequest");
export const AiTryResult = z
  .object({
    decision: z.enum(["answer", "suggest", "handoff"]),
    text: z.string().nullable(),
    suggestions: z.array(AiSource).openapi({ description: 'What the shopper would be offered as "Is this what you\'re asking about?" (decision `suggest`)' }),
    reason: z.string().nullable(),
    detail: z.string(),
    confidence: z.number(),
    threshold: z.number(),
    provider: z.string(),
    sources: z.array(AiSource),
    candidates: z.array(AiSource.extend({ confidence: z.number() })),
  })
  .openapi("AiTryResult");
export const AiHandoff = z
  .object({
    ticketId: z.string(),
    target: z.enum(["zendesk", "gorgias"]),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    externalId: z.string().nullable(),
    summary: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("AiHandoff");
export const AiHandoffList = z.object({ handoffs: z.array(AiHandoff) }).openapi("AiHandoffList");

// ---- keys of outside services ---------------------------------------------------------------

export const CREDENTIAL_NAMES = ["openai", "zendesk", "gorgias", "twilio"] as const;
export const CredentialName = z.enum(CREDENTIAL_NAMES);
export const CredentialStatus = z
  .object({
    set: z.boolean(),
    host: z.string().nullable().openapi({ description: "The host the key was entered for" }),
    matches: z.boolean().openapi({ description: "Whether that is the host the settings name now (else the key is not used)" }),
  })
  .openapi("CredentialStatus");
export const CredentialStatuses = z
  .object(Object.fromEntries(CREDENTIAL_NAMES.map((name) => [name, CredentialStatus])) as Record<(typeof CREDENTIAL_NAMES)[number], typeof CredentialStatus>)
  .openapi("CredentialStatuses");
export const CredentialParam = z.object({ name: CredentialName });
export const CredentialValue = z
  .object({ value: z.string().trim().min(1, "must not be empty").max(4000) })
  .strict()
  .openapi("CredentialValue");

// ---- notification emails (admins) -----------------------------------------------------------

export const EmailUnsubscribe = z.object({ email: z.string(), unsubscribedAt: z.string() }).openapi("EmailUnsubscribe");
export const EmailLogEntry = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    kind: z.enum(["new_ticket", "customer_reply", "continuity"]),
    recipient: z.string(),
    subject: z.string(),
    sentAt: z.string(),
  })
  .openapi("EmailLogEntry");
export const EmailUnsubscribeList = z.object({ unsubscribes: z.array(EmailUnsubscribe) }).openapi("EmailUnsubscribeList");
export const EmailLog = z.object({ emails: z.array(EmailLogEntry) }).openapi("EmailLog");
export const EmailParam = z.object({ email: z.email("must be an email address").max(320) });
export const LimitQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

// ---- webhooks (admins) ----------------------------------------------------------------------

const eventsAreUnique = (input: { events?: string[] }) => !input.events || new Set(input.events).size === input.events.length;
const uniqueEvents = { path: ["events"], message: "lists an event more than once" };

export const WebhookCreate = WebhookInput.partial({ enabled: true })
  .refine(eventsAreUnique, uniqueEvents)
  .openapi("WebhookCreate", { description: "`enabled` defaults to true." });
export const WebhookPatch = WebhookInput.partial()
  .refine((patch) => Object.keys(patch).length > 0, "name at least one field to change")
  .refine(eventsAreUnique, uniqueEvents)
  .openapi("WebhookPatch");
const Secret = z.string().openapi({ description: "The signing secret: shown only in this response, store it now", example: "whsec_…" });
export const WebhookList = z.object({ webhooks: z.array(Webhook) }).openapi("WebhookList");
export const WebhookResponse = z.object({ webhook: Webhook }).openapi("WebhookResponse");
export const WebhookCreated = z.object({ webhook: Webhook, secret: Secret }).openapi("WebhookCreated");
export const WebhookSecret = z.object({ secret: Secret }).openapi("WebhookSecret");
export const WebhookDeliveryList = z.object({ deliveries: z.array(WebhookDelivery) }).openapi("WebhookDeliveryList");
export const WebhookDeliveriesQuery = z.object({
  webhookId: z.string().min(1).max(100).optional().openapi({ description: "Only this endpoint's deliveries (a deleted endpoint's too)" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

// ---- uploads --------------------------------------------------------------------------------

/** The file itself is checked by its bytes; the schema only documents the form. */
export const UploadParam = z.object({ key: z.string().regex(/^[0-9a-f]{32}$/, "is not an upload key") });
export const UploadForm = z.object({ file: z.any().openapi({ type: "string", format: "binary" }) }).openapi("UploadForm");

export type AgentListT = z.infer<typeof AgentList>;
export type AgentResponseT = z.infer<typeof AgentResponse>;
export type SignInT = z.infer<typeof SignIn>;
export type MePatchT = z.infer<typeof MePatch>;
export type NewAgentT = z.infer<typeof NewAgent>;
/** The list's filters as the inbox sends them (after defaults). */
export type TicketListQueryT = z.output<typeof TicketListQuery>;
export type MessageListT = z.infer<typeof MessageList>;
export type MessageResponseT = z.infer<typeof MessageResponse>;
export type TicketPageT = z.infer<typeof TicketPage>;
export type TicketDetailT = z.infer<typeof TicketDetail>;
export type ReplyT = z.infer<typeof Reply>;
export type TicketPatchT = z.infer<typeof TicketPatch>;
export type FaqInputT = z.infer<typeof FaqInput>;
export type MacroInputT = z.infer<typeof MacroInput>;
export type ArticleInputT = z.infer<typeof ArticleInput>;
export type FaqPatchT = z.infer<typeof FaqPatch>;
export type FaqListT = z.infer<typeof FaqList>;
export type MacroListT = z.infer<typeof MacroList>;
export type ArticleListT = z.infer<typeof ArticleList>;
export type MacroPatchT = z.infer<typeof MacroPatch>;
export type ArticlePatchT = z.infer<typeof ArticlePatch>;
export type AiTryRequestT = z.infer<typeof AiTryRequest>;
export type AiTryResultT = z.infer<typeof AiTryResult>;
export type AiHandoffT = z.infer<typeof AiHandoff>;
export type AiHandoffListT = z.infer<typeof AiHandoffList>;
export type CredentialNameT = z.infer<typeof CredentialName>;
export type CredentialStatusT = z.infer<typeof CredentialStatus>;
export type CredentialStatusesT = z.infer<typeof CredentialStatuses>;
export type EmailUnsubscribeT = z.infer<typeof EmailUnsubscribe>;
export type EmailLogEntryT = z.infer<typeof EmailLogEntry>;
export type EmailUnsubscribeListT = z.infer<typeof EmailUnsubscribeList>;
export type EmailLogT = z.infer<typeof EmailLog>;
export type WebhookCreateT = z.infer<typeof WebhookCreate>;
export type WebhookPatchT = z.infer<typeof WebhookPatch>;
export type WebhookCreatedT = z.infer<typeof WebhookCreated>;
export type WebhookListT = z.infer<typeof WebhookList>;
export type WebhookResponseT = z.infer<typeof WebhookResponse>;
export type WebhookSecretT = z.infer<typeof WebhookSecret>;
export type WebhookDeliveryListT = z.infer<typeof WebhookDeliveryList>;
