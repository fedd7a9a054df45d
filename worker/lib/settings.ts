import { eq } from "drizzle-orm";
import { Settings, type Locale, type SettingsPatchT, type SettingsT, type TranslationsT } from "../../contract";
import { db, type Db } from "../db/client";
import { settings } from "../db/schema";
import { cachedPerDatabase } from "./cache";
import { ApiError, firstIssue } from "./errors";
import { nowIso } from "./ids";
import { DEFAULT_SUGGEST_THRESHOLD, DEFAULT_THRESHOLD } from "./ai/builtin";
import { DEFAULT_WORKERS_AI_MODEL } from "./ai/workers-ai";

export const DEFAULT_SETTINGS: SettingsT = {
  webchatEnabled: true,
  loginStatus: "all",
  welcomeMessage: "Hi! How can we help you today?",
  links: { privacy: null, terms: null },
  officeHours: {
    enabled: false,
    timezone: "UTC",
    weekly: [1, 2, 3, 4, 5].map((day) => ({ day, open: "09:00", close: "17:00" })),
    closedMessage: "Thanks for your message! We're away right now and will reply when we're back.",
  },
  allowedOrigins: [],
  notifyEmails: [],
  notifyFrom: null,
  ai: {
    enabled: false,
    handoff: "inbox",
    handoffMessage: "Let me get you a person from our team.",
    provider: "builtin",
    threshold: DEFAULT_THRESHOLD,
    suggestions: { enabled: true, threshold: DEFAULT_SUGGEST_THRESHOLD },
    // BGE-M3: multilingual (the shipped locales included), in the Workers AI catalog.
    semantic: { enabled: false, model: "@cf/baai/bge-m3" },
    maxTurns: 3,
    openai: { baseUrl: null, model: "" },
    workersAi: { model: DEFAULT_WORKERS_AI_MODEL },
    zendesk: { baseUrl: null, email: null },
    gorgias: { baseUrl: null, email: null },
  },
  sms: {
    enabled: false,
    accountSid: null,
    fromNumber: null,
    apiBaseUrl: "https://api.twilio.com",
    helpMessage: "Reply to this number to reach our support team. Msg&data rates may apply. Reply STOP to opt out.",
  },
  translations: {},
  csat: { enabled: false, question: "How would you rate our help?" },
  emailContinuity: { enabled: true, delayMinutes: 5, teamName: null, chatUrl: null, color: null },
};

type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === "object" && value !== null && !Array.isArray(value);

/** Objects merge key by key, at any depth; arrays and scalars replace. */
function deepMerge<T>(base: T, patch: unknown): T {
  if (!isPlain(base) || !isPlain(patch)) return (patch === undefined ? base : patch) as T;
  const merged: Plain = { ...base };
  for (const [key, value] of Object.entries(patch)) merged[key] = deepMerge(base[key], value);
  return merged as T;
}

export async function loadSettings(database: Db): Promise<SettingsT> {
  const row = await database.select({ data: settings.data }).from(settings).where(eq(settings.id, 1)).get();
  if (!row) return DEFAULT_SETTINGS;
  // Stored settings were validated on write; defaults fill fields added by later versions.
  return withinLaterRules(deepMerge(DEFAULT_SETTINGS, row.data));
}

/**
 * Settings stored before a rule existed are brought within it, so that no old value makes every
 * later PATCH fail: an empty handoff message, or a handoff target or provider chosen before it
 * needed an address.
 */
function withinLaterRules(stored: SettingsT): SettingsT {
  const ai = { ...stored.ai };
  if (!ai.handoffMessage.trim()) ai.handoffMessage = DEFAULT_SETTINGS.ai.handoffMessage;
  if ((ai.handoff === "zendesk" || ai.handoff === "gorgias") && !(ai[ai.handoff].baseUrl && ai[ai.handoff].email)) ai.handoff = "inbox";
  if (ai.provider === "openai" && !(ai.openai.baseUrl && ai.openai.model)) ai.provider = "builtin";
  return { ...stored, ai };
}

/**
 * Translations as stored: a text the patch emptied (`""` or null) is gone, and so is a locale
 * left without texts (or set to null).
 */
function prunedTranslations(merged: Record<string, Record<string, string | null | undefined> | null | undefined>): TranslationsT {
  const kept: Record<string, Record<string, string>> = {};
  for (const [locale, texts] of Object.entries(merged)) {
    const set = Object.entries(texts ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== "");
    if (set.length > 0) kept[locale] = Object.fromEntries(set);
  }
  return kept;
}

/** Applies a validated patch: nested objects merge, arrays and scalars replace. */
export async function patchSettings(database: Db, patch: SettingsPatchT): Promise<SettingsT> {
  const merged = deepMerge(await loadSettings(database), patch);
  merged.translations = prunedTranslations(merged.translations);
  const checked = Settings.safeParse(merged);
  if (!checked.success) {
    throw new ApiError(400, "invalid_request", firstIssue(checked.error, "settings"));
  }
  const data = checked.data;
  await database
    .insert(settings)
    .values({ id: 1, data, updatedAt: nowIso() })
    .onConflictDoUpdate({ target: settings.id, set: { data, updatedAt: nowIso() } });
  return data;
}

/**
 * The texts a shopper of `locale` reads: the store's version in that language where it has one,
 * else the default (spec v2 "Shopper language").
 */
export function textsIn(
  settings: SettingsT,
  locale: Locale | null,
): { welcomeMessage: string; closedMessage: string; handoffMessage: string; csatQuestion: string } {
  const translated = locale ? settings.translations[locale] : undefined;
  return {
    welcomeMessage: translated?.welcomeMessage ?? settings.welcomeMessage,
    closedMessage: translated?.closedMessage ?? settings.officeHours.closedMessage,
    handoffMessage: translated?.handoffMessage ?? settings.ai.handoffMessage,
    csatQuestion: translated?.csatQuestion ?? settings.csat.question,
  };
}

/** Settings change rarely: objects and requests read them at most this often (a change here is seen at once). */
const SETTINGS_CACHE_MS = 10_000;
const settingsCache = cachedPerDatabase(SETTINGS_CACHE_MS, (env) => loadSettings(db(env.DB)));

/**
 * The settings as recently read. When D1 can't be read, the last known ones (or the defaults)
 * rather than a failure: chat goes on, and the next call tries again.
 */
export async function recentSettings(env: { DB: D1Database }): Promise<SettingsT> {
  const cache = settingsCache(env);
  try {
    return await cache.get();
  } catch (error) {
    console.warn("could not read the settings from D1; going on with the last known", error);
    return cache.stale() ?? DEFAULT_SETTINGS;
  }
}

/** The settings as recently read, without waiting; undefined until they have been read once. */
export const settingsNow = (env: { DB: D1Database }): SettingsT | undefined => settingsCache(env).now();

export const forgetRecentSettings = (env: { DB: D1Database }) => settingsCache(env).clear();
