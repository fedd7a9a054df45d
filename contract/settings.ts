// The store's settings (../shared/spec/api.md, and Parley's additions), and the widget's view of
// them: what an admin may change, and what a shopper's browser is told.
import { z } from "@hono/zod-openapi";
import { MAX_BODY_CHARS } from "./limits";
import { Faq } from "./knowledge";
import { HandoffTarget, LoginStatus, messageText, optionalText, serviceUrl, webUrl } from "./models";
import { E164_PATTERN, MAX_SMS_CHARS } from "./sms";
import { perLocale } from "./per-locale";
import { isTimeZone } from "./time-zone";
import { CsatSettings } from "./csat";
import { EmailContinuitySettings } from "./email-continuity";

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24-hour)");

const timezone = z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Stockholm");

const origin = z.string().refine((value) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, "must be an origin such as https://shop.example.com (scheme, host and port only)");

export const OfficeHours = z.object({
  enabled: z.boolean(),
  timezone,
  weekly: z
    .array(z.object({ day: z.number().int().min(0).max(6), open: hhmm, close: hhmm }))
    .max(50)
    .refine((rows) => rows.every((row) => row.open !== row.close), "a day's open and close times must differ"),
  closedMessage: messageText(MAX_BODY_CHARS),
});

const endpoint = z.object({ baseUrl: serviceUrl.nullable(), email: z.email().max(320).nullable() });

export const AiProvider = z.enum(["builtin", "openai", "workers_ai"]);

/**
 * The AI agent. The contract's fields (enabled, handoff, handoffMessage) plus Parley's: which
 * answerer, how sure it must be, how many answers before a person takes over, and where the
 * services it may use live. Their keys are not here: see /api/credentials.
 */
const AiSettings = z
  .object({
    enabled: z.boolean(),
    handoff: HandoffTarget,
    handoffMessage: messageText(MAX_BODY_CHARS),
    provider: AiProvider,
    threshold: z.number().min(0).max(1),
    suggestions: z.object({ enabled: z.boolean(), threshold: z.number().min(0).max(1) }).openapi({
      description:
        'Below `threshold` but at or above this one, the built-in answerer offers the best one to three FAQs as buttons ("Is this what you\'re asking about?") beside "No, talk to a person".',
    }),
    semantic: z.object({ enabled: z.boolean(), model: z.string().trim().min(1).max(200) }).openapi({
      description: "Rank the knowledge by meaning as well as by words, with a Workers AI embeddings model (the Worker's AI binding); off by default.",
    }),
    maxTurns: z.number().int().min(1).max(20),
    openai: z.object({ baseUrl: serviceUrl.nullable(), model: z.string().trim().max(200) }),
    workersAi: z.object({ model: z.string().trim().min(1).max(200) }),
    zendesk: endpoint,
    gorgias: endpoint,
  })
  .superRefine((ai, ctx) => {
    // A target or provider that is chosen must be reachable: refused now, not at the first handoff.
    for (const target of ["zendesk", "gorgias"] as const) {
      if (ai.handoff !== target) continue;
      if (!ai[target].baseUrl)
        ctx.addIssue({
          code: "custom",
          path: [target, "baseUrl"],
          message: `set the ${target === "zendesk" ? "Zendesk" : "Gorgias"} address before handing off there`,
        });
      if (!ai[target].email) ctx.addIssue({ code: "custom", path: [target, "email"], message: "set the email of the account Parley signs in as" });
    }
    if (ai.suggestions.threshold > ai.threshold)
      ctx.addIssue({
        code: "custom",
        path: ["suggestions", "threshold"],
        message: "must not be above the answering threshold: suggestions are for the less sure",
      });
    if (ai.provider === "openai") {
      if (!ai.openai.baseUrl)
        ctx.addIssue({ code: "custom", path: ["openai", "baseUrl"], message: "set the endpoint's base URL, such as https://api.openai.com/v1" });
      if (!ai.openai.model) ctx.addIssue({ code: "custom", path: ["openai", "model"], message: "name the model to use" });
    }
  });

/**
 * SMS through Twilio (Parley extension). The auth token is not here: it is a credential
 * (PUT /api/credentials/twilio), sealed to the host of `apiBaseUrl`.
 */
const SmsSettings = z
  .object({
    enabled: z.boolean(),
    accountSid: z
      .string()
      .regex(/^AC[0-9a-f]{32}$/, "must be a Twilio Account SID: AC and 32 hex digits")
      .nullable(),
    fromNumber: z.string().regex(E164_PATTERN, "must be a phone number in E.164 form, such as +14155550100").nullable(),
    apiBaseUrl: serviceUrl,
    helpMessage: messageText(MAX_SMS_CHARS),
  })
  .superRefine((sms, ctx) => {
    if (!sms.enabled) return;
    if (!sms.accountSid) ctx.addIssue({ code: "custom", path: ["accountSid"], message: "set the Twilio Account SID before turning SMS on" });
    if (!sms.fromNumber) ctx.addIssue({ code: "custom", path: ["fromNumber"], message: "set the store's Twilio number before turning SMS on" });
  });

