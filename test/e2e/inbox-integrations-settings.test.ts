// The SMS, Notifications and Webhooks settings and the agent's own email preference, in a real
// Chromium against `npm start`. Each change is made through the page and checked through the API
// (and, for webhooks, at a local receiver that checks the signature with the secret the page
// showed). Secrets are never in the page after they are entered or once shown. The e2e files
// share one server, so each test puts back what it changed.
import { createHmac, hkdfSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useChromium } from "./browser";
import { http, ok, signIn, withSettings } from "./client";
import { agentContext, createAgent, ScriptedCustomer, signInPage } from "./inbox-fixtures";
import { attribute, base, count, text } from "./widget-fixtures";

const chromium = useChromium();
const run = Date.now().toString(36);
let cookie: string;

beforeAll(async () => {
  cookie = await signIn();
});

const settings = async () => ok(await http("/api/settings", { cookie }));

async function adminPage(path: string): Promise<Page> {
  const context: BrowserContext = await chromium.keep(agentContext(chromium.browser));
  return signInPage(context, undefined, path);
}

async function openSection(page: Page, section: string) {
  await page.goto(`${base()}/settings/${section}`);
  await page.getByTestId(`settings-section-${section}`).waitFor();
}

/** A webhook receiver on a local port: records each request, and answers what `answer` says per path. */
class Receiver {
  readonly received: Array<{ path: string; headers: Record<string, string | string[] | undefined>; body: string }> = [];
  readonly answer: Record<string, number> = {};
  private server: Server | undefined;
  url = "";

