// `npm run bench:sms`: how fast SMS moves through Parley, against a local server that plays
// Twilio's Messages API (scripts/twilio-wire.mjs, the same wire format the tests and the
// scripted phone use). Parley runs as `npm start` runs it (a free port, its own state).
// 1. Inbound, first texts: 30 numbers Parley has never seen text the store once each, 10 at a
//    time, as signed Twilio webhooks: each makes a profile and a ticket. Timed from the webhook's
//    POST to the agent's inbox socket announcing the ticket with that text as its preview (and
//    the webhook's own answer time).
// 2. Inbound, follow-ups: 10 of those numbers text 10 times more each, one text at a time per
//    phone, to the tickets that now exist. Timed the same way.
// 3. Outbound: an agent replies 100 times on the tickets' sockets, as the inbox does, one at a
//    time per ticket. Timed from the `send` frame to Twilio's Messages API receiving that reply
//    from the ticket's outbox.
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { messagesApi, twilioSignature } from "../scripts/twilio-wire.mjs";
import { devVars, percentile, startBenchParley } from "./local-parley.mjs";

const PHONES = 10;
const TEXTS_EACH = 10;
const NEW_NUMBERS = 30;
const WARMUP_NUMBERS = 3;
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
    const reply = messagesApi(
      { method: request.method, path: request.url, authorization: request.headers.authorization, contentType: request.headers["content-type"], body },
      ACCOUNT,
    );
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
  const login = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: vars.ADMIN_EMAIL, password: vars.ADMIN_PASSWORD }),
  });
  const cookie = login.headers.get("set-cookie").split(";")[0];
  const admin = { Cookie: cookie, Origin: base };
  await json("/api/settings", {
    method: "PATCH",
    headers: admin,
    body: JSON.stringify({ sms: { enabled: false, accountSid: ACCOUNT.accountSid, fromNumber: STORE_NUMBER, apiBaseUrl } }),
  });
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
    const params = {
      MessageSid: `SM${String(++sid).padStart(32, "0")}`,
      AccountSid: ACCOUNT.accountSid,
      From: from,
      To: STORE_NUMBER,
      Body: body,
      NumMedia: "0",
    };
    const signature = await twilioSignature(ACCOUNT.authToken, webhook, params);
    const seen = new Promise((resolve) => waitingForPreview.set(body, (ticket, at) => resolve({ ticket, at })));
    const start = now();
    const response = await fetch(webhook, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature },
      body: new URLSearchParams(params),
    });
    if (!response.ok) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
    const answered = now();
    const { ticket, at } = await seen;
    ticketOfPhone.set(from, ticket.id);
    return { answer: answered - start, inbox: at - start };
  }

  const run = String(Date.now() % 1e6).padStart(6, "0");
  const numbers = (count, block) => Array.from({ length: count }, (_, i) => `+1555${run}${block}${String(i).padStart(2, "0")}`);
  // Untimed: the server's first texts (code paths, caches) from numbers used for nothing else.
  await Promise.all(numbers(WARMUP_NUMBERS, 9).map((phone) => text(phone, `warm-up from ${phone}`)));

  const firstAnswers = [];
  const firstInInbox = [];
  const newNumbers = numbers(NEW_NUMBERS, 1);
  for (let wave = 0; wave < NEW_NUMBERS; wave += PHONES) {
    await Promise.all(
      newNumbers.slice(wave, wave + PHONES).map(async (phone) => {
        const timing = await text(phone, `Hello from ${phone}: I have a question about my order.`);
        firstAnswers.push(timing.answer);
        firstInInbox.push(timing.inbox);
      }),
    );
  }

  const phones = newNumbers.slice(0, PHONES);
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

  console.log(summary(`first text from a new number (makes a profile and a ticket): webhook answered (signed, ${PHONES} at once)`, firstAnswers));
  console.log(summary("first text from a new number → ticket frame with its preview on the agent's inbox socket", firstInInbox));
  console.log(summary(`follow-up text to an existing ticket: webhook answered (signed, ${PHONES} phones at once)`, answers));
  console.log(summary("follow-up text → ticket frame with its preview on the agent's inbox socket", inInbox));
  console.log(summary("agent reply (send frame) → its ack (checked, stored, queued)", acked));
  console.log(summary("agent reply (send frame) → Twilio's Messages API receives it from the ticket's outbox", toTwilio));
  console.log(
    `  left out: Twilio's own legs (the phone network, Twilio → Parley's webhook, Parley → Twilio's API are loopback here) and delivery to the phone;` +
      ` the first ${WARMUP_NUMBERS} texts of the run (untimed warm-up); a follow-up waits for its ticket's next D1 write (at most one a second), by design`,
  );
} finally {
  await stop();
  twilio.close();
}
