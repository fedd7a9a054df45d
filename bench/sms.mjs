// `npm run bench:sms`: how fast SMS moves through Parley, against a local server that plays
// Twilio's Messages API (scripts/twilio-wire.mjs, the same wire format the tests and the
// scripted phone use). Parley runs as `npm start` runs it (a free port, its own state).
// 1. Inbound: 10 phones text the store 10 times each, one text at a time per phone, as signed
//    Twilio webhooks. Timed from the webhook's POST to the agent's inbox socket announcing the
//    ticket with that text as its preview (and the webhook's own answer time).
// 2. Outbound: an agent replies 100 times on the tickets' sockets, as the inbox does, one at a
//    time per ticket. Timed from the `send` frame to Twilio's Messages API receiving that reply
//    from the ticket's outbox.
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { messagesApi, twilioSignature } from "../scripts/twilio-wire.mjs";
import { devVars, percentile, startBenchParley } from "./local-parley.mjs";

const PHONES = 10;
const TEXTS_EACH = 10;
const ACCOUNT = { accountSid: `AC${"5e".repeat(16)}`, authToken: "bench-twilio-token" };
const STORE_NUMBER = "+15005550006";

const now = () => performance.now();
const summary = (label, samples) =>
  `${label}: p50 ${percentile(samples, 50).toFixed(1)} ms, p90 ${percentile(samples, 90).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms (n=${samples.length})`;

/** Twilio's Messages API: each accepted reply wakes whoever waits for its body. */
const waitingForBody = new Map();
const twilio = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => (body += chunk));
  request.on("end", () => {
    const reply = messagesApi({ method: request.method, path: request.url, authorization: request.headers.authorization, contentType: request.headers["content-type"], body }, ACCOUNT);
    response.writeHead(reply.status, { "Content-Type": "application/json" }).end(JSON.stringify(reply.body));
    if (reply.message) waitingForBody.get(reply.message.body)?.(now());
  });
});
await new Promise((resolve) => twilio.listen(0, "127.0.0.1", resolve));
const apiBaseUrl = `http://127.0.0.1:${twilio.address().port}`;

// The local Twilio listens on loopback: the local-development switch, whatever .dev.vars says.
const { base, stop, json } = await startBenchParley({ label: "sms", vars: { SEND_RATE_PER_10S: "100000", DEV_LOOPBACK_SERVICES: "on" } });
try {
  const vars = devVars();
  const login = await fetch(`${base}/api/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: vars.ADMIN_EMAIL, password: vars.ADMIN_PASSWORD }) });
  const cookie = login.headers.get("set-cookie").split(";")[0];
  const admin = { Cookie: cookie, Origin: base };
  await json("/api/settings", { method: "PATCH", headers: admin, body: JSON.stringify({ sms: { enabled: false, accountSid: ACCOUNT.accountSid, fromNumber: STORE_NUMBER, apiBaseUrl } }) });
  await json("/api/credentials/twilio", { method: "PUT", headers: admin, body: JSON.stringify({ value: ACCOUNT.authToken }) });
  await json("/api/settings", { method: "PATCH", headers: admin, body: JSON.stringify({ sms: { enabled: true } }) });

  // The inbox socket announces each ticket change; a text is in the inbox when its preview shows.
  const inbox = new WebSocket(`${base.replace("http", "ws")}/api/inbox/ws`, { headers: admin });
  const waitingForPreview = new Map();
  const ticketOfPhone = new Map();
  inbox.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "ticket" && frame.ticket.channel === "sms") waitingForPreview.get(frame.ticket.preview)?.(frame.ticket, now());
  };
  await new Promise((resolve) => (inbox.onopen = resolve));

  const webhook = `${base}/api/sms/twilio`;
  let sid = 0;
  async function text(from, body) {
    const params = { MessageSid: `SM${String(++sid).padStart(32, "0")}`, AccountSid: ACCOUNT.accountSid, From: from, To: STORE_NUMBER, Body: body, NumMedia: "0" };
    const signature = await twilioSignature(ACCOUNT.authToken, webhook, params);
    const seen = new Promise((resolve) => waitingForPreview.set(body, (ticket, at) => resolve({ ticket, at })));
    const start = now();
    const response = await fetch(webhook, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature }, body: new URLSearchParams(params) });
    if (!response.ok) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
    const answered = now();
    const { ticket, at } = await seen;
    ticketOfPhone.set(from, ticket.id);
    return { answer: answered - start, inbox: at - start };
  }

  const phones = Array.from({ length: PHONES }, (_, i) => `+1555${String(Date.now() % 1e6).padStart(6, "0")}${i}`);
  await Promise.all(phones.map((phone) => text(phone, `warm-up from ${phone}`)));
  const answers = [];
  const inInbox = [];
  await Promise.all(
    phones.map(async (phone) => {
      for (let i = 0; i < TEXTS_EACH; i++) {
        const timing = await text(phone, `Text ${i} from ${phone}: is my order on its way?`);
        answers.push(timing.answer);
        inInbox.push(timing.inbox);
      }
    }),
  );

  const acked = [];
  const toTwilio = [];
  await Promise.all(
    phones.map(async (phone) => {
      // The agent replies as the inbox does: `send` frames on the ticket's socket.
      const socket = new WebSocket(`${base.replace("http", "ws")}/api/tickets/${ticketOfPhone.get(phone)}/ws`, { headers: admin });
      await new Promise((resolve) => (socket.onopen = resolve));
      const waitingForAck = new Map();
      socket.onmessage = (event) => {
        const frame = JSON.parse(event.data);
        if (frame.type === "ack") waitingForAck.get(frame.clientId)?.(now());
      };
      for (let i = 0; i < TEXTS_EACH; i++) {
        const body = `Reply ${i} to ${phone}: it left the warehouse this morning.`;
        const clientId = crypto.randomUUID();
        const received = new Promise((resolve) => waitingForBody.set(body, resolve));
        const ack = new Promise((resolve) => waitingForAck.set(clientId, resolve));
        const start = now();
        socket.send(JSON.stringify({ type: "send", clientId, body }));
        acked.push((await ack) - start);
        toTwilio.push((await received) - start);
      }
      socket.close();
    }),
  );
  inbox.close();

  console.log(summary(`inbound SMS webhook answered (signed, ${PHONES} phones at once)`, answers));
  console.log(summary("inbound SMS → ticket frame with its preview on the agent's inbox socket", inInbox));
  console.log(summary("agent reply (send frame) → its ack (checked, stored, queued)", acked));
  console.log(summary("agent reply (send frame) → Twilio's Messages API receives it from the ticket's outbox", toTwilio));
} finally {
  await stop();
  twilio.close();
}
