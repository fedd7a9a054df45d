// The public contract's models (../shared/spec/api.md), written once. The worker validates
// with these schemas, the OpenAPI document is generated from them, and the widget and inbox
// import their types.
import { z } from "@hono/zod-openapi";
import { MAX_BODY_CHARS } from "./limits";
import { textProblem } from "./text";

export * from "./limits";
export * from "./locales";
export * from "./sms";
export * from "./text";

/**
 * Text that people read as a message (bodies, and the settings' texts that become messages):
 * trimmed, 1 to `max` characters, with something visible and no broken characters.
 */
export const messageText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `is at most ${max} characters`)
    .superRefine((text, ctx) => {
      const problem = textProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

/**
 * Text that may be left out: trimmed, at most `max` characters, and empty (after trimming) or
 * null for none; otherwise with something visible and no broken characters.
 */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `is at most ${max} characters`)
    .superRefine((text, ctx) => {
      const problem = text === "" ? null : textProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .nullable()
    .optional();

export const isoTime = z.iso.datetime({ offset: false }).openapi({ example: "2026-11-25T09:30:00.000Z" });

export const Channel = z.enum(["webchat", "sms"]);
export const TicketStatus = z.enum(["open", "snoozed", "closed"]);
export const AuthorKind = z.enum(["customer", "agent", "bot", "system"]);
export const Side = z.enum(["customer", "agent"]);
export const Role = z.enum(["admin", "agent"]);
export const LoginStatus = z.enum(["all", "logged_in"]);
export const HandoffTarget = z.enum(["inbox", "zendesk", "gorgias", "message"]);

export const Profile = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    name: z.string().nullable(),
    createdAt: isoTime,
  })
  .openapi("Profile");

/** How the customer rated a closed ticket (spec v2 "Customer satisfaction"): 1 to 5, with an optional comment. */
export const Rating = z
  .object({
    score: z.number().int().min(1).max(5),
    comment: z.string().nullable(),
    createdAt: isoTime,
  })
  .openapi("Rating");

export const Ticket = z
  .object({
    id: z.string(),
    channel: Channel,
    status: TicketStatus,
    snoozeUntil: isoTime.nullable(),
    assigneeId: z.string().nullable(),
    profileId: z.string(),
    customerName: z.string().nullable().openapi({ description: "The profile's name when the ticket last changed (Parley extension)." }),
    preview: z.string().nullable(),
    unread: z.boolean(),
    lastMessageAt: isoTime.nullable(),
    createdAt: isoTime,
    closedAt: isoTime.nullable(),
    handledByAi: z.boolean().openapi({ description: "The AI agent has this conversation and it has not been handed to the team (Parley extension)." }),
    labels: z.array(z.string()).openapi({ description: "The names of the ticket's labels, in the labels' own case" }),
    // A union rather than Rating.nullable(): the OpenAPI generator drops the null of a nullable named schema.
    rating: z.union([Rating, z.null()]).openapi({ description: "The customer's rating, once they gave one after the ticket closed." }),
  })
  .openapi("Ticket");

/** A ticket in an answer: the widget's chat, an agent's change. */
export const TicketResponse = z.object({ ticket: Ticket }).openapi("TicketResponse");
export type TicketResponseT = z.infer<typeof TicketResponse>;

export const Attachment = z.object({ key: z.string(), url: z.string(), contentType: z.string(), size: z.number().int() }).openapi("Attachment");

export const Author = z.object({ kind: AuthorKind, id: z.string().nullable(), name: z.string().nullable() });

export const AiSource = z.object({ kind: z.enum(["faq", "article", "order"]), id: z.string(), title: z.string(), score: z.number() });

/** What the AI agent based a `bot` message on, or why it handed off (Parley extension). */
export const AiNote = z
  .object({
    confidence: z.number().min(0).max(1),
    sources: z.array(AiSource),
    suggestions: z
      .array(AiSource)
      .optional()
      .openapi({ description: 'FAQs offered as "Is this what you\'re asking about?": the shopper picks one (a `pick` frame) or asks for a person.' }),
    pickedFrom: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: "On an answer the shopper picked from suggestions: the seq of the message that offered it." }),
    handoff: z
      .object({
        reason: z.enum(["low_confidence", "asked_for_human", "not_helpful", "unresolved", "provider_error"]),
        target: z.enum(["inbox", "zendesk", "gorgias", "message"]),
      })
      .optional(),
  })
  .openapi("AiNote");

/** How an SMS went out (Parley extension): `queued` until Twilio has sent it, then `sent`, `delivered` or `failed`. */
export const DeliveryStatus = z.enum(["queued", "sent", "delivered", "failed"]);

export const Delivery = z
  .object({
    status: DeliveryStatus,
    segments: z.number().int().nonnegative().openapi({ description: "SMS segments the text takes (each billed as one message)" }),
    sid: z.string().nullable().openapi({ description: "Twilio's MessageSid, once Twilio accepted it" }),
    error: z.string().nullable().openapi({ description: "Why it failed, or why it is still queued (Twilio unreachable)" }),
    updatedAt: isoTime,
  })
  .openapi("Delivery");

