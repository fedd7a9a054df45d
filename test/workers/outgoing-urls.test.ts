// Outgoing URLs that admins enter (webhook endpoints, AI and help-desk base URLs, Twilio's API
// address) must be https to a public host (spec v2 "Origins and headers"). This file runs in the
// "workers-strict" project, which has no local-development switch, as a deployed Worker has none:
// refused when saved, and checked again (names resolved through DNS) before every request.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DeliveryError } from "../../worker/lib/outbound";
import { outgoingPolicy, outgoingRequestProblem, outgoingUrlProblem } from "../../worker/lib/outgoing-url";
import { ZendeskHandoff } from "../../worker/lib/handoff/zendesk";
import { GorgiasHandoff } from "../../worker/lib/handoff/gorgias";
import { sendTwilioMessage } from "../../worker/lib/sms/twilio";
import { call, customer, customerSocket, eventually, expectError, json, login, sendAndWait, startChat } from "./helpers";
import { receiverScope } from "./webhook-receiver-control";
import { wireScope } from "./wire-control";
import { MISSING_NAME } from "./dns-zone";

/** Internal addresses in the spellings an attacker would try. */
const INTERNAL = [
  "http://127.0.0.1/hook",
  "https://127.0.0.1/hook",
  "https://127.0.0.1:8443/hook",
  "https://localhost/hook",
  "https://LocalHost./hook",
  "https://api.localhost/hook",
  "https://[::1]/hook",
  "https://[0:0:0:0:0:0:0:1]/hook",
  "https://[::]/hook",
  "https://2130706433/hook",
  "https://127.1/hook",
  "https://0x7f.0.0.1/hook",
  "https://0177.0.0.1/hook",
  "https://0/hook",
  "https://169.254.169.254/latest/meta-data/",
  "https://10.0.0.8/hook",
  "https://172.16.5.4/hook",
  "https://172.31.255.255/hook",
  "https://192.168.1.10/hook",
  "https://100.64.0.1/hook",
  "https://198.18.0.1/hook",
  "https://[fd00::1]/hook",
  "https://[fc12:3456::1]/hook",
  "https://[fe80::1]/hook",
  "https://[::ffff:127.0.0.1]/hook",
  "https://[::ffff:a9fe:a9fe]/hook",
  "https://[64:ff9b::a00:1]/hook",
  "https://[2002:7f00:1::]/hook",
  "https://metadata.google.internal/computeMetadata/v1/",
  "https://metadata/computeMetadata/v1/",
  "https://instance-data/latest/",
  "https://printer.local/hook",
  "https://intranet/hook",
];
/** Public, but not https, or not http at all. */
const NOT_HTTPS = ["http://hooks.example.com/parley", "ftp://hooks.example.com/parley", "javascript:alert(1)"];
const PUBLIC = [
  "https://hooks.example.com/parley",
  "https://93.184.216.34/hook",
  "https://[2606:4700:4700::1111]/hook",
  "https://mystore.zendesk.com",
  "https://api.twilio.com",
];

let admin: string;
let settingsBefore: unknown;

beforeAll(async () => {
  admin = await login();
  settingsBefore = await json(await call("/api/settings", { cookie: admin }), 200);
});

describe("this project is a deployed Worker", () => {
  // test/node/deploy.test.ts checks that `wrangler deploy` would not carry the switch.
  it("runs with the local-development switch off", () => {
    expect(env.DEV_LOOPBACK_SERVICES).not.toBe("on");
    expect(outgoingPolicy()).toEqual({ loopbackAllowed: false });
  });
});

describe("saving an outgoing URL", () => {
  const FIELDS: Array<[string, (url: string) => Promise<Response>]> = [
    ["url", (url) => call("/api/webhooks", { method: "POST", cookie: admin, json: { url, events: ["message.created"] } })],
    ["ai.openai.baseUrl", (url) => call("/api/settings", { method: "PATCH", cookie: admin, json: { ai: { openai: { baseUrl: url } } } })],
    ["ai.zendesk.baseUrl", (url) => call("/api/settings", { method: "PATCH", cookie: admin, json: { ai: { zendesk: { baseUrl: url } } } })],
    ["ai.gorgias.baseUrl", (url) => call("/api/settings", { method: "PATCH", cookie: admin, json: { ai: { gorgias: { baseUrl: url } } } })],
    ["sms.apiBaseUrl", (url) => call("/api/settings", { method: "PATCH", cookie: admin, json: { sms: { apiBaseUrl: url } } })],
  ];

  it("refuses internal addresses in every spelling with 400 invalid_request naming the field, and changes nothing", async () => {
    for (const [field, save] of FIELDS) {
      for (const url of [...INTERNAL, ...NOT_HTTPS]) {
        const error = await expectError(await save(url), 400, "invalid_request");
        expect(error.message, `${field} = ${url}`).toMatch(new RegExp(`^${field.replaceAll(".", "\\.")}: `));
      }
    }
    expect(await json(await call("/api/settings", { cookie: admin }), 200)).toEqual(settingsBefore);
    expect((await json(await call("/api/webhooks", { cookie: admin }), 200)).webhooks).toEqual([]);
  });

  it("refuses them when an endpoint's address is changed, too", async () => {
    const { webhook } = await json(
      await call("/api/webhooks", { method: "POST", cookie: admin, json: { url: "https://hooks.example.com/a", events: ["message.created"] } }),
      201,
    );
    for (const url of INTERNAL)
      await expectError(await call(`/api/webhooks/${webhook.id}`, { method: "PATCH", cookie: admin, json: { url } }), 400, "invalid_request");
    expect((await json(await call("/api/webhooks", { cookie: admin }), 200)).webhooks[0].url).toBe("https://hooks.example.com/a");
    expect((await call(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie: admin })).status).toBe(204);
  });

  it("accepts https to public hosts, by name or address", async () => {
    for (const url of PUBLIC) expect(outgoingUrlProblem(url, { loopbackAllowed: false }), url).toBeNull();
    const saved = await json(
      await call("/api/settings", { method: "PATCH", cookie: admin, json: { ai: { zendesk: { baseUrl: "https://mystore.zendesk.com" } } } }),
      200,
    );
    expect(saved.ai.zendesk.baseUrl).toBe("https://mystore.zendesk.com");
  });

  it("the local-development switch admits this machine's own services, and nothing else internal", () => {
    for (const url of ["http://127.0.0.1:8788/twilio", "http://localhost:9000/hook", "http://[::1]:9000/hook"])
      expect(outgoingUrlProblem(url, { loopbackAllowed: true }), url).toBeNull();
    for (const url of [
      "https://10.0.0.8/hook",
      "https://169.254.169.254/",
      "https://metadata.google.internal/",
      "http://192.168.1.10/hook",
      "http://hooks.example.com/",
    ]) {
      expect(outgoingUrlProblem(url, { loopbackAllowed: true }), url).not.toBeNull();
    }
  });
});

