// D1 schema. drizzle-kit generates migrations/ from this file (`npm run db:generate`).
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const profiles = sqliteTable(
  "profiles",
  {
    id: text("id").primaryKey(),
    externalId: text("external_id"),
    email: text("email"),
    phone: text("phone"),
    name: text("name"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** When the team was last emailed about a new ticket of this customer (one email per burst). */
    newTicketEmailAt: text("new_ticket_email_at"),
    /**
     * When the person was erased (DELETE /api/profiles/:id): the row stays, emptied of everything
     * personal, because their tickets' report counts still point at it.
     */
    erasedAt: text("erased_at"),
  },
  (t) => [uniqueIndex("profiles_external_id_idx").on(t.externalId), index("profiles_phone_idx").on(t.phone)],
);

export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    profileId: text("profile_id")
      .notNull()
      .references(() => profiles.id),
    name: text("name").notNull(),
    value: real("value"),
    properties: text("properties", { mode: "json" }).$type<Record<string, unknown>>(),
    occurredAt: text("occurred_at").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("events_profile_time_idx").on(t.profileId, t.occurredAt)],
);

/**
 * The inbox index of tickets. The ticket's Durable Object owns the truth and writes here
 * (coalesced, retried); `version` lets a late write never overwrite a newer one.
 * `visible` turns on with the customer's first message: only visible tickets reach agents.
 */
export const tickets = sqliteTable(
  "tickets",
  {
    id: text("id").primaryKey(),
    channel: text("channel", { enum: ["webchat", "sms"] }).notNull(),
    status: text("status", { enum: ["open", "snoozed", "closed"] }).notNull(),
    snoozeUntil: text("snooze_until"),
    assigneeId: text("assignee_id"),
    profileId: text("profile_id")
      .notNull()
      .references(() => profiles.id),
    customerName: text("customer_name"),
    preview: text("preview"),
    unread: integer("unread", { mode: "boolean" }).notNull().default(false),
    visible: integer("visible", { mode: "boolean" }).notNull().default(false),
    lastMessageAt: text("last_message_at"),
    createdAt: text("created_at").notNull(),
    closedAt: text("closed_at"),
    version: integer("version").notNull().default(0),
    /** The AI agent has it and has not handed it to the team: out of the inbox, in the AI view. */
    handledByAi: integer("handled_by_ai", { mode: "boolean" }).notNull().default(false),
    /** The ticket's label names, as the list shows them (ticket_labels is what filters by them). */
    labels: text("labels", { mode: "json" }).notNull().default([]),
    // Facts for reports (spec v2 "Reports"), recorded by the ticket's object as they happen.
    /** The customer's first message (epoch seconds): when the conversation began for reports. */
    startedAt: integer("started_at"),
    /** Seconds from then to the first agent reply after it (bot and automatic replies don't count), and who gave it. */
    firstResponseSeconds: integer("first_response_s"),
    firstResponderId: text("first_responder_id"),
    /** Seconds from the customer's first message to the close. */
    resolutionSeconds: integer("resolution_s"),
    /** Replies per agent id; ticket_replies is what reports read. */
    agentReplies: text("agent_replies", { mode: "json" }).$type<Record<string, number>>().notNull().default({}),
    ratingScore: integer("rating_score"),
    ratingComment: text("rating_comment"),
    ratedAt: text("rated_at"),
    /** When the customer was erased: the row is a report count, out of every list and search. */
    erasedAt: text("erased_at"),
  },
  (t) => [
    // Inbox list: newest activity first, by status, optionally by assignee or channel.
    index("tickets_status_activity_idx").on(t.visible, t.status, t.lastMessageAt, t.id),
    index("tickets_assignee_activity_idx").on(t.visible, t.status, t.assigneeId, t.lastMessageAt, t.id),
    index("tickets_channel_activity_idx").on(t.visible, t.status, t.channel, t.lastMessageAt, t.id),
    index("tickets_activity_idx").on(t.visible, t.lastMessageAt, t.id),
    // "Mine" or "SMS" across every status.
    index("tickets_any_status_assignee_idx").on(t.visible, t.assigneeId, t.lastMessageAt, t.id),
    index("tickets_any_status_channel_idx").on(t.visible, t.channel, t.lastMessageAt, t.id),
    // Counts: a covering index over what they group by.
    index("tickets_counts_idx").on(t.visible, t.status, t.unread),
    // One open ticket per profile and channel, enforced by the database, not by luck.
    uniqueIndex("tickets_one_open_per_channel_idx")
      .on(t.profileId, t.channel)
      .where(sql`status <> 'closed'`),
    index("tickets_profile_idx").on(t.profileId, t.createdAt),
    // The admins' AI view: conversations the AI handles without the team, newest first.
    index("tickets_ai_activity_idx").on(t.handledByAi, t.lastMessageAt, t.id),
    // Reports: a range of start times, covering every fact they read, so a range never touches the table.
    index("tickets_reports_idx").on(t.startedAt, t.channel, t.status, t.firstResponseSeconds, t.resolutionSeconds, t.ratingScore, t.firstResponderId, t.id),
  ],
);

