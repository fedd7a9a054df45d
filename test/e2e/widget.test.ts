// The storefront widget in a real browser (Debian's Chromium via playwright-core) against
// `npm start`, checked against its DOM contract in docs/widget.md. The other side of each chat
// is a scripted agent on the agent WebSocket. The tests share one server and its settings, so
// they run one after another and put back every setting they change.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectChromium } from "./browser";
import { http, ok, signIn, Socket, withSettings } from "./client";
import {
  attribute,
  base,
  count,
  type Customer,
  frames,
  freshCustomer,
  newContext,
  openStore,
  parleyStorage,
  recordStatuses,
  sessionFor,
  statusHistory,
  text,
  threadRows,
  ui,
  visible,
} from "./widget-fixtures";

let browser: Browser;
let admin: string;
const contexts: BrowserContext[] = [];
const sockets: Socket[] = [];

/** One published FAQ the launcher tests rely on (with no FAQs and no chat, there is no launcher). */
const SHARED_FAQ = { question: "Can I return a sweater?", answer: "Yes, within 30 days, unworn." };

let sharedFaqId: string | undefined;

beforeAll(async () => {
  [browser, admin] = await Promise.all([connectChromium(), signIn()]);
  sharedFaqId = (await createFaq(SHARED_FAQ.question, SHARED_FAQ.answer)).id;
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
  if (sharedFaqId) await http(`/api/faqs/${sharedFaqId}`, { method: "DELETE", cookie: admin });
});

async function context(): Promise<BrowserContext> {
  const created = await newContext(browser);
  contexts.push(created);
  return created;
}

function socket(path: string): Socket {
  const created = new Socket(path, admin);
  sockets.push(created);
  return created;
}

async function createFaq(question: string, answer: string, published = true): Promise<{ id: string }> {
  const created = await ok(await http("/api/faqs", { method: "POST", cookie: admin, json: { question, answer, published } }), 201);
  return created;
}

/** Launcher → "I still need help" → the chat view's composer. */
async function openChatView(page: Page) {
  const w = ui(page);
  await visible(w.launcher);
  await w.launcher.click();
  await visible(w.panel);
  await visible(w.needHelp);
  await w.needHelp.click();
  await visible(w.input);
}

async function typeAndSend(page: Page, body: string) {
  const w = ui(page);
  await w.input.fill(body);
  await w.input.press("Enter");
}

/**
 * The shopper writes the first message in the widget; the scripted agent finds the new ticket
 * on the inbox socket and joins it on the agent socket, where the message arrives.
 */
async function startLiveChat(page: Page, customer: Customer, firstBody: string, beforeSend?: () => Promise<void>) {
  const { profileId, token } = await sessionFor(customer);
  const inbox = socket("/api/inbox/ws");
  await inbox.opened;
  await inbox.type("counts");
  await openChatView(page);
  await beforeSend?.();
  await recordStatuses(page);
  await typeAndSend(page, firstBody);
  const arrived = await inbox.next((f) => f.type === "ticket" && f.ticket.profileId === profileId, 10_000);
  const ticketId: string = arrived.ticket.id;
  const agent = socket(`/api/tickets/${ticketId}/ws?after=0`);
  await agent.opened;
  await agent.type("hello");
  const first = await agent.next((f) => f.type === "message" && f.body === firstBody);
  expect(first).toMatchObject({ seq: 1, author: { kind: "customer", name: customer.name } });
  expect(first.clientId).toEqual(expect.any(String));
  return { ticketId, agent, inbox, first, profileId, token };
}

/** The scripted agent replies and waits for the server to store the reply. */
async function agentSays(agent: Socket, body: string, clientId: string): Promise<number> {
  agent.send({ type: "send", clientId, body });
  return (await agent.next((f) => f.type === "ack" && f.clientId === clientId)).seq;
}