describe("sending to an outgoing URL", () => {
  const wire = wireScope();
  const twilio = { accountSid: wire.credentials.twilio.accountSid, authToken: wire.credentials.twilio.authToken, fromNumber: "+15005550006" };
  const refusedAt = async (send: () => Promise<unknown>) => {
    const error = await send().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DeliveryError);
    return error as DeliveryError;
  };

  it("refuses a stored address that is internal (saved before this rule, or by hand) without connecting", async () => {
    for (const send of [
      () => sendTwilioMessage({ ...twilio, apiBaseUrl: wire.baseUrl.twilio }, { to: "+15557770002", body: "hi", mediaUrls: [], statusCallback: null }),
      () =>
        new ZendeskHandoff({ baseUrl: wire.baseUrl.zendesk, email: wire.credentials.zendesk.email, apiToken: wire.credentials.zendesk.apiToken }).createTicket({
          subject: "s",
          transcript: "t",
          customer: { name: null, email: null },
          reference: "r",
        }),
      () =>
        new GorgiasHandoff({ baseUrl: wire.baseUrl.gorgias, email: wire.credentials.gorgias.email, apiKey: wire.credentials.gorgias.apiKey }).createTicket({
          subject: "s",
          transcript: "t",
          customer: { name: "Ada", email: "ada@example.com" },
          reference: "r",
        }),
    ]) {
      const error = await refusedAt(send);
      expect(error.retryable).toBe(false);
      expect(error.status).toBeUndefined();
      expect(error.message).toMatch(/not a public address|loopback|private/);
    }
    expect(await wire.requests()).toEqual([]);
  });

  it("resolves names before each request and refuses those that point inside (DNS rebinding)", async () => {
    for (const name of [
      "rebind.evil.test",
      "intranet.evil.test",
      "metadata.evil.test",
      "mixed.evil.test",
      "v6.evil.test",
      "mapped.evil.test",
      "alias.evil.test",
    ]) {
      const error = await refusedAt(() =>
        sendTwilioMessage({ ...twilio, apiBaseUrl: `https://${name}` }, { to: "+15557770002", body: "hi", mediaUrls: [], statusCallback: null }),
      );
      expect(error.retryable, name).toBe(false);
      expect(error.message, name).toMatch(/resolves to .*(not a public address|loopback|private|link-local)/);
    }
  });

  it("lets a name that resolves to public addresses through, and retries a name that does not resolve", async () => {
    expect(await outgoingRequestProblem("https://hooks.public.test/parley")).toBeNull();
    const missing = await refusedAt(() =>
      sendTwilioMessage({ ...twilio, apiBaseUrl: `https://${MISSING_NAME}` }, { to: "+15557770002", body: "hi", mediaUrls: [], statusCallback: null }),
    );
    expect(missing.retryable).toBe(true);
    expect(missing.message).toMatch(/does not resolve/);
  });

  it("a webhook endpoint moved to an internal address gets no delivery, and its log shows the refusal, not the target's answer", async () => {
    const receiver = receiverScope();
    const { webhook } = await json(
      await call("/api/webhooks", { method: "POST", cookie: admin, json: { url: "https://hooks.example.com/b", events: ["message.created"] } }),
      201,
    );
    // As if saved before this rule existed.
    await env.DB.prepare("UPDATE webhooks SET url = ? WHERE id = ?").bind(receiver.url(), webhook.id).run();

    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const socket = await customerSocket(ticket.id, shopper.token);
    await sendAndWait(socket, "w-1", "Hello");
    socket.close();
    const delivery = await eventually(async () => {
      const { deliveries } = await json(await call(`/api/webhooks/deliveries?webhookId=${webhook.id}`, { cookie: admin }), 200);
      expect(deliveries.length).toBeGreaterThan(0);
      expect(deliveries[0].status).toBe("failed");
      return deliveries[0];
    }, 8000);
    expect(delivery.responseStatus).toBeNull();
    expect(delivery.attempts).toBe(1);
    expect(delivery.lastError).toMatch(/not a public address|loopback/);
    expect(await receiver.requests()).toEqual([]);
  });
});
