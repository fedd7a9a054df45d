// Customer satisfaction (spec v2 "Customer satisfaction (CSAT)"): the setting, and the shopper's
// rating of a closed web chat.
import { z } from "@hono/zod-openapi";
import { MAX_BODY_CHARS, MAX_RATING_COMMENT_CHARS } from "./limits";
import { messageText, optionalText, Rating, Ticket } from "./models";

/** A rating is asked for and taken this long after the ticket closed. */
export const RATING_WINDOW_DAYS = 7;
/** An SMS reply counts as the rating this long after the question went out. */
export const SMS_RATING_WINDOW_HOURS = 24;

export const CsatSettings = z
  .object({
    enabled: z.boolean(),
    question: messageText(MAX_BODY_CHARS).openapi({ description: "Asked when a chat closes; per locale in `translations.<locale>.csatQuestion`." }),
  })
  .openapi("CsatSettings");

export const RatingRequest = z
  .object({
    score: z.number().int("must be a whole number from 1 to 5").min(1, "must be from 1 to 5").max(5, "must be from 1 to 5"),
    comment: optionalText(MAX_RATING_COMMENT_CHARS).openapi({ description: "Optional; empty is none." }),
  })
  .strict()
  .openapi("RatingRequest");

export const RatingResponse = z.object({ rating: Rating }).openapi("RatingResponse");

/** What the widget may still ask about: the customer's newest web chat, closed within the window and not rated. */
export const UnratedTicketResponse = z.object({ ticket: z.union([Ticket, z.null()]) }).openapi("UnratedTicketResponse");

export type CsatSettingsT = z.infer<typeof CsatSettings>;
export type RatingRequestT = z.infer<typeof RatingRequest>;
export type RatingResponseT = z.infer<typeof RatingResponse>;
export type UnratedTicketResponseT = z.infer<typeof UnratedTicketResponse>;
