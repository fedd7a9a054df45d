import { eq } from "drizzle-orm";
import { Settings, type SettingsPatchT, type SettingsT } from "../contract";
import type { Db } from "../db/client";
import { settings } from "../db/schema";
import { ApiError } from "./errors";
import { nowIso } from "./ids";

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
  ai: { enabled: false, handoff: "inbox", handoffMessage: "Let me get you a person from our team." },
};

export async function loadSettings(database: Db): Promise<SettingsT> {
  const row = await database.select({ data: settings.data }).from(settings).where(eq(settings.id, 1)).get();
  if (!row) return DEFAULT_SETTINGS;
  // Stored settings were validated on write; defaults fill fields added by later versions.
  return { ...DEFAULT_SETTINGS, ...(row.data as Partial<SettingsT>) };
}

/** Applies a validated patch: nested objects merge, arrays and scalars replace. */
export async function patchSettings(database: Db, patch: SettingsPatchT): Promise<SettingsT> {
  const current = await loadSettings(database);
  const merged = {
    ...current,
    ...patch,
    links: { ...current.links, ...patch.links },
    officeHours: { ...current.officeHours, ...patch.officeHours },
    ai: { ...current.ai, ...patch.ai },
  };
  const checked = Settings.safeParse(merged);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ApiError(400, "invalid_request", `${issue?.path.join(".") || "settings"}: ${issue?.message ?? "invalid"}`);
  }
  const data = checked.data;
  await database
    .insert(settings)
    .values({ id: 1, data, updatedAt: nowIso() })
    .onConflictDoUpdate({ target: settings.id, set: { data, updatedAt: nowIso() } });
  return data;
}
