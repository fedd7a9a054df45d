// What servers and mail clients send Parley: the store's events (API key), Twilio's webhooks
// (signed), and one-click unsubscribes (a signed link). Written once for the worker and OpenAPI.
import { z } from "@hono/zod-openapi";
import { E164_PATTERN } from "./sms";

const MAX_PROPERTIES_CHARS = 16 * 1024;

export const EventRequest = z
  .object({
    profile: z.object({
      externalId: z.string().trim().min(1).max(200),
      email: z.email().max(320).optional(),
      phone: z.string().trim().min(1).max(40).optional(),
      name: z.string().trim().min(1).max(200).optional(),
    }),
    event: z.object({
      name: z.string().trim().min(1).max(200),
      value: z.number().finite().optional(),
      properties: z
        .record(z.string(), z.unknown())
        .refine((value) => JSON.stringify(value).length <= MAX_PROPERTIES_CHARS, `must be at most ${MAX_PROPERTIES_CHARS / 1024} KiB as JSON`)
        .optional(),
      occurredAt: z.iso.datetime().optional(),
    }),
  })
  .openapi("EventRequest");
export const EventRecorded = z.object({ profileId: z.string(), eventId: z.string() }).openapi("EventRecorded");

export const TwilioSignatureHeader = z.object({
  "x-twilio-signature": z.string().optional().openapi({ description: "base64(HMAC-SHA1(auth token, URL + sorted parameters))" }),
});
export const TwilioInboundSms = z
  .object({
    MessageSid: z.string().min(1).max(64),
    From: z.string().regex(E164_PATTERN, "must be a phone number in E.164 form, such as +14155550100"),
    To: z.string().max(64).optional(),
    Body: z.string().default(""),
    NumMedia: z.string().regex(/^\d+$/, "must be a count").optional(),
  })
  .openapi("TwilioInboundSms", { description: "Twilio's inbound message webhook; MediaUrl0…, MediaContentType0… as NumMedia says" });
export const TwilioStatusCallback = z
  .object({
    MessageSid: z.string().min(1).max(64),
    MessageStatus: z.string().min(1).max(32),
    ErrorCode: z.string().max(16).optional(),
    ErrorMessage: z.string().max(500).optional(),
  })
  .openapi("TwilioStatusCallback");
export const TwilioStatusQuery = z.object({
  ticket: z.string().regex(/^tkt_[0-9a-f]{32}$/, "is not a ticket id"),
  seq: z.coerce.number().int().positive(),
});

/** The signed link in every notification email. */
export const UnsubscribeLink = z.object({
  email: z.email("must be an email address").max(320),
  token: z.string().min(1).max(200),
});
export const OneClickUnsubscribe = z
  .object({ "List-Unsubscribe": z.string().optional().openapi({ description: "`One-Click` (RFC 8058): answer plainly, not with a page" }) })
  .openapi("OneClickUnsubscribe");

export type EventRequestT = z.infer<typeof EventRequest>;
