// Unsubscribing from team notification emails, per address. Every email carries a link signed for
// its recipient alone, so the link works without signing in (it is the recipient's proof) and no
// one can unsubscribe an address they have not been mailed at.
import { asc, eq, inArray } from "drizzle-orm";
import { decodeBase64Url, encodeBase64Url } from "hono/utils/encode";
import type { Db } from "../../db/client";
import { emailUnsubscribes } from "../../db/schema";
import { nowIso } from "../ids";

const encoder = new TextEncoder();
const TOKEN_BYTES = 32;

/** Addresses are compared without case: `Ada@Shop.example` and `ada@shop.example` are one person. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

async function tokenKey(env: Env): Promise<CryptoKey> {
  if (!env.CREDENTIALS_KEY) throw new Error("CREDENTIALS_KEY is not set: run `wrangler secret put CREDENTIALS_KEY` (a long random string).");
  const material = await crypto.subtle.importKey("raw", encoder.encode(env.CREDENTIALS_KEY), "HKDF", false, ["deriveKey"]);
  // Its own info string: a token can never double as a credential key or anything else derived from the secret.
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode("parley unsubscribe v1") },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

export async function unsubscribeToken(env: Env, email: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await tokenKey(env), encoder.encode(normalizeEmail(email)));
  // Unpadded (RFC 4648 §5), so the token needs no escaping in a URL.
  return encodeBase64Url(signature).replace(/=+$/, "");
}

/** Whether `token` was made for `email`; `subtle.verify` compares in constant time. */
export async function verifyUnsubscribeToken(env: Env, email: string, token: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
  const signature = decodeBase64Url(token);
  if (signature.byteLength !== TOKEN_BYTES) return false;
  return crypto.subtle.verify("HMAC", await tokenKey(env), signature, encoder.encode(normalizeEmail(email)));
}

/** The page a recipient opens from an email; the same address takes the RFC 8058 one-click POST. */
export function unsubscribeUrl(origin: string, email: string, token: string): string {
  const url = new URL("/api/notifications/unsubscribe", origin);
  url.searchParams.set("email", normalizeEmail(email));
  url.searchParams.set("token", token);
  return url.toString();
}

/** Records the unsubscribe; doing it again keeps the first time. */
export async function unsubscribe(database: Db, email: string): Promise<void> {
  await database
    .insert(emailUnsubscribes)
    .values({ email: normalizeEmail(email), unsubscribedAt: nowIso() })
    .onConflictDoNothing();
}

/** Whether the address got removed (false: it was not unsubscribed). */
export async function resubscribe(database: Db, email: string): Promise<boolean> {
  const removed = await database
    .delete(emailUnsubscribes)
    .where(eq(emailUnsubscribes.email, normalizeEmail(email)))
    .returning()
    .get();
  return Boolean(removed);
}

export async function listUnsubscribes(database: Db): Promise<Array<{ email: string; unsubscribedAt: string }>> {
  return database.select().from(emailUnsubscribes).orderBy(asc(emailUnsubscribes.email));
}

/** Which of `emails` (normalized) unsubscribed. */
export async function unsubscribedAmong(database: Db, emails: string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const rows = await database
    .select({ email: emailUnsubscribes.email })
    .from(emailUnsubscribes)
    .where(inArray(emailUnsubscribes.email, emails.map(normalizeEmail)));
  return new Set(rows.map((row) => row.email));
}
