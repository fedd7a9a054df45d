// Keys for outside services that admins enter in the settings. They are stored AES-GCM
// encrypted under CREDENTIALS_KEY (a secret of their own: the store's server holds
// IDENTITY_SECRET too), and no route ever sends one back: the settings only learn whether each is
// set, and for which host. A key is sealed to the host it was entered for, so pointing the
// service's address elsewhere makes it unreadable until an admin enters it again: changing a
// setting can never send a stored key to another server.
import { eq } from "drizzle-orm";
import { CREDENTIAL_NAMES, type CredentialNameT, type CredentialStatusesT, type SettingsT } from "../../contract";
import type { Db } from "../db/client";
import { credentials } from "../db/schema";
import { fromBase64 } from "./crypto";
import { ApiError } from "./errors";
import { nowIso } from "./ids";

/** The address in the settings that each key is for: the key is only ever sent there. */
export function credentialUrl(settings: SettingsT, name: CredentialNameT): string | null {
  return name === "twilio" ? settings.sms.apiBaseUrl : settings.ai[name].baseUrl;
}

const encoder = new TextEncoder();
const IV_BYTES = 12;

async function encryptionKey(env: Env): Promise<CryptoKey> {
  if (!env.CREDENTIALS_KEY)
    throw new ApiError(500, "internal_error", "CREDENTIALS_KEY is not set: run `wrangler secret put CREDENTIALS_KEY` (a long random string).");
  const material = await crypto.subtle.importKey("raw", encoder.encode(env.CREDENTIALS_KEY), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode("parley credentials v1") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** What the ciphertext of a key is bound to: which key it is, and the host it may be sent to. */
const boundTo = (name: CredentialNameT, host: string) => `${name}\n${host}`;

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

export const hostOf = (url: string | null): string | null => (url ? new URL(url).host : null);

/** Encrypts a secret under CREDENTIALS_KEY; it opens only with the same `context`. */
export async function seal(env: Env, value: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, await encryptionKey(env), encoder.encode(value)),
  );
  return `${toBase64(iv)}.${toBase64(sealed)}`;
}

/** The secret `seal` encrypted, or null when it was sealed for another context or under another key. */
export async function unseal(env: Env, ciphertext: string, context: string): Promise<string | null> {
  try {
    const [iv, sealed] = ciphertext.split(".").map(fromBase64);
    if (!iv || !sealed) return null;
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, await encryptionKey(env), sealed);
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

export async function saveCredential(database: Db, env: Env, name: CredentialNameT, value: string, host: string): Promise<void> {
  const row = { ciphertext: await seal(env, value, boundTo(name, host)), host, updatedAt: nowIso() };
  await database
    .insert(credentials)
    .values({ name, ...row })
    .onConflictDoUpdate({ target: credentials.name, set: row });
}

export async function deleteCredential(database: Db, name: CredentialNameT): Promise<void> {
  await database.delete(credentials).where(eq(credentials.name, name));
}

/**
 * The key for `host`, or null: none entered, entered for another host, or sealed under an
 * earlier CREDENTIALS_KEY.
 */
export async function readCredential(database: Db, env: Env, name: CredentialNameT, host: string | null): Promise<string | null> {
  const row = await database.select().from(credentials).where(eq(credentials.name, name)).get();
  if (!row || !host || row.host !== host) return null;
  return unseal(env, row.ciphertext, boundTo(name, host));
}

/** Whether each key is set, for which host, and whether that is the host the settings name now; never the key. */
export async function credentialStatuses(database: Db, settings: SettingsT): Promise<CredentialStatusesT> {
  const rows = await database.select({ name: credentials.name, host: credentials.host }).from(credentials);
  const statuses = CREDENTIAL_NAMES.map((name) => {
    const host = rows.find((candidate) => candidate.name === name)?.host ?? null;
    return [name, { set: host !== null, host, matches: host !== null && host === hostOf(credentialUrl(settings, name)) }];
  });
  return Object.fromEntries(statuses) as CredentialStatusesT;
}
