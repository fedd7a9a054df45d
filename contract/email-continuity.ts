// Email continuity (spec v2 "Email continuity"): a shopper who has not seen an agent's reply gets
// it by email, and answers by email into the same ticket.
import { z } from "@hono/zod-openapi";
import { webUrl } from "./models";

/** The longest wait before the unseen replies are emailed: a day. */
export const MAX_CONTINUITY_DELAY_MINUTES = 1440;

export const EmailContinuitySettings = z
  .object({
    enabled: z.boolean(),
    delayMinutes: z
      .number()
      .int("must be a whole number of minutes")
      .min(0, "must be from 0 to 1440 minutes")
      .max(MAX_CONTINUITY_DELAY_MINUTES, "must be from 0 to 1440 minutes")
      .openapi({ description: "How long an agent's reply may stay unseen before it is emailed; also the least time between two such emails of a ticket." }),
    teamName: z
      .string()
      .trim()
      .min(1, "must not be empty; null is the default")
      .max(80)
      .nullable()
      .openapi({ description: 'Who the email is from, by name (Parley extension); null: the store\'s host name and "support".' }),
    chatUrl: webUrl.nullable().openapi({
      description:
        "The store page the email's link opens the chat on (Parley extension); null: the first allowed origin. The widget opens its chat on `#parley-chat`.",
    }),
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, "must be a colour such as #1f6feb")
      .nullable()
      .openapi({ description: "The store's colour for the email's button (Parley extension); null: Parley's blue." }),
  })
  .openapi("EmailContinuitySettings");

export type EmailContinuitySettingsT = z.infer<typeof EmailContinuitySettings>;
