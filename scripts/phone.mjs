// `npm run phone`: a scripted phone for trying SMS locally. It plays Twilio for Parley (the
// Messages API the store's replies go to, then their status callbacks) and texts the store the
// way Twilio would (signed inbound webhooks), so an agent can hold an SMS conversation in the
// inbox with nothing but `npm start`.
//
//   npm run phone -- [--parley http://127.0.0.1:8787] [--number +15551230001] [--say "text"]…
//                    [--store-number +15005550006] [--port 0] [--no-setup]
//
// Lines typed on stdin (or each --say) go to the store; it exits on end of input or Ctrl-C.
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { devVars } from "./dev-vars.mjs";
import { messagesApi, twilioSignature } from "./twilio-wire.mjs";

const { values: options } = parseArgs({
  options: {
    parley: { type: "string", default: "http://127.0.0.1:8787" },
    number: { type: "string", default: "+15551230001" },
    "store-number": { type: "string", default: "+15005550006" },
    say: { type: "string", multiple: true, default: [] },
    port: { type: "string", default: "0" },
    "no-setup": { type: "boolean", default: false },
    // The admin who sets SMS up: .dev.vars's ADMIN_EMAIL / ADMIN_PASSWORD unless given.
    email: { type: "string" },
    password: { type: "string" },
    // Local stand-ins: Parley stores the token sealed, and this phone signs with it.
    "account-sid": { type: "string", default: `AC${"0".repeat(31)}1` },
    "auth-token": { type: "string", default: "local-phone-auth-token" },
  },
});
const parley = options.parley.replace(/\/+$/, "");
const credentials = { accountSid: options["account-sid"], authToken: options["auth-token"] };
const STATUS_STEPS = ["queued", "sent", "delivered"];
const STATUS_STEP_MS = 300;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts a form to Parley signed as Twilio signs its webhooks. */
async function postSigned(url, params) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": await twilioSignature(credentials.authToken, url, params) },
    body: new URLSearchParams(params),
  });
  return { status: response.status, text: await response.text() };
}

/** Twilio's status callbacks for a text it accepted, a moment apart as a carrier reports them. */
async function reportStatuses(message) {
  if (!message.statusCallback) return;
  for (const status of STATUS_STEPS) {
    await sleep(STATUS_STEP_MS);
    const { status: code, text } = await postSigned(message.statusCallback, {
      AccountSid: credentials.accountSid,
      ApiVersion: "2010-04-01",
      From: message.from,
      To: message.to,
      MessageSid: message.sid,
      SmsSid: message.sid,
      MessageStatus: status,
      SmsStatus: status,
    }).catch((error) => ({ status: 0, text: String(error) }));
    console.log(code >= 200 && code < 300 ? `   ✓ ${message.sid} ${status}` : `   ✖ status callback ${status} answered ${code}: ${text}`);
  }
}

const server = createServer(async (req, res) => {
  let body = "";
  for await (const chunk of req) body += chunk;
  const path = new URL(req.url ?? "/", "http://phone").pathname;
  const reply = messagesApi(
    { method: req.method ?? "", path, authorization: req.headers.authorization, contentType: req.headers["content-type"], body },
    credentials,
  );
  res.writeHead(reply.status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(reply.body));
  const message = reply.message;
  if (!message) {
    console.log(`✖ Twilio refused ${req.method} ${path}: ${reply.body.code} ${reply.body.message}`);
    return;
  }
  console.log(`📱 Store → ${message.to}: ${message.body}`);
  for (const url of message.mediaUrls) console.log(`   🖼  ${url}`);
  reportStatuses(message);
});
await new Promise((resolve) => server.listen(Number(options.port), "127.0.0.1", resolve));
const twilioUrl = `http://127.0.0.1:${server.address().port}`;

/** Signs in as the admin in .dev.vars and points Parley's SMS settings at this phone's Twilio. */
async function setUp() {
  const fromFile = options.email && options.password ? {} : devVars(".dev.vars", []);
  const request = async (method, path, json, cookie) => {
    const response = await fetch(`${parley}${path}`, {
      method,
      headers: { "Content-Type": "application/json", ...(cookie ? { Cookie: cookie } : {}) },
      body: JSON.stringify(json),
    });
    if (!response.ok) {
      const text = await response.text();
      // Deployed, Parley only calls https addresses on the internet; this phone listens on 127.0.0.1.
      const hint = text.includes("sms.apiBaseUrl")
        ? '\nParley refuses this phone\'s local Twilio: put DEV_LOOPBACK_SERVICES="on" in .dev.vars and restart `npm start`.'
        : "";
      throw new Error(`${method} ${path} answered ${response.status}: ${text}${hint}`);
    }
    return response;
  };
  const login = await request("POST", "/api/auth/login", {
    email: options.email ?? fromFile.ADMIN_EMAIL,
    password: options.password ?? fromFile.ADMIN_PASSWORD,
  });
  const cookie = login.headers.get("Set-Cookie").split(";")[0];
  await request(
    "PATCH",
    "/api/settings",
    { sms: { enabled: true, accountSid: credentials.accountSid, fromNumber: options["store-number"], apiBaseUrl: twilioUrl } },
    cookie,
  );
  await request("PUT", "/api/credentials/twilio", { value: credentials.authToken }, cookie);
}

let sent = 0;
/** Texts the store as Twilio delivers an inbound SMS, and prints a reply TwiML carries. */
async function textStore(body) {
  const sid = `SM${crypto.randomUUID().replaceAll("-", "")}`;
  const params = {
    ToCountry: "US",
    ToState: "CA",
    SmsMessageSid: sid,
    NumMedia: "0",
    SmsSid: sid,
    SmsStatus: "received",
    Body: body,
    To: options["store-number"],
    NumSegments: "1",
    MessageSid: sid,
    AccountSid: credentials.accountSid,
    From: options.number,
    ApiVersion: "2010-04-01",
  };
  const { status, text } = await postSigned(`${parley}/api/sms/twilio`, params);
  if (status !== 200) {
    console.log(`✖ Parley answered ${status}: ${text}`);
    return;
  }
  sent += 1;
  console.log(`💬 ${options.number} → Store: ${body}`);
  const answer = /<Message>([\s\S]*?)<\/Message>/.exec(text)?.[1];
  if (answer)
    console.log(
      `📱 Store → ${options.number} (auto-reply): ${answer.replace(/&(lt|gt|amp|apos|quot);/g, (_, name) => ({ lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' })[name])}`,
    );
}

try {
  if (!options["no-setup"]) await setUp();
} catch (error) {
  console.error(`✖ Could not set up SMS in Parley at ${parley}: ${error.message}\n  Is \`npm start\` running, and is this the folder with its .dev.vars?`);
  process.exit(1);
}
console.log(`☎️  Phone ${options.number} ready; Twilio for Parley plays at ${twilioUrl}. Type a text and press Enter (Ctrl-D or Ctrl-C to hang up).`);

for (const body of options.say) await textStore(body);

const hangUp = () => {
  console.log(`☎️  Hung up after ${sent} text(s).`);
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on("SIGINT", hangUp);
process.on("SIGTERM", hangUp);

// Texts go one at a time, in the order typed; the phone keeps printing replies until hung up.
let queue = Promise.resolve();
const input = createInterface({ input: process.stdin });
input.on("line", (line) => {
  if (line.trim()) queue = queue.then(() => textStore(line));
});
input.on("close", () => queue.then(hangUp));
