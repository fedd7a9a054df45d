// The bodies and answers of the widget API (store pages; bearer token), written once for the
// worker, the OpenAPI document and the widget.
import { z } from "@hono/zod-openapi";
import { isLanguageTag, MAX_LANGUAGE_TAG_CHARS } from "./locales";
import { Ticket } from "./models";

export const WidgetSessionRequest = z
  .object({
    customer: z
      .object({
        id: z.string().trim().min(1).max(200),
        email: z.email().max(320).optional(),
        name: z.string().trim().min(1).max(200).optional(),
        phone: z.string().trim().min(1).max(40).optional(),
      })
      .optional(),
    // Any string: a wrong one, whatever its length, is a wrong identity (401), not a bad request.
    userHash: z.string().max(100_000).optional(),
  })
  .openapi("WidgetSessionRequest");
export const WidgetSession = z.object({ token: z.string(), expiresAt: z.string(), profileId: z.string().nullable() }).openapi("WidgetSession");
/** The customer's socket: the widget token rides in the query, as browsers can't set headers on an upgrade. */
export const CustomerSocketQuery = z.object({ token: z.string().optional(), after: z.string().optional() });

/**
 * The shopper's language as a BCP 47 tag, any case (`sv`, `sv-SE`, `nb-NO`); it picks a shipped
 * locale by its language (contract/locales.ts). A well-formed tag of another language gets the
 * default texts; anything else is a bad request.
 */
const LanguageTag = z
  .string()
  .max(MAX_LANGUAGE_TAG_CHARS, `is at most ${MAX_LANGUAGE_TAG_CHARS} characters`)
  .refine(isLanguageTag, "must be a BCP 47 language tag such as sv or sv-SE");

export const WidgetConfigQuery = z.object({
  locale: LanguageTag.optional().openapi({
    description:
      "The shopper's language: the welcome and closed-hours messages and the FAQs come in it where the store has them, else the default (Parley extension of spec v2).",
    example: "sv-SE",
  }),
});

/** `POST /api/widget/conversations`: the body is optional (none at all is `{}`). */
export const StartConversationRequest = z
  .object({
    locale: LanguageTag.optional().openapi({
      description:
        "The shopper's language: the conversation's automatic replies (closed hours) come in it where the store has them. Kept by the conversation; given again on the open one, it replaces the one kept.",
      example: "sv",
    }),
  })
  .openapi("StartConversationRequest");

export const ActiveTicketQuery = z.object({
  missing: z
    .enum(["null"])
    .optional()
    .openapi({ description: "`null`: answer `200 {ticket: null}` rather than `404 not_found` when there is no open chat (Parley extension)." }),
});

export const ActiveTicketResponse = z
  // A union rather than Ticket.nullable(): the OpenAPI generator drops the null of a nullable named schema.
  .object({ ticket: z.union([Ticket, z.null()]).openapi({ description: "Null only with `?missing=null`, when the customer has no open web chat." }) })
  .openapi("ActiveTicketResponse");

export type WidgetSessionRequestT = z.infer<typeof WidgetSessionRequest>;
export type WidgetSessionT = z.infer<typeof WidgetSession>;
export type StartConversationRequestT = z.infer<typeof StartConversationRequest>;
export type ActiveTicketResponseT = z.infer<typeof ActiveTicketResponse>;
