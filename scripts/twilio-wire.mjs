// Twilio as the local stand-ins play it (the Workers tests' wire services and `npm run phone`):
// the Messages API's checks and answers, and X-Twilio-Signature. Plain JavaScript on WebCrypto,
// so Node and workerd both run it; written apart from the Worker's own check, so that one cannot
// share the other's mistake.
import { E164_PATTERN, MAX_SMS_CHARS, smsSegments } from "../contract/sms.ts";

const encoder = new TextEncoder();

/** base64(HMAC-SHA1(auth token, URL + each parameter's name and value, sorted by name)). */
export async function twilioSignature(authToken, url, params) {
  const data = Object.keys(params)
    .sort()
    .map((name) => name + params[name])
    .join("");
  const key = await crypto.subtle.importKey("raw", encoder.encode(authToken), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(url + data)));
  return btoa(String.fromCharCode(...mac));
}

/** Twilio's error resource. */
export const twilioError = (status, code, message) => ({ status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } });

const randomHex = (bytes) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
const basic = (user, password) => `Basic ${btoa(`${user}:${password}`)}`;

/**
 * POST /2010-04-01/Accounts/{AccountSid}/Messages.json: form-encoded, HTTP Basic
 * AccountSid:AuthToken. Answers 201 with the Message resource, or Twilio's error resource: 20003
 * for bad credentials, 21211/21212 for a number that is not one, 21602 for neither Body nor
 * MediaUrl, 21617 for a body over 1600 characters. `message` is what was accepted.
 */
export function messagesApi(request, { accountSid, authToken }) {
  const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.path);
  if (!match || request.method !== "POST") return twilioError(404, 20404, `The requested resource ${request.path} was not found`);
  if (match[1] !== accountSid || request.authorization !== basic(accountSid, authToken)) return twilioError(401, 20003, "Authenticate");
  if (!request.contentType?.startsWith("application/x-www-form-urlencoded")) return twilioError(400, 21602, "Message body is required.");
  const form = new URLSearchParams(request.body);
  const to = form.get("To");
  const from = form.get("From");
  const body = form.get("Body") ?? "";
  const media = form.getAll("MediaUrl");
  if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
  if (!E164_PATTERN.test(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  if (!from) return twilioError(400, 21603, "A 'From' phone number is required.");
  if (!E164_PATTERN.test(from)) return twilioError(400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
  if (!body && media.length === 0) return twilioError(400, 21602, "Message body is required.");
  if (body.length > MAX_SMS_CHARS) return twilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
  if (media.some((url) => !/^https?:\/\//.test(url))) return twilioError(400, 21620, "Invalid media URL(s)");
  const sid = `SM${randomHex(16)}`;
  const now = new Date().toUTCString();
  const message = { sid, to, from, body, mediaUrls: media, statusCallback: form.get("StatusCallback") };
  return {
    status: 201,
    message,
    body: {
      account_sid: accountSid,
      api_version: "2010-04-01",
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: "outbound-api",
      error_code: null,
      error_message: null,
      from,
      messaging_service_sid: null,
      num_media: String(media.length),
      num_segments: String(Math.max(1, smsSegments(body).segments)),
      price: null,
      price_unit: "USD",
      sid,
      status: "queued",
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      to,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    },
  };
}
