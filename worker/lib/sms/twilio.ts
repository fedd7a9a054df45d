// Twilio's wire format: the signature on its webhooks, the Messages API that sends a text, and
// the delivery statuses its callbacks report.
import type { DeliveryStatusT, SettingsT } from "../../../contract";
import type { Db } from "../../db/client";
import { hostOf, readCredential } from "../credentials";
import { verifyHmacBase64 } from "../crypto";
import { basicAuth, DeliveryError, requestWithDeadline, statusError } from "../outbound";

const encoder = new TextEncoder();

/**
 * Twilio's documented scheme: base64(HMAC-SHA1(authToken, url + each POST parameter sorted by
 * name, name and value concatenated)). A name given more than once is ordered by its values too,
 * as Twilio's own helper libraries do.
 */
export async function verifyTwilioSignature(authToken: string, url: string, params: URLSearchParams, signature: string | null): Promise<boolean> {
  return verifyHmacBase64("SHA-1", authToken, encoder.encode(signedText(url, params)), signature);
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** What Twilio signs: the URL, then every parameter's name and value in sorted order. */
function signedText(url: string, params: URLSearchParams): string {
  const pairs = [...params].sort(([nameA, valueA], [nameB, valueB]) => byCodeUnit(nameA, nameB) || byCodeUnit(valueA, valueB));
  return pairs.reduce((text, [name, value]) => text + name + value, url);
}

export type TwilioConfig = { apiBaseUrl: string; accountSid: string; authToken: string; fromNumber: string; timeoutMs?: number };

/** Everything a send needs, or null while SMS is off or not fully set up (auth token included). */
export async function twilioConfig(database: Db, env: Env, settings: SettingsT): Promise<TwilioConfig | null> {
  const { enabled, accountSid, fromNumber, apiBaseUrl } = settings.sms;
  if (!enabled || !accountSid || !fromNumber) return null;
  const authToken = await readCredential(database, env, "twilio", hostOf(apiBaseUrl));
  return authToken ? { apiBaseUrl, accountSid, authToken, fromNumber } : null;
}

export const TWILIO_TIMEOUT_MS = 10_000;

export type TwilioMessage = { to: string; body: string; mediaUrls: string[]; statusCallback: string | null };

/**
 * Sends one SMS/MMS with Twilio's Messages API. Throws DeliveryError: retryable when Twilio was
 * unreachable, slow, failing (5xx) or rate limiting (429), final for any other refusal, whose
 * message then carries Twilio's error code and text (e.g. 21610: the recipient unsubscribed).
 */
export async function sendTwilioMessage(config: TwilioConfig, message: TwilioMessage): Promise<{ sid: string; status: DeliveryStatusT }> {
  const form = new URLSearchParams({ To: message.to, From: config.fromNumber });
  if (message.body) form.set("Body", message.body);
  for (const url of message.mediaUrls) form.append("MediaUrl", url);
  if (message.statusCallback) form.set("StatusCallback", message.statusCallback);
  const url = `${config.apiBaseUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`;
  const { response, text } = await requestWithDeadline("Twilio", url, {
    method: "POST",
    headers: { Authorization: basicAuth(config.accountSid, config.authToken), "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: form,
    timeoutMs: config.timeoutMs ?? TWILIO_TIMEOUT_MS,
  });
  const reply = parseJson(text);
  if (!response.ok) throw statusError("Twilio", response, twilioErrorText(reply, response.status));
  const sid = reply?.sid;
  // Not retryable: Twilio may well have taken it, and a retry could text the customer twice.
  if (typeof sid !== "string" || !sid) throw new DeliveryError(`Twilio answered ${response.status} without a message sid`, false, response.status);
  return { sid, status: (typeof reply?.status === "string" && deliveryStatusOf(reply.status)) || "queued" };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Twilio's error resource ({code, message, more_info, status}) in one line, or what the status means. */
function twilioErrorText(reply: Record<string, unknown> | null, status: number): string {
  const message = typeof reply?.message === "string" ? reply.message.slice(0, 300) : null;
  const code = typeof reply?.code === "number" || typeof reply?.code === "string" ? reply.code : null;
  if (message) return code === null ? message : `error ${code}: ${message}`;
  if (status === 401) return "the Account SID or auth token was refused";
  if (status === 404) return "nothing answers there: check the Account SID and the API address";
  if (status === 429) return "rate limited";
  return status >= 500 ? "Twilio failed" : "the message was refused";
}

const STATUSES: Record<string, DeliveryStatusT> = {
  accepted: "queued",
  scheduled: "queued",
  queued: "queued",
  sending: "queued",
  sent: "sent",
  delivered: "delivered",
  read: "delivered",
  failed: "failed",
  undelivered: "failed",
  canceled: "failed",
};

/** Twilio's MessageStatus as Parley's delivery status; null for one Parley does not track (e.g. "receiving"). */
export function deliveryStatusOf(twilioStatus: string): DeliveryStatusT | null {
  return Object.hasOwn(STATUSES, twilioStatus) ? STATUSES[twilioStatus]! : null;
}
