// Keys for outside services that admins enter in the settings. They are stored AES-GCM encrypted
// under a key derived (HKDF) from IDENTITY_SECRET, so a copy of the database alone reveals none,
// and no route ever sends one back: the settings only learn whether each is set. A wrangler
// secret of the same purpose is used when none was entered.
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { credentials } from "../db/schema";
import { nowIso } from "./ids";

export const CREDENTIAL_NAMES = ["openai", "zendesk", "gorgias"] as const;
export type CredentialName = (typeof CREDENTIAL_NAMES)[number];

/** The wrangler secret each credential falls back to. */
const SECRET_FALLBACK: Record<CredentialName, keyof Env> = {
  openai: "OPENAI_API_KEY",
  zendesk: "ZENDESK_API_TOKEN",
  gorgias: "GORGIAS_API_KEY",
};

const encoder = new TextEncoder();
const IV_BYTES = 12;

async function encryptionKey(identitySecret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(identitySecret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode("parley credentials v1") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (char) => char.charCodeAt(0));

export async function saveCredential(database: Db, env: Env, name: CredentialName, value: string): Promise<void> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  // The name is authenticated too: a ciphertext moved to another name does not decrypt.
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(name) }, await encryptionKey(env.IDENTITY_SECRET), encoder.encode(value)));
  const ciphertext = `${toBase64(iv)}.${toBase64(sealed)}`;
  await database.insert(credentials).values({ name, ciphertext, updatedAt: nowIso() }).onConflictDoUpdate({ target: credentials.name, set: { ciphertext, updatedAt: nowIso() } });
}

export async function deleteCredential(database: Db, name: CredentialName): Promise<void> {
  await database.delete(credentials).where(eq(credentials.name, name));
}

async function readStored(database: Db, env: Env, name: CredentialName): Promise<string | null> {
  const row = await database.select({ ciphertext: credentials.ciphertext }).from(credentials).where(eq(credentials.name, name)).get();
  if (!row) return null;
  try {
    const [iv, sealed] = row.ciphertext.split(".");
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv!), additionalData: encoder.encode(name) }, await encryptionKey(env.IDENTITY_SECRET), fromBase64(sealed!));
    return new TextDecoder().decode(plain);
  } catch {
    // Sealed under an earlier IDENTITY_SECRET: as if never entered, and the settings say so.
    return null;
  }
}

function secretFallback(env: Env, name: CredentialName): string | null {
  const secret = env[SECRET_FALLBACK[name]];
  return typeof secret === "string" && secret ? secret : null;
}

/** The entered key, else the wrangler secret, else null. */
export async function readCredential(database: Db, env: Env, name: CredentialName): Promise<string | null> {
  return (await readStored(database, env, name)) ?? secretFallback(env, name);
}

export type CredentialStatus = { set: boolean; source: "settings" | "secret" | null };

/** Whether each key is set, and where from; never the key. */
export async function credentialStatuses(database: Db, env: Env): Promise<Record<CredentialName, CredentialStatus>> {
  const entries = await Promise.all(
    CREDENTIAL_NAMES.map(async (name) => {
      const source = (await readStored(database, env, name)) !== null ? "settings" : secretFallback(env, name) !== null ? "secret" : null;
      return [name, { set: source !== null, source }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<CredentialName, CredentialStatus>;
}