const messageBySeq = (page: Page, seq: number) => page.locator(`[data-parley="message"][data-seq="${seq}"]`);
const messageByClientId = (page: Page, clientId: string) => page.locator(`[data-parley="message"][data-client-id="${clientId}"]`);
const bodyOf = (message: ReturnType<Page["locator"]>) => message.locator('[data-parley="body"]');

describe("storefront widget in a browser", { timeout: 30_000 }, () => {
  it("answers an FAQ without creating a conversation or a ticket", async () => {
    const tag = Date.now().toString(36);
    const faq = { question: `How long does delivery take? (${tag})`, answer: "Two to four working days within Sweden." };
    const draft = { question: `Is there a secret sale? (${tag})`, answer: "Not yet." };
    const created = [await createFaq(faq.question, faq.answer), await createFaq(draft.question, draft.answer, false)];
    try {
      const customer = freshCustomer("faq");
      const browserContext = await context();
      const creates: string[] = [];
      browserContext.on("request", (request) => {
        if (request.method() === "POST" && new URL(request.url()).pathname.startsWith("/api/widget/conversations")) creates.push(request.url());
      });
      const page = await openStore(browserContext, customer);
      const w = ui(page);

      await visible(w.launcher);
      await attribute(w.launcher, "aria-label", "Open chat");
      await attribute(w.launcher, "aria-expanded", "false");
      await w.launcher.click();
      await visible(w.panel);
      await attribute(w.panel, "role", "dialog");
      await attribute(w.panel, "aria-modal", "true");
      await attribute(w.launcher, "aria-label", "Close chat");
      await attribute(w.launcher, "aria-expanded", "true");

      await visible(w.faqs);
      await text(w.faq(faq.question), faq.question);
      expect(await w.faqButtons.allTextContents()).not.toContain(draft.question);
      await w.faq(faq.question).click();
      await visible(w.faqAnswer);
      await text(w.faqAnswer, faq.answer);
      await w.faqBack.click();
      await visible(w.faq(faq.question));
      await count(w.faqAnswer, 0);

      expect(creates).toEqual([]);
      const { token, profileId } = await sessionFor(customer);
      const active = await http("/api/widget/conversations/active", { token });
      expect(active.status).toBe(404);
      expect((await active.json()).error.code).toBe("not_found");
      const { tickets } = await ok(await http("/api/tickets?limit=100", { cookie: admin }));
      expect(tickets.filter((t: any) => t.profileId === profileId)).toEqual([]);
    } finally {
      for (const { id } of created) await http(`/api/faqs/${id}`, { method: "DELETE", cookie: admin });
    }
  });

  it("chats live with an agent: sending → sent, typing, a live reply, seen", async () => {
    const links = { privacy: "https://shop.example/privacy", terms: "https://shop.example/terms" };
    await withSettings(admin, { links }, async () => {
      const config = await ok(await http("/api/widget/config"));
      const customer = freshCustomer("chat");
      const page = await openStore(await context(), customer);
      const w = ui(page);
      const { profileId } = await sessionFor(customer);
      const inbox = socket("/api/inbox/ws");
      await inbox.opened;
      await inbox.type("counts");

      await openChatView(page);
      await text(w.welcome, config.welcomeMessage);
      await visible(w.legal);
      await attribute(w.legal.locator('a[data-parley="privacy"]'), "href", links.privacy);
      await attribute(w.legal.locator('a[data-parley="terms"]'), "href", links.terms);
      await attribute(w.thread, "role", "log");
      await attribute(w.thread, "aria-live", "polite");
      expect(await w.input.evaluate((el) => getComputedStyle(el).fontSize)).toBe("16px");

      await recordStatuses(page);
      const question = "Hi! Has my Merino sweater shipped yet?";
      await w.input.fill(question);
      await w.input.press("Enter");

      const arrived = await inbox.next((f) => f.type === "ticket" && f.ticket.profileId === profileId, 10_000);
      const agent = socket(`/api/tickets/${arrived.ticket.id}/ws?after=0`);
      await agent.opened;
      const received = await agent.next((f) => f.type === "message");
      expect(received).toMatchObject({ seq: 1, body: question, author: { kind: "customer", name: customer.name } });

      const mine = messageByClientId(page, received.clientId);
      await attribute(mine, "data-status", "sent");
      await attribute(mine, "data-author", "customer");
      await attribute(mine, "data-seq", "1");
      await text(bodyOf(mine), question);
      expect(await statusHistory(page, received.clientId)).toEqual(["sending", "sent"]);
      expect(await w.input.inputValue()).toBe("");
      await count(w.legal, 0);

      expect(await w.typing.isVisible()).toBe(false);
      agent.send({ type: "typing" });
      await visible(w.typing);

      // The agent's read receipt (before replying: the server counts a reply as reading too).
      expect(await mine.getAttribute("data-status")).toBe("sent");
      agent.send({ type: "read", seq: 1 });
      await attribute(mine, "data-status", "seen");

      const reply = "It left our warehouse this morning. Tracking follows by email.";
      const seq = await agentSays(agent, reply, "agent-reply-1");
      expect(seq).toBe(2);
      await attribute(messageBySeq(page, 2), "data-author", "agent");
      await text(bodyOf(messageBySeq(page, 2)), reply);
      expect((await threadRows(page)).map((r) => [r.author, r.seq, r.body])).toEqual([
        ["customer", "1", question],
        ["agent", "2", reply],
      ]);

      // With the panel closed, a reply is unread: the launcher's badge counts it and the page
      // hears `parley:unread`; opening the panel reads it, which the agent sees.
      await page.evaluate(() => {
        (window as unknown as { __unread: number[] }).__unread = [];
        addEventListener("parley:unread", (event) => (window as unknown as { __unread: number[] }).__unread.push((event as CustomEvent).detail.count));
        (window as unknown as { Parley: (command: string) => void }).Parley("close");
      });
      await agentSays(agent, "One more thing: it ships in a gift box.", "agent-reply-2");
      await text(page.locator('[data-parley="unread"]'), "1");
      expect(await page.evaluate(() => (window as unknown as { __unread: number[] }).__unread)).toEqual([1]);
      await page.locator('[data-parley="launcher"]').click();
      expect(await agent.next((f) => f.type === "read" && f.by === "customer")).toEqual({ type: "read", by: "customer", seq: 3 });
      await count(page.locator('[data-parley="unread"]'), 0);
    });
  });

  it("shows markup from the agent as literal text, and links http(s) URLs safely", async () => {
    const customer = freshCustomer("markup");
    const page = await openStore(await context(), customer);
    const { agent } = await startLiveChat(page, customer, "Can you send me the size guide?");

    const hostile = `<img src=x onerror="window.__pwned=1"><b>bold</b>`;
    const seq = await agentSays(agent, hostile, "agent-markup");
    const body = bodyOf(messageBySeq(page, seq));
    await text(body, hostile);
    expect(await body.locator("b, img, script, iframe").count()).toBe(0);
    expect(await body.evaluate((el) => el.children.length)).toBe(0);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();

    const withLink = "The guide: https://shop.example/size-guide?fit=slim and javascript:alert(1)";
    const linkSeq = await agentSays(agent, withLink, "agent-link");
    const linkBody = bodyOf(messageBySeq(page, linkSeq));
    await text(linkBody, withLink);
    const anchors = await linkBody
      .locator("a")
      .evaluateAll((els) =>
        els.map((a) => ({ href: a.getAttribute("href"), target: a.getAttribute("target"), rel: a.getAttribute("rel"), text: a.textContent })),
      );
    expect(anchors).toEqual([
      { href: "https://shop.example/size-guide?fit=slim", target: "_blank", rel: "noopener noreferrer", text: "https://shop.example/size-guide?fit=slim" },
    ]);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  });

  it("restores the thread after a reload", async () => {
    const customer = freshCustomer("reload");
    const page = await openStore(await context(), customer);
    const w = ui(page);
    const first = "Do you have the sweater in navy?";
    const { agent } = await startLiveChat(page, customer, first);
    const reply = "Yes, in sizes S to XL.";
    await agentSays(agent, reply, "agent-navy");
    await text(bodyOf(messageBySeq(page, 2)), reply);
    const second = "Great, I'll take a medium.";
    await typeAndSend(page, second);
    await agent.next((f) => f.type === "message" && f.body === second);
    await attribute(messageBySeq(page, 3), "data-status", "sent");

    // The agent's reply counts as reading the first message; nothing has read the third.
    const expected = [
      ["customer", "1", first, "seen"],
      ["agent", "2", reply, undefined],
      ["customer", "3", second, "sent"],
    ];
    const rows = async () => (await threadRows(page)).map((r) => [r.author, r.seq, r.body, r.status]);
    await expect.poll(rows, { timeout: 5_000 }).toEqual(expected);

    await page.reload();
    await visible(w.launcher);
    await page.evaluate(() => (window as any).Parley("open"));
    await visible(w.thread);
    await expect.poll(rows, { timeout: 5_000 }).toEqual(expected);
    await visible(w.input);
  });

  it("delivers a message sent while offline exactly once when the connection returns", async () => {
    const customer = freshCustomer("offline");
    const browserContext = await context();
    const page = await openStore(browserContext, customer);
    const w = ui(page);
    const { agent, ticketId } = await startLiveChat(page, customer, "Is the sweater machine washable?");
    await attribute(messageBySeq(page, 1), "data-status", "sent");

    await browserContext.setOffline(true);
    await page.waitForFunction(() => !navigator.onLine);
    const offlineBody = "Sent from the tunnel: wool cycle at 30°?";
    await typeAndSend(page, offlineBody);
    const pending = w.messageWithBody(offlineBody);
    await count(pending, 1);
    await attribute(pending, "data-status", "sending");
    // The unacked message is kept in the persisted outbox while offline.
    await expect.poll(async () => Object.values(await parleyStorage(page)).some((value) => value.includes("wool cycle at 30")), { timeout: 5_000 }).toBe(true);
    expect(await pending.getAttribute("data-status")).toBe("sending");
    expect(agent.frames.filter((f) => f.type === "message" && f.body === offlineBody)).toEqual([]);

    await browserContext.setOffline(false);
    const delivered = await agent.next((f) => f.type === "message" && f.body === offlineBody, 15_000);
    await attribute(pending, "data-status", "sent", 10_000);
    await attribute(pending, "data-seq", String(delivered.seq));

    // A later message goes after the outbox: once it is in, any resend would have been too.
    const after = "Thanks!";
    await typeAndSend(page, after);
    await agent.next((f) => f.type === "message" && f.body === after, 10_000);
    expect(agent.frames.filter((f) => f.type === "message" && f.body === offlineBody)).toHaveLength(1);
    await count(w.messageWithBody(offlineBody), 1);
    const { messages } = await ok(await http(`/api/tickets/${ticketId}/messages`, { cookie: admin }));
    expect(messages.map((m: any) => m.body)).toEqual(["Is the sweater machine washable?", offlineBody, after]);
  });

  it("ends the chat, then starts a new one on a new ticket", async () => {
    const customer = freshCustomer("end");
    const page = await openStore(await context(), customer);
    const w = ui(page);
    const { agent, inbox, ticketId, profileId, token } = await startLiveChat(page, customer, "That's all, thank you.");
    await attribute(messageBySeq(page, 1), "data-status", "sent");

    await w.end.click();
    await visible(w.endDialog);
    await w.endCancel.click();
    await count(w.endDialog, 0);
    expect(agent.frames.some((f) => f.type === "status" && f.status === "closed")).toBe(false);
    await visible(w.input);

    await w.end.click();
    await visible(w.endDialog);
    await w.endConfirm.click();
    expect(await agent.next((f) => f.type === "status" && f.status === "closed")).toMatchObject({ status: "closed" });
    await visible(w.ended);
    await count(w.input, 0);
    await text(w.newChat, "Start a new chat");
    expect((await ok(await http(`/api/tickets/${ticketId}`, { cookie: admin }))).ticket.status).toBe("closed");

    await w.newChat.click();
    await visible(w.input);
    const again = "Actually, one more question about returns.";
    await typeAndSend(page, again);
    const next = await inbox.next((f) => f.type === "ticket" && f.ticket.profileId === profileId && f.ticket.id !== ticketId, 10_000);
    expect(next.ticket.status).toBe("open");
    const active = await ok(await http("/api/widget/conversations/active", { token }));
    expect(active.ticket.id).toBe(next.ticket.id);
    expect(active.ticket.id).not.toBe(ticketId);
    const { messages } = await ok(await http(`/api/tickets/${next.ticket.id}/messages`, { cookie: admin }));
    expect(messages.map((m: any) => [m.seq, m.author.kind, m.body])).toEqual([[1, "customer", again]]);
    await attribute(w.messageWithBody(again), "data-status", "sent");
  });

  it("looks the same under a store stylesheet with hostile global CSS", async () => {
    const customer = freshCustomer("css");
    const page = await openStore(await context(), customer);
    const w = ui(page);
    await visible(w.launcher);

    const measure = async () => {
      await w.launcher.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)));
      const launcher = await w.launcher.evaluate((el) => {
        const s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        return {
          box: [r.x, r.y, r.width, r.height],
          fontSize: s.fontSize,
          fontFamily: s.fontFamily,
          color: s.color,
          background: s.backgroundColor,
          display: s.display,
          visibility: s.visibility,
          opacity: s.opacity,
          lineHeight: s.lineHeight,
          letterSpacing: s.letterSpacing,
        };
      });
      await w.launcher.click();
      await visible(w.panel);
      await w.panel.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)));
      const panel = await w.panel.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return { box: [r.x, r.y, r.width, r.height], color: getComputedStyle(el).color };
      });
      const faq = await w.faqButtons.first().evaluate((el) => {
        const s = getComputedStyle(el);
        return { fontSize: s.fontSize, color: s.color, display: s.display, visible: el.getBoundingClientRect().height > 0 };
      });
      await w.close.click();
      await count(w.panel, 0);
      return { launcher, panel, faq };
    };

    const plain = await measure();
    expect(plain.launcher.display).not.toBe("none");
    await page.addStyleTag({
      content: `
        * { color: red !important; font-size: 40px !important; display: block !important; line-height: 3 !important;
            font-family: "Comic Sans MS", cursive !important; letter-spacing: 5px !important; box-sizing: content-box !important; }
        button { display: none !important; }
        div { padding: 30px !important; margin: 10px !important; background: yellow !important; }
        [data-parley], [role="dialog"], .launcher, .panel { display: none !important; visibility: hidden !important; }
      `,
    });
    // The store's own page did take the hostile styles.
    expect(await page.locator("h1").evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).fontSize])).toEqual(["rgb(255, 0, 0)", "40px"]);
    await visible(w.launcher);
    const hostile = await measure();
    expect(hostile).toEqual(plain);
  });

  it("sends the configured closed-hours reply outside office hours", async () => {
    await withSettings(admin, { officeHours: { enabled: true, weekly: [], closedMessage: "We're away" } }, async () => {
      const config = await ok(await http("/api/widget/config"));
      expect(config.officeHours).toEqual({ open: false, message: "We're away" });
      const customer = freshCustomer("away");
      const page = await openStore(await context(), customer);
      const w = ui(page);
      // The config says the team is away: the notice shows before anything is sent.
      const { agent } = await startLiveChat(page, customer, "Hello, anyone there?", () => visible(w.away));
      await visible(w.away);
      const bot = await agent.next((f) => f.type === "message" && f.author.kind === "bot");
      expect(bot).toMatchObject({ seq: 2, body: "We're away" });
      await attribute(messageBySeq(page, 2), "data-author", "bot");
      await text(bodyOf(messageBySeq(page, 2)), "We're away");
      expect((await threadRows(page)).map((r) => [r.author, r.body])).toEqual([
        ["customer", "Hello, anyone there?"],
        ["bot", "We're away"],
      ]);
    });
  });

  it("loginStatus all: a logged-out visitor sees the FAQs and a login prompt", async () => {
    await withSettings(admin, { loginStatus: "all", webchatEnabled: true }, async () => {
      const browserContext = await context();
      const creates: string[] = [];
      browserContext.on("request", (request) => {
        if (request.method() === "POST" && new URL(request.url()).pathname.startsWith("/api/widget/conversations")) creates.push(request.url());
      });
      const page = await browserContext.newPage();
      await page.goto(`${base()}/demo`);
      const w = ui(page);
      await visible(w.launcher);
      await w.launcher.click();
      await visible(w.panel);
      await visible(w.faq(SHARED_FAQ.question));
      await text(w.needHelp, "I still need help");
      await w.needHelp.click();
      await visible(w.loginPrompt);
      // The link goes where /demo's boot options say (its loginUrl, or the default).
      const demoBoot = JSON.parse((await (await http("/demo")).text()).match(/Parley\("boot", (\{.*?\})\);/)![1]!);
      await attribute(w.loginLink, "href", demoBoot.loginUrl ?? "/account/login");
      await count(w.input, 0);
      expect(creates).toEqual([]);

      // A store that passes no loginUrl gets the default; one that does gets its own.
      for (const [boot, href] of [
        [{}, "/account/login"],
        [{ loginUrl: "/login?return=%2Fchat" }, "/login?return=%2Fchat"],
      ] as const) {
        const store = await openStore(browserContext, boot);
        const s = ui(store);
        await visible(s.launcher);
        await s.launcher.click();
        await visible(s.needHelp);
        await s.needHelp.click();
        await visible(s.loginPrompt);
        await attribute(s.loginLink, "href", href);
        await store.close();
      }
      expect(creates).toEqual([]);
    });
  });

  it("loginStatus logged_in: no launcher for a logged-out visitor, a launcher for a shopper", async () => {
    await withSettings(admin, { loginStatus: "logged_in", webchatEnabled: true }, async () => {
      const page = await (await context()).newPage();
      const config = page.waitForResponse((response) => new URL(response.url()).pathname === "/api/widget/config");
      await page.goto(`${base()}/demo`);
      expect((await (await config).json()).loginStatus).toBe("logged_in");
      const w = ui(page);
      await w.host.waitFor({ state: "attached" });
      await page.waitForLoadState("networkidle");
      await frames(page);
      expect(await w.launcher.count()).toBe(0);
      expect(await w.panel.count()).toBe(0);

      await page.goto(`${base()}/demo?as=demo-1001`);
      await visible(w.launcher);
      await w.launcher.click();
      await visible(w.faq(SHARED_FAQ.question));
      await visible(w.needHelp);
    });
  });

  it('webchatEnabled false: FAQs only, no "I still need help"', async () => {
    await withSettings(admin, { webchatEnabled: false, loginStatus: "all" }, async () => {
      const browserContext = await context();
      const anonymous = await browserContext.newPage();
      await anonymous.goto(`${base()}/demo`);
      const identified = await openStore(browserContext, freshCustomer("nochat"));
      for (const page of [anonymous, identified]) {
        const w = ui(page);
        await visible(w.launcher);
        await w.launcher.click();
        await visible(w.faq(SHARED_FAQ.question));
        await frames(page);
        expect(await w.needHelp.count()).toBe(0);
      }
    });
  });
});
