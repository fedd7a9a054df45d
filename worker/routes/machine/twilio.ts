// Twilio's webhooks: inbound texts (each appended to the number's open SMS ticket, or opening
// one) and the status callbacks of the texts agents send. Both are signed with the account's
// auth token. Their one guard: a forged or unsigned request is refused before anything is read.
import { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { smsKeyword, TwilioInboundSms, TwilioSignatureHeader, TwilioStatusCallback, TwilioStatusQuery, type SmsKeyword } from "../../../contract";
import { formatPhone } from "../../../contract/phone";
import type { AppEnv } from "../../env";
import { db, type Db } from "../../db/client";
import { currentOpenTicket, openTicket, refusal } from "../../lib/conversations";
import { ApiError } from "../../lib/errors";
import { errors } from "../../lib/openapi";
import { loadSettings } from "../../lib/settings";
import {
  findOrCreateProfileByPhone,
  findProfileByPhone,
  inboundBody,
  inboundMedia,
  recordInboundSid,
  seenInboundSid,
  storeInboundMedia,
} from "../../lib/sms/inbound";
import { optIn, optOut } from "../../lib/sms/opt-outs";
import { deliveryStatusOf, twilioConfig, verifyTwilioSignature } from "../../lib/sms/twilio";
import { conversationStub } from "../../lib/stubs";
import { newestTicketOf } from "../../lib/tickets";
import { audience, defineRoute } from "../audience";

const decoder = new TextDecoder();

/**
 * Twilio signs the full URL it called (query included) and every form parameter with the auth
 * token. Checked before the body is validated, so an unsigned caller learns nothing.
 */
const requireTwilioSignature = createMiddleware<AppEnv>(async (c, next) => {
  const database = db(c.env.DB);
  const settings = await loadSettings(database);
  const config = await twilioConfig(database, c.env, settings);
  if (!config) throw new ApiError(403, "forbidden", "SMS is not set up: turn it on and enter the Twilio Account SID, number and auth token in the settings.");
  // Read as bytes (a form body is not text to the runtime); the form validator reuses them.
  const params = new URLSearchParams(decoder.decode(await c.req.arrayBuffer()));
  if (!(await verifyTwilioSignature(config.authToken, c.req.url, params, c.req.header("X-Twilio-Signature") ?? null))) {
    throw new ApiError(403, "forbidden", "X-Twilio-Signature is missing or does not match this URL and body signed with the account's auth token.");
  }
  c.set("settings", settings);
  c.set("twilio", config);
  c.set("twilioParams", params);
  await next();
});

const FORM = "application/x-www-form-urlencoded";
const twimlResponse = {
  content: { "text/xml": { schema: z.string().openapi({ example: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' }) } },
  description: "TwiML",
};

/** The confirmations carriers require for the opt-out keywords; HELP answers with the store's own text. */
const KEYWORD_REPLIES: Record<Exclude<SmsKeyword, "help">, string> = {
  stop: "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.",
  start: "You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe.",
};

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (char) => `&${{ "<": "lt", ">": "gt", "&": "amp", "'": "apos", '"': "quot" }[char]};`);

function twiml(message: string | null): Response {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Response>${message === null ? "" : `<Message>${escapeXml(message)}</Message>`}</Response>`;
  return new Response(body, { headers: { "Content-Type": "text/xml; charset=utf-8" } });
}

/** What Twilio's delivery error codes mean, for the agent who sees the failed message. */
const TWILIO_ERRORS: Record<string, string> = {
  "21610": "the recipient has unsubscribed (replied STOP)",
  "30003": "unreachable handset",
  "30004": "message blocked",
  "30005": "unknown number",
  "30006": "landline or unreachable carrier",
  "30007": "filtered by the carrier",
  "30008": "unknown error",
};

function deliveryError(form: z.infer<typeof TwilioStatusCallback>): string {
  const text = form.ErrorMessage || (form.ErrorCode && TWILIO_ERRORS[form.ErrorCode]) || "Twilio could not deliver it";
  return form.ErrorCode ? `Twilio error ${form.ErrorCode}: ${text}` : text;
}

const RATING_REPLY = /^\s*([1-5])\s*[.!]?\s*$/;

/** The ticket a text rated, when it is a score answering the question its last SMS ticket asked within the day. */
async function rateBySms(env: Env, database: Db, phone: string, body: string): Promise<string | null> {
  const score = RATING_REPLY.exec(body)?.[1];
  if (!score) return null;
  const profile = await findProfileByPhone(database, phone);
  const ticket = profile && (await newestTicketOf(database, profile.id, "sms"));
  // The ticket's object decides (D1 may not have heard of the close yet): it was asked, and is unrated.
  if (!ticket) return null;
  const result = await conversationStub(env, ticket.id).rateBySms(Number(score));
  return result.ok ? ticket.id : null;
}

const twilioRoutes = [
  defineRoute(
    {
      method: "post",
      path: "/api/sms/twilio",
      tags: ["sms"],
      summary: "Twilio's inbound message webhook: appends the text to the number's open SMS ticket, or opens one",
      description:
        "Signed with X-Twilio-Signature. A MessageSid already received is answered and stored once. STOP, START and HELP (and their synonyms) are answered with the confirmation carriers require; STOP blocks replies to the number until START.",
      request: { headers: TwilioSignatureHeader, body: { content: { [FORM]: { schema: TwilioInboundSms } }, required: true } },
      responses: { 200: twimlResponse, 400: errors[400], 403: errors[403] },
    },
    async (c) => {
      const form = c.req.valid("form");
      const database = db(c.env.DB);
      if (await seenInboundSid(database, form.MessageSid)) return twiml(null);

      const phone = form.From;
      const keyword = smsKeyword(form.Body);
      if (keyword === "stop") await optOut(database, phone);
      else if (keyword === "start") await optIn(database, phone);
      const reply = keyword === null ? null : keyword === "help" ? c.var.settings.sms.helpMessage : KEYWORD_REPLIES[keyword];
      if (keyword) {
        // A keyword is a conversation's business only when there is one: it never opens a ticket.
        const known = await findProfileByPhone(database, phone);
        if (!known || !(await currentOpenTicket(c.env, database, known.id, "sms"))) return twiml(reply);
      }

      // A bare 1 to 5 answering the rating question of the number's last SMS ticket rates it; it opens no ticket.
      const rated = keyword === null && inboundMedia(c.var.twilioParams).length === 0 ? await rateBySms(c.env, database, phone, form.Body) : null;
      if (rated) {
        await recordInboundSid(database, form.MessageSid, rated);
        return twiml(null);
      }

      const profile = await findOrCreateProfileByPhone(database, phone);
      // Until the store names them, the customer is their number, as people write it: every
      // stranger would otherwise be the same "Customer" in the list, the thread and the alerts.
      const customer = { id: profile.id, name: profile.name ?? formatPhone(phone) };
      const { attachments, notes } = await storeInboundMedia(c.env.UPLOADS, c.var.twilio, profile.id, inboundMedia(c.var.twilioParams));
      const input = { sid: form.MessageSid, body: inboundBody(form.Body, notes, attachments.length), attachments, phone, keyword };
      const origin = new URL(c.req.url).origin;
      // The ticket may close between opening and storing: the text then starts the next one.
      for (let attempt = 0; attempt < 3; attempt++) {
        const { ticket } = await openTicket(c.env, database, customer, "sms", { limited: false });
        const result = await conversationStub(c.env, ticket.id).receiveSms(customer, input, origin);
        if (!result.ok && result.code === "conversation_closed") continue;
        if (!result.ok) throw refusal(result);
        await recordInboundSid(database, form.MessageSid, ticket.id);
        return twiml(reply);
      }
      throw new ApiError(500, "internal_error", "Could not store the text; Twilio will retry.");
    },
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/sms/twilio/status",
      tags: ["sms"],
      summary: "Twilio's StatusCallback for a text an agent sent: moves its delivery status forward",
      description:
        "Signed with X-Twilio-Signature over the URL with its query. Statuses Parley does not track (e.g. `receiving`) are acknowledged and ignored.",
      request: { headers: TwilioSignatureHeader, query: TwilioStatusQuery, body: { content: { [FORM]: { schema: TwilioStatusCallback } }, required: true } },
      responses: { 204: { description: "Recorded, or a status Parley does not track" }, 400: errors[400], 403: errors[403], 404: errors[404] },
    },
    async (c) => {
      const { ticket, seq } = c.req.valid("query");
      const form = c.req.valid("form");
      const status = deliveryStatusOf(form.MessageStatus);
      if (status === null) return c.body(null, 204);
      const matched = await conversationStub(c.env, ticket).smsStatus({
        seq,
        sid: form.MessageSid,
        status,
        error: status === "failed" ? deliveryError(form) : null,
      });
      if (!matched) throw new ApiError(404, "not_found", `Ticket ${ticket} has no text ${seq} sent as ${form.MessageSid}.`);
      return c.body(null, 204);
    },
  ),
];

export const twilioApi = audience(requireTwilioSignature, twilioRoutes);