  async start() {
    this.server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        this.received.push({ path: request.url ?? "", headers: request.headers, body });
        response.writeHead(this.answer[request.url ?? ""] ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop() {
    return new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(async () => {
  for (const webhook of (await ok(await http("/api/webhooks", { cookie }))).webhooks) {
    if (webhook.url.startsWith(receiver.url)) await http(`/api/webhooks/${webhook.id}`, { method: "DELETE", cookie });
  }
  await receiver.stop();
});

/** docs/webhooks.md: X-Parley-Signature is `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
function signedWith(secret: string, header: string, body: string): boolean {
  const match = header.match(/^t=(\d+),v1=([0-9a-f]{64})$/);
  return !!match && createHmac("sha256", secret).update(`${match[1]}.${body}`).digest("hex") === match[2];
}

describe("SMS, notification and webhook settings in a browser", { timeout: 60_000 }, () => {
  it("saves the SMS settings, refuses a bad number beside its field changing nothing, and never puts the auth token back in the page", async () => {
    const page = await adminPage("/settings/sms");
    const id = (name: string) => page.getByTestId(name);
    const before = await settings();
    await withSettings(cookie, { sms: before.sms }, async () => {
      await openSection(page, "sms");
      expect(await id("sms-webhook-url").textContent()).toBe(`${base()}/api/sms/twilio`);

      await id("setting-sms.fromNumber").fill("555-0100");
      await id("save-sms").click();
      await text(id("error-sms.fromNumber"), "must be a phone number in E.164 form, such as +14155550100");
      expect(await id("setting-sms.fromNumber").getAttribute("aria-invalid")).toBe("true");
      expect(await id("saved-sms").count()).toBe(0);
      expect(await settings()).toEqual(before);

      // Turning SMS on without an Account SID is refused too, beside that field.
      await id("setting-sms.fromNumber").fill("+14155550100");
      await id("setting-sms.enabled").check();
      await id("save-sms").click();
      await id("error-sms.accountSid").waitFor();
      expect(await settings()).toEqual(before);

      const accountSid = `AC${"0123456789abcdef".repeat(2)}`;
      const apiBaseUrl = `http://127.0.0.1:${8000 + Math.floor(Math.random() * 900)}`;
      await id("setting-sms.accountSid").fill(accountSid);
      await id("setting-sms.apiBaseUrl").fill(apiBaseUrl);
      await id("setting-sms.helpMessage").fill(`Shop support ${run}. Reply STOP to opt out.`);
      await id("save-sms").click();
      await id("saved-sms").waitFor();
      expect((await settings()).sms).toEqual({
        enabled: true,
        accountSid,
        fromNumber: "+14155550100",
        apiBaseUrl,
        helpMessage: `Shop support ${run}. Reply STOP to opt out.`,
      });

      const token = `twilio-token-${run}-${Math.random().toString(36).slice(2)}`;
      await id("credential-twilio-value").fill(token);
      await id("credential-twilio-save").click();
      await text(id("credential-twilio-status"), `set for ${new URL(apiBaseUrl).host}`);
      expect(await id("credential-twilio-value").inputValue()).toBe("");
      expect(await page.content()).not.toContain(token);
      await openSection(page, "sms");
      await text(id("credential-twilio-status"), `set for ${new URL(apiBaseUrl).host}`);
      expect(await page.content()).not.toContain(token);
      expect(JSON.stringify(await ok(await http("/api/credentials", { cookie })))).not.toContain(token);

      await id("credential-twilio-forget").click();
      await text(id("credential-twilio-status"), "not set");
    });
  });

  it("saves the team addresses and sender, lists an address that unsubscribed and resubscribes it after asking, and logs the emails sent", async () => {
    const page = await adminPage("/settings/notifications");
    const id = (name: string) => page.getByTestId(name);
    const team = `team-${run}@example.com`;
    await withSettings(cookie, { notifyEmails: [], notifyFrom: null }, async () => {
      await openSection(page, "notifications");
      await id("empty-notifyEmails").waitFor();
      await id("add-notifyEmails").click();
      await id("setting-notifyEmails.0").fill(team);
      await id("setting-notifyFrom").fill("not an address");
      await id("save-notifications").click();
      await id("error-notifyFrom").waitFor();
      expect(await settings()).toMatchObject({ notifyEmails: [], notifyFrom: null });
      await id("setting-notifyFrom").fill(`helpdesk-${run}@example.com`);
      await id("save-notifications").click();
      await id("saved-notifications").waitFor();
      expect(await settings()).toMatchObject({ notifyEmails: [team], notifyFrom: `helpdesk-${run}@example.com` });
      await openSection(page, "notifications");
      expect(await id("setting-notifyEmails.0").inputValue()).toBe(team);

      // A new ticket is emailed to the team, and the log shows it.
      const customer = new ScriptedCustomer();
      try {
        await customer.start(`A question for the team ${run}`);
        await expect
          .poll(
            async () =>
              (await ok(await http("/api/notifications/log?limit=50", { cookie }))).emails.some(
                (email: { ticketId: string }) => email.ticketId === customer.ticketId,
              ),
            { timeout: 20_000 },
          )
          .toBe(true);
      } finally {
        customer.close();
      }
      await id("notifications-refresh").click();
      await attribute(page.locator(`[data-testid="notification-item"][data-ticket-id="${customer.ticketId}"]`).first(), "data-kind", "new_ticket");

      // The person unsubscribes with the link in their email (signed for their address alone).
      const gone = `gone-${run}@example.com`;
      const key = readFileSync(".dev.vars", "utf8").match(/^CREDENTIALS_KEY="?(.*?)"?$/m)![1]!;
      const tokenKey = Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "parley unsubscribe v1", 32));
      const token = createHmac("sha256", tokenKey).update(gone).digest("base64url");
      const link = `/api/notifications/unsubscribe?email=${encodeURIComponent(gone)}&token=${token}`;
      // The one-click POST a mail client makes (RFC 8058) is answered in plain text, not JSON.
      const unsubscribed = await http(link, { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }) });
      expect([unsubscribed.status, await unsubscribed.text()]).toEqual([200, "Unsubscribed."]);
      await openSection(page, "notifications");
      const item = page.locator(`[data-testid="unsubscribe-item"][data-email="${gone}"]`);
      await item.getByTestId("resubscribe").click();
      await id("confirm-resubscribe").waitFor();
      await id("confirm-resubscribe-cancel").click();
      expect((await ok(await http("/api/notifications/unsubscribes", { cookie }))).unsubscribes.map((entry: { email: string }) => entry.email)).toContain(gone);
      await item.getByTestId("resubscribe").click();
      await id("confirm-resubscribe-confirm").click();
      await count(item, 0);
      expect(await id("unsubscribe-notice").textContent()).toContain(gone);
      expect((await ok(await http("/api/notifications/unsubscribes", { cookie }))).unsubscribes.map((entry: { email: string }) => entry.email)).not.toContain(
        gone,
      );
    });
  });

  it("lets any agent choose to be emailed about replies in their tickets, kept on the server", async () => {
    const agent = await createAgent(cookie, "agent", "prefs");
    const context = await chromium.keep(agentContext(chromium.browser));
    const page = await signInPage(context, agent);
    const id = (name: string) => page.getByTestId(name);
    const agentCookie = await signIn(agent);
    const me = async () => (await ok(await http("/api/me", { cookie: agentCookie }))).agent;
    expect((await me()).notifyOnAssignedReply).toBe(false);
    await id("prefs-button").click();
    expect(await id("pref-assigned-reply-email").isChecked()).toBe(false);
    await id("pref-assigned-reply-email").check();
    await expect.poll(async () => (await me()).notifyOnAssignedReply).toBe(true);
    await page.reload();
    await id("prefs-button").click();
    expect(await id("pref-assigned-reply-email").isChecked()).toBe(true);
    await id("pref-assigned-reply-email").uncheck();
    await expect.poll(async () => (await me()).notifyOnAssignedReply).toBe(false);
  });

  it("adds a webhook whose secret is shown once and signs its deliveries, logs each delivery, and turns it off and deletes it", async () => {
    receiver.answer["/down"] = 500;
    const page = await adminPage("/settings/webhooks");
    const id = (name: string) => page.getByTestId(name);
    await openSection(page, "webhooks");

    // A refused address is shown beside its field, and nothing is added.
    await id("webhook-url").fill("ftp://example.com/hook");
    await id("webhook-add").click();
    await id("error-url").waitFor();
    expect((await ok(await http("/api/webhooks", { cookie }))).webhooks.filter((w: { url: string }) => w.url.startsWith(receiver.url))).toEqual([]);

    const add = async (path: string) => {
      await id("webhook-url").fill(`${receiver.url}${path}`);
      await id("webhook-event-ticket.status_changed").uncheck();
      await id("webhook-event-ticket.assigned").uncheck();
      await id("webhook-add").click();
      await id("webhook-secret").waitFor();
      const secret = (await id("webhook-secret-value").textContent())!;
      const webhookId = (await id("webhook-secret").getAttribute("data-webhook-id"))!;
      await id("webhook-secret-done").click();
      await count(id("webhook-secret"), 0);
      expect(await page.content()).not.toContain(secret);
      return { secret, webhookId };
    };
    const good = await add("/ok");
    const down = await add("/down");
    expect(good.secret).not.toBe(down.secret);
    const listed = (await ok(await http("/api/webhooks", { cookie }))).webhooks.find((w: { id: string }) => w.id === good.webhookId);
    expect(listed).toMatchObject({ url: `${receiver.url}/ok`, events: ["ticket.created", "message.created"], enabled: true });
    expect(JSON.stringify(listed)).not.toContain(good.secret);

    const customer = new ScriptedCustomer();
    try {
      await customer.start(`Webhook test ${run}`);
    } finally {
      customer.close();
    }
    await expect.poll(() => receiver.received.filter((r) => r.path === "/ok").length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    for (const request of receiver.received.filter((r) => r.path === "/ok"))
      expect(signedWith(good.secret, String(request.headers["x-parley-signature"]), request.body)).toBe(true);
    await expect.poll(() => receiver.received.some((r) => r.path === "/down"), { timeout: 20_000 }).toBe(true);

    const item = (webhookId: string) => page.locator(`[data-testid="webhook-item"][data-webhook-id="${webhookId}"]`);
    await item(good.webhookId).getByTestId("webhook-log-toggle").click();
    const delivered = item(good.webhookId).locator('[data-testid="webhook-delivery"][data-event="ticket.created"]');
    await attribute(delivered, "data-status", "delivered");
    expect(await delivered.getByTestId("webhook-delivery-response").textContent()).toBe("HTTP 200");
    await item(down.webhookId).getByTestId("webhook-log-toggle").click();
    const failing = item(down.webhookId).locator('[data-testid="webhook-delivery"][data-event="ticket.created"]');
    await failing.waitFor();
    expect(await failing.getAttribute("data-status")).toBe("pending");
    expect(await failing.getByTestId("webhook-delivery-response").textContent()).toBe("HTTP 500");

    // Rotating asks first, then shows the new secret once.
    await item(good.webhookId).getByTestId("webhook-rotate").click();
    await id("confirm-rotate-confirm").click();
    await id("webhook-secret").waitFor();
    const rotated = (await id("webhook-secret-value").textContent())!;
    expect(rotated).not.toBe(good.secret);
    await id("webhook-secret-done").click();

    await item(down.webhookId).getByTestId("webhook-enabled").uncheck();
    await expect
      .poll(async () => (await ok(await http("/api/webhooks", { cookie }))).webhooks.find((w: { id: string }) => w.id === down.webhookId)?.enabled)
      .toBe(false);
    await attribute(item(down.webhookId), "data-enabled", "false");
    for (const webhookId of [down.webhookId, good.webhookId]) {
      await item(webhookId).getByTestId("webhook-delete").click();
      await id("confirm-delete-confirm").click();
      await count(item(webhookId), 0);
    }
    expect((await ok(await http("/api/webhooks", { cookie }))).webhooks.filter((w: { url: string }) => w.url.startsWith(receiver.url))).toEqual([]);
  });
});