/**
 * One locale's versions of the settings' texts (spec v2 "Shopper language"), under the rules of
 * the default texts they stand in for. A text left out is the default's.
 */
const TranslatedTexts = z
  .object({
    welcomeMessage: messageText(MAX_BODY_CHARS).optional(),
    closedMessage: messageText(MAX_BODY_CHARS).optional(),
    handoffMessage: messageText(MAX_BODY_CHARS).optional(),
    csatQuestion: messageText(MAX_BODY_CHARS).optional(),
  })
  .strict();

/** A translated text in a PATCH: an empty string (after trimming) or null removes it. */
const removableText = optionalText(MAX_BODY_CHARS);

const TranslatedTextsPatch = z
  .object({ welcomeMessage: removableText, closedMessage: removableText, handoffMessage: removableText, csatQuestion: removableText })
  .strict()
  .nullable()
  .openapi({ description: "Null removes every text of the locale." });

export const Translations = perLocale(TranslatedTexts).openapi("Translations", {
  description: "Texts in the shopper's language, by locale (en, sv, da, nb, fi, de, fr, es, nl); where a text is not set, the default shows.",
});

export const Settings = z
  .object({
    webchatEnabled: z.boolean(),
    loginStatus: LoginStatus,
    welcomeMessage: z.string().trim().max(MAX_BODY_CHARS),
    links: z.object({ privacy: webUrl.nullable(), terms: webUrl.nullable() }),
    officeHours: OfficeHours,
    allowedOrigins: z.array(origin).max(100),
    notifyEmails: z.array(z.email()).max(50),
    notifyFrom: z
      .email()
      .max(320)
      .nullable()
      .openapi({ description: "The sender of notification emails; a null sender is notifications@ the Worker's host (Parley extension)." }),
    ai: AiSettings,
    sms: SmsSettings,
    translations: Translations,
    csat: CsatSettings,
    emailContinuity: EmailContinuitySettings,
  })
  .openapi("Settings");

/** PATCH /api/settings: any top-level field; nested objects may be partial. */
export const SettingsPatch = z
  .object({
    webchatEnabled: Settings.shape.webchatEnabled,
    loginStatus: Settings.shape.loginStatus,
    welcomeMessage: Settings.shape.welcomeMessage,
    links: Settings.shape.links.partial().strict(),
    officeHours: OfficeHours.partial().strict(),
    allowedOrigins: Settings.shape.allowedOrigins,
    notifyEmails: Settings.shape.notifyEmails,
    notifyFrom: Settings.shape.notifyFrom,
    sms: z.object(SmsSettings.shape).partial().strict(),
    csat: CsatSettings.partial().strict(),
    emailContinuity: EmailContinuitySettings.partial().strict(),
    translations: perLocale(TranslatedTextsPatch).openapi({
      description: "Locales merge one by one and texts field by field; an empty string or null removes a text, null a whole locale.",
    }),
    ai: z
      .object({
        ...AiSettings.shape,
        openai: AiSettings.shape.openai.partial().strict(),
        workersAi: AiSettings.shape.workersAi.partial().strict(),
        suggestions: AiSettings.shape.suggestions.partial().strict(),
        semantic: AiSettings.shape.semantic.partial().strict(),
        zendesk: endpoint.partial().strict(),
        gorgias: endpoint.partial().strict(),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict()
  .openapi("SettingsPatch");

export const WidgetConfig = z
  .object({
    enabled: z.boolean(),
    loginStatus: LoginStatus,
    welcomeMessage: z.string(),
    faqs: z.array(Faq.pick({ id: true, question: true, answer: true })),
    links: z.object({ privacy: z.string().nullable(), terms: z.string().nullable() }),
    officeHours: z.object({ open: z.boolean(), message: z.string().nullable() }),
    ai: z.object({ enabled: z.boolean() }),
    csat: z
      .object({ enabled: z.boolean(), question: z.string() })
      .openapi({ description: "The rating question, in the shopper's language where the store has it." }),
  })
  .openapi("WidgetConfig");

export type AiProviderT = z.infer<typeof AiProvider>;
export type SettingsT = z.infer<typeof Settings>;
export type SettingsPatchT = z.infer<typeof SettingsPatch>;
export type TranslationsT = z.infer<typeof Translations>;
export type WidgetConfigT = z.infer<typeof WidgetConfig>;