export const Message = z
  .object({
    seq: z.number().int().positive(),
    id: z.string(),
    clientId: z.string().nullable(),
    author: Author,
    body: z.string(),
    attachments: z.array(Attachment),
    createdAt: isoTime,
    ai: AiNote.optional().openapi({ description: "On the AI agent's messages: its confidence and sources, or its handoff (Parley extension)." }),
    delivery: Delivery.optional().openapi({ description: "On agents' messages in SMS tickets: how the SMS went out (Parley extension)." }),
  })
  .openapi("Message");

export const StoreEvent = z
  .object({
    id: z.string(),
    name: z.string(),
    value: z.number().nullable(),
    properties: z.record(z.string(), z.unknown()).nullable(),
    occurredAt: isoTime,
  })
  .openapi("StoreEvent");

export const Agent = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: Role,
    createdAt: isoTime,
    notifyOnAssignedReply: z.boolean().openapi({ description: "Email this agent when a customer writes in a ticket assigned to them (Parley extension)." }),
  })
  .openapi("Agent");

export const Macro = z.object({ id: z.string(), name: z.string(), body: z.string() }).openapi("Macro");

export const webUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2000);

/**
 * An outside service's address. The server also requires https to a public host (loopback only
 * under the local-development switch), so this is checked where the switch is known: there.
 */
export const serviceUrl = webUrl.openapi({ description: "https to a public host (no loopback, private, link-local or metadata addresses)" });

/** What outgoing webhooks can subscribe to (Parley extension; see docs/webhooks.md). */
export const WebhookEventType = z.enum(["ticket.created", "message.created", "ticket.status_changed", "ticket.assigned"]);

export const Webhook = z
  .object({
    id: z.string(),
    url: serviceUrl,
    events: z.array(WebhookEventType).min(1, "subscribe to at least one event"),
    enabled: z.boolean(),
    createdAt: isoTime,
  })
  .openapi("Webhook");

export const WebhookInput = Webhook.pick({ url: true, events: true, enabled: true }).strict().openapi("WebhookInput");

export const WebhookDelivery = z
  .object({
    id: z.string().openapi({ description: "Also sent as X-Parley-Delivery: the same on every retry" }),
    webhookId: z.string(),
    event: WebhookEventType,
    ticketId: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    responseStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: isoTime.nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .openapi("WebhookDelivery");

export const Counts = z.object({ unread: z.number().int(), open: z.number().int(), snoozed: z.number().int() }).openapi("Counts");

export const ErrorCode = z.enum([
  "invalid_request",
  "invalid_identity",
  "unauthorized",
  "forbidden",
  "login_required",
  "chat_disabled",
  "not_found",
  "already_exists",
  "not_closed",
  "conversation_closed",
  "too_large",
  "unsupported_media_type",
  "rate_limited",
  "internal_error",
  "sms_opted_out",
  "sms_unavailable",
]);

export const ErrorBody = z.object({ error: z.object({ code: ErrorCode, message: z.string() }) }).openapi("Error");

/** A message body as senders give it: trimmed, 1 to 4,000 characters. */
export const MessageBody = messageText(MAX_BODY_CHARS);
export const ClientId = z.string().min(1).max(100);
/** Attachments are named by the key `POST /api/uploads` returned; the server fills in the rest. */
export const AttachmentRef = z.object({ key: z.string().regex(/^[0-9a-f]{32}$/, "is not an upload key") }).loose();

export type ChannelT = z.infer<typeof Channel>;
export type TicketStatusT = z.infer<typeof TicketStatus>;
export type AuthorKindT = z.infer<typeof AuthorKind>;
export type SideT = z.infer<typeof Side>;
export type RoleT = z.infer<typeof Role>;
export type ProfileT = z.infer<typeof Profile>;
export type TicketT = z.infer<typeof Ticket>;
export type RatingT = z.infer<typeof Rating>;
export type AttachmentT = z.infer<typeof Attachment>;
export type AuthorT = z.infer<typeof Author>;
export type MessageT = z.infer<typeof Message>;
export type AiNoteT = z.infer<typeof AiNote>;
export type AiSourceT = z.infer<typeof AiSource>;
export type HandoffTargetT = z.infer<typeof HandoffTarget>;
export type StoreEventT = z.infer<typeof StoreEvent>;
export type AgentT = z.infer<typeof Agent>;
export type MacroT = z.infer<typeof Macro>;
export type CountsT = z.infer<typeof Counts>;
export type ErrorCodeT = z.infer<typeof ErrorCode>;
export type DeliveryStatusT = z.infer<typeof DeliveryStatus>;
export type DeliveryT = z.infer<typeof Delivery>;
export type WebhookEventTypeT = z.infer<typeof WebhookEventType>;
export type WebhookT = z.infer<typeof Webhook>;
export type WebhookInputT = z.infer<typeof WebhookInput>;
export type WebhookDeliveryT = z.infer<typeof WebhookDelivery>;
