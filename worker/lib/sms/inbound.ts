// What an inbound text brings besides its words: the customer behind the number, and the MMS
// media Twilio holds for it, copied into R2 as uploads the message can carry.
import { asc, eq } from "drizzle-orm";
import { cutToLength, hasVisibleText, MAX_BODY_CHARS, MAX_MMS_MEDIA, MAX_UPLOAD_BYTES, type ProfileT } from "../../../contract";
import type { Db } from "../../db/client";
import { profiles, smsInbound } from "../../db/schema";
import { sha256Hex } from "../crypto";
import { nowIso } from "../ids";
import { basicAuth, fetchOutside } from "../outbound";
import { toProfile } from "../profiles";
import { storeImage } from "../uploads";
import type { TwilioConfig } from "./twilio";

const oldestWithPhone = (database: Db, phone: string) =>
  database.select().from(profiles).where(eq(profiles.phone, phone)).orderBy(asc(profiles.createdAt), asc(profiles.id)).get();

/** The profile that holds this number: the oldest, when the store gave it to several. */
export async function findProfileByPhone(database: Db, phone: string): Promise<ProfileT | null> {
  const row = await oldestWithPhone(database, phone);
  return row ? toProfile(row) : null;
}

/**
 * The profile that holds this number, else a new one with no store customer id. The new
 * profile's id is derived from the number, so two first texts racing from one new number insert
 * the same row once and both end up with it.
 */
export async function findOrCreateProfileByPhone(database: Db, phone: string): Promise<ProfileT> {
  const existing = await findProfileByPhone(database, phone);
  if (existing) return existing;
  const id = `prf_${(await sha256Hex(`sms:${phone}`)).slice(0, 32)}`;
  const now = nowIso();
  await database.insert(profiles).values({ id, externalId: null, email: null, phone, name: null, createdAt: now, updatedAt: now }).onConflictDoNothing();
  const row = (await oldestWithPhone(database, phone)) ?? (await database.select().from(profiles).where(eq(profiles.id, id)).get());
  return toProfile(row!);
}

export type InboundMedia = { url: string; contentType: string };

/** The media of Twilio's inbound webhook (NumMedia, MediaUrlN, MediaContentTypeN), at most the MMS limit. */
export function inboundMedia(params: URLSearchParams): InboundMedia[] {
  const count = Math.min(Number.parseInt(params.get("NumMedia") ?? "0", 10) || 0, MAX_MMS_MEDIA);
  const media: InboundMedia[] = [];
  for (let i = 0; i < count; i++) {
    const url = params.get(`MediaUrl${i}`);
    if (url) media.push({ url, contentType: params.get(`MediaContentType${i}`) ?? "unknown type" });
  }
  return media;
}

const MEDIA_TIMEOUT_MS = 10_000;

/**
 * Copies each image into R2 as the customer's upload. Media that is no image, too large or
 * can't be fetched becomes a note for the message body instead, so the text is never lost for it.
 * The account's credentials go only to the host they are for (Twilio's API, where its media
 * URLs point), never to another address a webhook might name.
 */
export async function storeInboundMedia(
  bucket: R2Bucket,
  config: TwilioConfig,
  profileId: string,
  media: InboundMedia[],
): Promise<{ attachments: Array<{ key: string }>; notes: string[] }> {
  const results = await Promise.all(
    media.map(async (item) => {
      const bytes = await fetchMedia(config, item.url).catch(() => null);
      const stored = bytes instanceof Uint8Array ? await storeImage(bucket, bytes, `customer:${profileId}`) : null;
      if (stored) return { key: stored.key };
      const why =
        bytes === null
          ? "it could not be fetched"
          : bytes === "too_large"
            ? `it is over ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`
            : "only png, jpeg, gif and webp images are kept";
      return `[${item.contentType} attachment not shown: ${why}]`;
    }),
  );
  return {
    attachments: results.filter((result): result is { key: string } => typeof result !== "string"),
    notes: results.filter((result): result is string => typeof result === "string"),
  };
}

/** The media's bytes; null when it is refused or missing. */
async function fetchMedia(config: TwilioConfig, url: string): Promise<Uint8Array | "too_large" | null> {
  const apiOrigin = new URL(config.apiBaseUrl).origin;
  if (new URL(url).origin !== apiOrigin) return null;
  const signal = AbortSignal.timeout(MEDIA_TIMEOUT_MS);
  // Twilio answers with a redirect to its media store, which takes no credentials: they are not
  // carried beyond the API's own origin.
  let response = await fetchOutside("Twilio's media", url, { headers: { Authorization: basicAuth(config.accountSid, config.authToken) }, signal });
  const location = response.headers.get("Location");
  if (response.status >= 300 && response.status < 400 && location) {
    const target = new URL(location, url);
    const headers: Record<string, string> = target.origin === apiOrigin ? { Authorization: basicAuth(config.accountSid, config.authToken) } : {};
    response = await fetchOutside("Twilio's media store", target, { headers, signal });
  }
  if (!response.ok || !response.body) return null;
  return readAtMost(response.body, MAX_UPLOAD_BYTES);
}

async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | "too_large"> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return "too_large";
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The stored text of an inbound SMS: its words (cut to a message's limit), then a note for each
 * medium that was not kept. A text of media alone reads "(image)".
 */
export function inboundBody(text: string, notes: string[], attachmentCount: number): string {
  // Words nobody can see (zero-width spaces, say) count as no words: never an empty bubble.
  const lines = [hasVisibleText(text) ? text.trim() : "", ...notes].filter(Boolean);
  const body = lines.join("\n") || (attachmentCount > 0 ? "(image)" : "(empty message)");
  return cutToLength(body, MAX_BODY_CHARS);
}

/** Whether Twilio's message `sid` was stored already (Twilio retries a webhook it saw fail). */
export async function seenInboundSid(database: Db, sid: string): Promise<boolean> {
  return (await database.select({ sid: smsInbound.sid }).from(smsInbound).where(eq(smsInbound.sid, sid)).get()) !== undefined;
}

export async function recordInboundSid(database: Db, sid: string, ticketId: string): Promise<void> {
  await database.insert(smsInbound).values({ sid, ticketId, receivedAt: nowIso() }).onConflictDoNothing();
}