/** Each agent's replies in a ticket (reports' by-agent figures), as the ticket's object counted them. */
export const ticketReplies = sqliteTable(
  "ticket_replies",
  {
    ticketId: text("ticket_id").notNull(),
    agentId: text("agent_id").notNull(),
    replies: integer("replies").notNull(),
    /** The ticket's start (epoch seconds), so an agent's range is one walk of their index. */
    startedAt: integer("started_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.agentId] }), index("ticket_replies_agent_idx").on(t.agentId, t.startedAt, t.ticketId, t.replies)],
);

/** Labels admins define (spec v2 "Notes, mentions, labels"); tickets carry them by name. */
export const labels = sqliteTable(
  "labels",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    color: text("color").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("labels_name_idx").on(sql`lower(${t.name})`)],
);

/** Which tickets have which label: the list's label filter reads it, newest activity first. */
export const ticketLabels = sqliteTable(
  "ticket_labels",
  {
    ticketId: text("ticket_id").notNull(),
    label: text("label").notNull(),
    /** The ticket's visibility, status and activity, copied so that the filter is one index range. */
    visible: integer("visible", { mode: "boolean" }).notNull(),
    status: text("status", { enum: ["open", "snoozed", "closed"] }).notNull(),
    lastMessageAt: text("last_message_at"),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.label] }), index("ticket_labels_activity_idx").on(t.label, t.visible, t.status, t.lastMessageAt, t.ticketId)],
);

/**
 * Private notes: the team's, never the customer's (no message seq, never on the customer's side).
 * Idempotent by `clientId` within a ticket, like messages.
 */
export const notes = sqliteTable(
  "notes",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    authorId: text("author_id").notNull(),
    authorName: text("author_name").notNull(),
    body: text("body").notNull(),
    /** The mentioned agents' ids. */
    mentions: text("mentions", { mode: "json" }).notNull().default([]),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("notes_client_idx").on(t.ticketId, t.clientId), index("notes_ticket_idx").on(t.ticketId, t.createdAt)],
);

/**
 * What agents search (spec v2 "Search"): one row per message, note, customer profile (per
 * ticket) and ticket id, each tied to its ticket. The FTS5 index over `body` (search_index) and the
 * triggers that fill this table from notes, profiles and tickets are SQL in migration 0008, which
 * drizzle cannot express; messages come from each ticket's object with its D1 sync.
 */
export const searchDocuments = sqliteTable(
  "search_documents",
  {
    id: integer("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    kind: text("kind", { enum: ["message", "note", "profile", "ticket"] }).notNull(),
    /** The message's seq, the note's id, the profile's id or the ticket's id. */
    ref: text("ref").notNull(),
    /** A message's author kind; null for the other kinds. */
    authorKind: text("author_kind"),
    body: text("body").notNull(),
    /** When the message or note was written; null for profiles and tickets (their ticket's activity counts). */
    createdAt: text("created_at"),
  },
  // A ticket's documents (a repeated message is stored once; a note or a profile is found to update).
  (t) => [uniqueIndex("search_documents_ref_idx").on(t.ticketId, t.kind, t.ref)],
);

/** An agent mentioned in a note (`@Name` or `@email`): their Mentions view, newest first. */
export const mentions = sqliteTable(
  "mentions",
  {
    agentId: text("agent_id").notNull(),
    noteId: text("note_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.noteId] }), index("mentions_agent_idx").on(t.agentId, t.createdAt, t.ticketId)],
);

export const agents = sqliteTable("agents", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  role: text("role", { enum: ["admin", "agent"] }).notNull(),
  passwordHash: text("password_hash").notNull(),
  passwordSalt: text("password_salt").notNull(),
  passwordIterations: integer("password_iterations").notNull(),
  createdAt: text("created_at").notNull(),
  /** Email this agent when a customer writes in a ticket assigned to them. */
  notifyOnAssignedReply: integer("notify_on_assigned_reply", { mode: "boolean" }).notNull().default(false),
});

/** Sessions are stored by the SHA-256 of their token, so a database leak leaks no session. */
export const sessions = sqliteTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("sessions_agent_idx").on(t.agentId)],
);

/** One row (`id = 1`) holding the whole settings object, validated by the contract's schema. */
export const settings = sqliteTable("settings", {
  id: integer("id").primaryKey(),
  data: text("data", { mode: "json" }).notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const faqs = sqliteTable(
  "faqs",
  {
    id: text("id").primaryKey(),
    question: text("question").notNull(),
    answer: text("answer").notNull(),
    /** Versions in shoppers' languages: `{<locale>: {question, answer}}` (contract's FaqTranslations). */
    translations: text("translations", { mode: "json" }).notNull().default({}),
    published: integer("published", { mode: "boolean" }).notNull(),
    position: integer("position").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("faqs_published_position_idx").on(t.published, t.position)],
);

export const macros = sqliteTable("macros", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  body: text("body").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** The knowledge base the AI agent answers from, beside the published FAQs. */
export const articles = sqliteTable("articles", {
  id: text("id").primaryKey(),
  title: text("title").notNull(),
  body: text("body").notNull(),
  /** Versions in shoppers' languages: `{<locale>: {title, body}}` (contract's ArticleTranslations). */
  translations: text("translations", { mode: "json" }).notNull().default({}),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/**
 * What the semantic ranker (Workers AI embeddings) knows of each passage of the knowledge: one
 * vector per passage of each language version, computed when the FAQ or article is saved, never
 * per question. `locale` is "" for the base text; `textHash` tells a stale vector from a current one.
 */
export const knowledgeEmbeddings = sqliteTable(
  "knowledge_embeddings",
  {
    kind: text("kind", { enum: ["faq", "article"] }).notNull(),
    sourceId: text("source_id").notNull(),
    locale: text("locale").notNull(),
    passage: integer("passage").notNull(),
    model: text("model").notNull(),
    textHash: text("text_hash").notNull(),
    /** Base64 of little-endian float32s (D1 without nodejs_compat has no Buffer for blob columns). */
    vector: text("vector").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.sourceId, t.locale, t.passage] })],
);

/**
 * Keys of outside services (an LLM endpoint, Zendesk, Gorgias) that admins enter in the
 * settings: AES-GCM encrypted under CREDENTIALS_KEY, sealed to the host they are for, and never
 * sent back.
 */
export const credentials = sqliteTable("credentials", {
  name: text("name").primaryKey(),
  ciphertext: text("ciphertext").notNull(),
  host: text("host").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/**
 * The AI agent's handoffs to outside help desks, one row per ticket, written by the ticket's
 * object on every attempt: admins see what is pending, delivered or failed, and why.
 */
export const handoffs = sqliteTable(
  "handoffs",
  {
    ticketId: text("ticket_id").primaryKey(),
    target: text("target", { enum: ["zendesk", "gorgias"] }).notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    lastError: text("last_error"),
    externalId: text("external_id"),
    summary: text("summary").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("handoffs_updated_idx").on(t.updatedAt)],
);

/** Numbers that texted STOP: nothing is sent to them until they text START (carrier rules). */
export const smsOptOuts = sqliteTable("sms_opt_outs", {
  phone: text("phone").primaryKey(),
  optedOutAt: text("opted_out_at").notNull(),
});

/**
 * Inbound SMS by Twilio's MessageSid: a retried webhook is stored once, even when the ticket it
 * went to has closed since.
 */
export const smsInbound = sqliteTable("sms_inbound", {
  sid: text("sid").primaryKey(),
  ticketId: text("ticket_id").notNull(),
  receivedAt: text("received_at").notNull(),
});

/** Addresses that unsubscribed from notification emails (by the link in every email). */
export const emailUnsubscribes = sqliteTable("email_unsubscribes", {
  email: text("email").primaryKey(),
  unsubscribedAt: text("unsubscribed_at").notNull(),
});

/** Notification emails sent, newest first for admins: what went to whom, for which ticket. */
export const emailLog = sqliteTable(
  "email_log",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    kind: text("kind", { enum: ["new_ticket", "customer_reply", "continuity"] }).notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull(),
    sentAt: text("sent_at").notNull(),
  },
  (t) => [index("email_log_sent_idx").on(t.sentAt), index("email_log_ticket_idx").on(t.ticketId, t.sentAt)],
);

/** Outgoing webhook endpoints; the signing secret is sealed like the credentials above. */
export const webhooks = sqliteTable("webhooks", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  events: text("events", { mode: "json" }).notNull().$type<string[]>(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  secretCiphertext: text("secret_ciphertext").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/**
 * One row per webhook delivery (an event to an endpoint), written by the ticket's object on
 * every attempt: the admins' delivery log.
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    webhookId: text("webhook_id").notNull(),
    event: text("event").notNull(),
    ticketId: text("ticket_id").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    responseStatus: integer("response_status"),
    lastError: text("last_error"),
    nextAttemptAt: text("next_attempt_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt), index("webhook_deliveries_created_idx").on(t.createdAt)],
);

/**
 * Images shoppers uploaded (POST /api/uploads with a widget token), by profile: an upload is not
 * tied to a message until it is sent, and erasing the shopper must reach those never sent too.
 */
export const customerUploads = sqliteTable(
  "customer_uploads",
  {
    key: text("key").primaryKey(),
    profileId: text("profile_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("customer_uploads_profile_idx").on(t.profileId)],
);

/** Shopify webhook deliveries already applied, by X-Shopify-Webhook-Id: a retry is applied once. */
export const shopifyDeliveries = sqliteTable("shopify_deliveries", {
  webhookId: text("webhook_id").primaryKey(),
  topic: text("topic").notNull(),
  receivedAt: text("received_at").notNull(),
});
