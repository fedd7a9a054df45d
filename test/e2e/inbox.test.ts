// The agent inbox in a real browser (Debian's Chromium via playwright-core) against `npm start`:
// agents sign in through the form and work tickets that scripted customers open and write in
// over the real widget API and sockets. The e2e files share one server and its data, so every
// test uses customers nobody used before, finds its own tickets by id, and puts back what it
// changes. playwright-core has no web-first assertions: every wait is expect.poll or waitFor.
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectChromium } from "./browser";
import { http, ok, signIn, Socket } from "./client";
import {
  admin,
  agentContext,
  agentMessagesTo,
  badgeCount,
  createAgent,
  customerReads,
  customerTypes,
  inbox,
  inboxReady,
  inboxTitle,
  markPage,
  pngBytes,
  ScriptedCustomer,
  settle,
  signInPage,
  stillSamePage,
  threadMessages,
  ticketReady,
  until,
} from "./inbox-fixtures";
import { attribute, base, count, frames, freshCustomer, text, visible } from "./widget-fixtures";

let browser: Browser;
let adminCookie: string;
const contexts: BrowserContext[] = [];
const customers: ScriptedCustomer[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [browser, adminCookie] = await Promise.all([connectChromium(), signIn()]);
});

afterEach(async () => {
  for (const customer of customers.splice(0)) customer.close();
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

afterAll(async () => {
  await browser?.close();
});

async function context(): Promise<BrowserContext> {
  const created = await agentContext(browser);
  contexts.push(created);
  return created;
}

/** A fresh customer who opens a chat and writes `first` (the ticket enters the inbox). */
async function customerWrites(first: string, label = "inbox"): Promise<ScriptedCustomer> {
  const customer = new ScriptedCustomer(freshCustomer(label));
  customers.push(customer);
  await customer.start(first);
  return customer;
}

/** A new agent (its own login budget and name), made by the admin. */
const newAgent = (label: string) => createAgent(adminCookie, "agent", label);

const ticketOf = async (id: string) => (await ok(await http(`/api/tickets/${id}`, { cookie: adminCookie }))).ticket;
const messagesOf = async (id: string): Promise<any[]> => (await ok(await http(`/api/tickets/${id}/messages?limit=200`, { cookie: adminCookie }))).messages;
const unreadCount = async (): Promise<number> => (await ok(await http("/api/inbox/counts", { cookie: adminCookie }))).unread;

/** An agent signed in through the form with one ticket open, its thread shown and live. */
async function agentOnTicket(ticketId: string, label = "agent") {
  const agent = await newAgent(label);
  const browserContext = await context();
  const page = await signInPage(browserContext, agent, `/tickets/${ticketId}`);
  await ticketReady(page, ticketId);
  return { agent, page, browserContext };
}

const composer = (page: Page) => page.getByTestId("composer-input");

/** Types a reply in the composer and sends it with Enter. */
async function reply(page: Page, body: string) {
  await composer(page).fill(body);
  await composer(page).press("Enter");
}

/** Waits for the agent message with this body to reach the customer; returns the frame. */
function customerGets(customer: ScriptedCustomer, match: (frame: any) => boolean, timeout = 10_000) {
  return customer.socket.next((f) => f.type === "message" && f.author?.kind === "agent" && match(f), timeout);
}

/** The image drawn from the server: its URL is the attachment's, and the browser decoded it. */
async function imageShown(image: Locator, url: string) {
  await image.waitFor({ state: "visible" });
  await attribute(image, "src", url);
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 5_000 }).toBe(true);
}

describe("agent inbox in a browser", { timeout: 45_000 }, () => {
  describe("signing in", () => {
    it("refuses a wrong password on the form, then signs the admin in", async () => {
      const { email, password } = await admin();
      const me = (await ok(await http("/api/me", { cookie: adminCookie }))).agent;
      const page = await (await context()).newPage();
      await page.goto(`${base()}/`);
      await visible(page.getByTestId("signin"));

      await page.getByTestId("signin-email").fill(email);
      await page.getByTestId("signin-password").fill(`${password}-wrong`);
      await page.getByTestId("signin-submit").click();
      await visible(page.getByTestId("signin-error"));
      await text(page.getByTestId("signin-error"), "Wrong email or password.");
      await visible(page.getByTestId("signin"));
      expect(await page.getByTestId("nav-inbox").count()).toBe(0);
      expect(new URL(page.url()).pathname).toBe("/");

      await page.getByTestId("signin-password").fill(password);
      await page.getByTestId("signin-submit").click();
      await visible(page.getByTestId("nav-inbox"));
      await count(page.getByTestId("signin"), 0);
      await text(page.getByTestId("me"), me.name);
      await inboxReady(page);
      // The session is a real cookie: a reload stays signed in.
      await page.reload();
      await visible(page.getByTestId("nav-inbox"));
    });
  });

  describe("the live list", () => {
    it("shows a new ticket live with its dot, badge and title; opening it clears the dot for every agent", async () => {
      const [first, second] = await Promise.all([newAgent("arrival"), newAgent("watcher")]);
      const [pageA, pageB] = await Promise.all([signInPage(await context(), first), signInPage(await context(), second)]);
      await Promise.all([inboxReady(pageA), inboxReady(pageB)]);
      const before = await unreadCount();
      for (const page of [pageA, pageB]) {
        await until(() => badgeCount(page), before);
        await until(() => page.title(), inboxTitle(before));
        await markPage(page);
      }

      const body = "Hi! Do you ship to Norway?";
      const customer = await customerWrites(body, "arrival");
      const { ticketId } = customer;
      const ticket = await ticketOf(ticketId);
      for (const page of [pageA, pageB]) {
        const row = inbox(page).row(ticketId);
        await visible(row, 10_000);
        await visible(row.getByTestId("unread-dot"));
        await attribute(row, "data-unread", "true");
        await text(row.getByTestId("row-name"), customer.name);
        await text(row.getByTestId("row-preview"), body);
        await attribute(row.getByTestId("row-time"), "datetime", ticket.lastMessageAt);
        expect((await row.getByTestId("row-time").textContent())?.trim()).not.toBe("");
        await attribute(row.getByTestId("channel-icon"), "data-channel", "webchat");
        await until(() => badgeCount(page), before + 1);
        await until(() => page.title(), inboxTitle(before + 1));
      }

      await inbox(pageA).row(ticketId).click();
      await ticketReady(pageA, ticketId);
      expect(new URL(pageA.url()).pathname).toBe(`/tickets/${ticketId}`);
      for (const page of [pageA, pageB]) {
        const row = inbox(page).row(ticketId);
        await count(row.getByTestId("unread-dot"), 0, 10_000);
        await attribute(row, "data-unread", "false");
        await until(() => badgeCount(page), before);
        await until(() => page.title(), inboxTitle(before));
        expect(await stillSamePage(page)).toBe(true);
      }
      expect((await ticketOf(ticketId)).unread).toBe(false);
    });
  });

  describe("replying", () => {
    it("sends with Enter, makes newlines with Shift+Enter, delivers each reply once and assigns the replier", async () => {
      const colleague = await newAgent("colleague");
      const customer = await customerWrites("Can I change the size of my order?", "reply");
      const { ticketId } = customer;
      const { agent, page } = await agentOnTicket(ticketId, "replier");
      const select = page.getByTestId("assignee-select");
      expect((await ticketOf(ticketId)).assigneeId).toBeNull();
      await until(
        settle(() => select.inputValue({ timeout: 500 })),
        "",
      );

      const input = composer(page);
      await input.fill("Of course.");
      await input.press("Shift+Enter");
      await input.pressSequentially("Which size would you like?");
      await until(() => input.inputValue(), "Of course.\nWhich size would you like?");
      expect(agentMessagesTo(customer)).toEqual([]);
      await input.press("Enter");
      await until(() => input.inputValue(), "");
      await reply(page, "We have M and L in stock.");
      await reply(page, "Both ship today.");
      const bodies = ["Of course.\nWhich size would you like?", "We have M and L in stock.", "Both ship today."];
      await customerGets(customer, (f) => f.body === bodies[2]);

      // The first reply assigned the ticket to the replying agent, before the second reply.
      const statusFrames = () => customer.socket.frames.filter((f) => f.type === "status");
      expect(statusFrames()).toEqual([{ type: "status", status: "open", assigneeId: agent.id }]);
      await until(
        settle(() => select.inputValue({ timeout: 500 })),
        agent.id,
      );
      expect((await ticketOf(ticketId)).assigneeId).toBe(agent.id);

      // Each reply once, in order, to the customer, in the thread and in the stored history.
      const stored = await messagesOf(ticketId);
      expect(stored.map((m) => [m.seq, m.author.kind, m.body])).toEqual([
        [1, "customer", "Can I change the size of my order?"],
        [2, "agent", bodies[0]],
        [3, "agent", bodies[1]],
        [4, "agent", bodies[2]],
      ]);
      expect(agentMessagesTo(customer).map((f) => [f.seq, f.body, f.author.id])).toEqual(bodies.map((body, i) => [i + 2, body, agent.id]));
      await until(
        async () => (await threadMessages(page)).map((m) => [m.seq, m.author, m.body]),
        stored.map((m) => [String(m.seq), m.author.kind, m.body]),
      );

      // Reassigning in the select.
      await select.selectOption(colleague.id);
      await until(async () => (await ticketOf(ticketId)).assigneeId, colleague.id);
      await until(
        async () => statusFrames(),
        [
          { type: "status", status: "open", assigneeId: agent.id },
          { type: "status", status: "open", assigneeId: colleague.id },
        ],
      );
      await until(
        settle(() => select.inputValue({ timeout: 500 })),
        colleague.id,
      );
      expect(agentMessagesTo(customer)).toHaveLength(3);
    });

    it("shows the customer's typing, then Sent, then Seen after the customer's read receipt", async () => {
      const customer = await customerWrites("Is the wool itchy?", "receipt");
      const { page } = await agentOnTicket(customer.ticketId, "receipt");
      const t = inbox(page);

      expect(await page.getByTestId("typing").count()).toBe(0);
      customerTypes(customer);
      await visible(page.getByTestId("typing"));
      await text(page.getByTestId("typing"), `${customer.name} is typing…`);

      const answer = "Not at all: it is merino, soft on the skin.";
      await reply(page, answer);
      const delivered = await customerGets(customer, (f) => f.body === answer);
      const mine = t.message(delivered.seq);
      await visible(mine);
      await attribute(mine, "data-status", "sent");
      await text(mine.getByTestId("receipt"), "Sent");
      // Nothing has read it yet: it stays "Sent" while the customer's socket does other things.
      customer.socket.send({ type: "ping" });
      await customer.socket.next((f) => f.type === "pong");
      expect(await mine.getAttribute("data-status")).toBe("sent");

      customerReads(customer, delivered.seq);
      await attribute(mine, "data-status", "seen");
      await text(mine.getByTestId("receipt"), "Seen");

      // The customer's message ends the typing indicator.
      customerTypes(customer);
      await visible(page.getByTestId("typing"));
      await customer.say("Great, thanks!");
      await count(page.getByTestId("typing"), 0);
    });
  });

  describe("composer extras", () => {
    it("inserts macros by /name and from the picker, editable before sending, and emoji", async () => {
      const tag = `m${Date.now().toString(36)}`;
      const macroA = await ok(
        await http("/api/macros", {
          method: "POST",
          cookie: adminCookie,
          json: { name: `Returns-${tag}`, body: `You can return it within 30 days (${tag}).` },
        }),
        201,
      );
      cleanups.push(() => http(`/api/macros/${macroA.id}`, { method: "DELETE", cookie: adminCookie }));
      const macroB = await ok(
        await http("/api/macros", {
          method: "POST",
          cookie: adminCookie,
          json: { name: `Delivery-${tag}`, body: `Delivery takes two to four days (${tag}).` },
        }),
        201,
      );
      cleanups.push(() => http(`/api/macros/${macroB.id}`, { method: "DELETE", cookie: adminCookie }));
      // The workspace loads macros at sign-in: the macros exist before the agent signs in.
      const customer = await customerWrites("Can I send it back?", "macro");
      const { page } = await agentOnTicket(customer.ticketId, "macros");
      const input = composer(page);

      // "/" and part of a name (after some text of the agent's own), then Enter.
      await input.click();
      await input.pressSequentially(`Hello! /turns-${tag}`);
      await visible(page.getByTestId("macro-picker"));
      await until(() => page.getByTestId("macro-option").locator("strong").allTextContents(), [macroA.name]);
      await attribute(page.getByTestId("macro-option"), "aria-selected", "true");
      await input.press("Enter");
      await count(page.getByTestId("macro-picker"), 0);
      await until(() => input.inputValue(), `Hello! ${macroA.body}`);
      await input.press("End");
      await input.pressSequentially(" Just write to us first.");
      const firstBody = `Hello! ${macroA.body} Just write to us first.`;
      await until(() => input.inputValue(), firstBody);
      await input.press("Enter");
      expect((await customerGets(customer, (f) => f.body === firstBody)).body).toBe(firstBody);

      // The macro button's picker, with its own search field.
      await page.getByTestId("macro-button").click();
      await visible(page.getByTestId("macro-search"));
      await page.getByTestId("macro-search").fill(`delivery-${tag}`);
      await until(() => page.getByTestId("macro-option").count(), 1);
      await page.getByTestId("macro-option").click();
      await count(page.getByTestId("macro-picker"), 0);
      await until(() => input.inputValue(), macroB.body);
      await input.press("Home");
      await input.pressSequentially("Good news: ");
      const secondBody = `Good news: ${macroB.body}`;
      await until(() => input.inputValue(), secondBody);
      await input.press("Enter");
      expect((await customerGets(customer, (f) => f.body === secondBody)).body).toBe(secondBody);

      // An emoji from the picker goes into the text at the caret.
      await input.fill("Have a nice day ");
      await page.getByTestId("emoji-button").click();
      await visible(page.getByTestId("emoji-picker"));
      await page.locator('[data-testid="emoji-option"][aria-label="wave"]').click();
      await count(page.getByTestId("emoji-picker"), 0);
      await until(() => input.inputValue(), "Have a nice day 👋");
      await input.press("Enter");
      expect((await customerGets(customer, (f) => f.body.includes("👋"))).body).toBe("Have a nice day 👋");
      await visible(inbox(page).messageWithBody("Have a nice day 👋"));
      expect(agentMessagesTo(customer).map((f) => f.body)).toEqual([firstBody, secondBody, "Have a nice day 👋"]);
    });

    it("sends images from the file input, a paste and a drop; each arrives as an attachment and shows inline", async () => {
      const customer = await customerWrites("Here is what arrived, can I show you?", "images");
      const { page } = await agentOnTicket(customer.ticketId, "images");
      const t = inbox(page);
      const input = composer(page);
      const png = pngBytes(12, [30, 140, 200]);

      const sendWithImage = async (body: string, attach: () => Promise<void>) => {
        await attach();
        const preview = page.getByTestId("attachment-preview");
        await count(preview, 1);
        await attribute(preview, "data-uploaded", "true", 10_000);
        await input.fill(body);
        await input.press("Enter");
        const frame = await customerGets(customer, (f) => f.body === body);
        expect(frame.attachments).toHaveLength(1);
        expect(frame.attachments[0]).toMatchObject({
          contentType: "image/png",
          size: png.length,
          url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/uploads\/[0-9a-f]{32}$/),
        });
        // The stored bytes are the ones the agent picked.
        const served = await fetch(frame.attachments[0].url);
        expect(served.headers.get("content-type")).toBe("image/png");
        expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
        await count(preview, 0);
        const message = t.message(frame.seq);
        await visible(message);
        await text(message.getByTestId("message-body"), body);
        await imageShown(message.getByTestId("message-image"), frame.attachments[0].url);
        return frame;
      };

      await sendWithImage("Photo from the file picker", () =>
        page.getByTestId("attach-input").setInputFiles({ name: "picked.png", mimeType: "image/png", buffer: png }),
      );

      await sendWithImage("Photo from the clipboard", async () => {
        await input.evaluate(
          (textarea, bytes) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], "pasted.png", { type: "image/png" }));
            textarea.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
          },
          [...png],
        );
      });

      await sendWithImage("Photo dropped on the conversation", async () => {
        const conversation = page.getByRole("group", { name: "Thread and reply" });
        await conversation.evaluate(
          (element, bytes) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], "dropped.png", { type: "image/png" }));
            const at = element.getBoundingClientRect();
            const init = { dataTransfer: data, bubbles: true, cancelable: true, clientX: at.x + at.width / 2, clientY: at.y + at.height / 3 };
            element.dispatchEvent(new DragEvent("dragenter", init));
            element.dispatchEvent(new DragEvent("dragover", init));
            element.dispatchEvent(new DragEvent("drop", init));
          },
          [...png],
        );
      });

      const stored = await messagesOf(customer.ticketId);
      expect(stored.filter((m) => m.author.kind === "agent").map((m) => [m.body, m.attachments.length])).toEqual([
        ["Photo from the file picker", 1],
        ["Photo from the clipboard", 1],
        ["Photo dropped on the conversation", 1],
      ]);
      expect(agentMessagesTo(customer)).toHaveLength(3);
    });
  });

  describe("ticket status", () => {
    it("snoozes with a preset and a custom time, moves between the lists, and wakes when the customer writes", async () => {
      const customer = await customerWrites("Could you check back with me later?", "snooze");
      const { ticketId } = customer;
      const { page } = await agentOnTicket(ticketId, "snoozer");
      await inboxReady(page);
      await markPage(page);
      const row = inbox(page).row(ticketId);
      const badge = page.getByTestId("status-badge");
      await visible(row);
      await text(badge, "open");

      // A preset: in an hour.
      await page.getByTestId("snooze-button").click();
      await visible(page.getByTestId("snooze-menu"));
      const clicked = Date.now();
      await page.locator('[data-testid="snooze-preset"][data-preset="hour"]').click();
      await text(badge, "snoozed");
      await visible(page.getByTestId("snoozed-until"));
      await page.getByTestId("snooze-menu").waitFor({ state: "hidden" });
      const snoozed = await ticketOf(ticketId);
      expect(snoozed.status).toBe("snoozed");
      expect(Math.abs(Date.parse(snoozed.snoozeUntil) - (clicked + 60 * 60 * 1000))).toBeLessThan(60_000);
      // It leaves the Open list live, and is under Snoozed.
      await count(row, 0, 10_000);
      await page.getByTestId("status-snoozed").click();
      await attribute(page.getByTestId("status-snoozed"), "aria-pressed", "true");
      await visible(row);

      // A custom time: the day after tomorrow at 10:30, the agent's local time.
      await page.getByTestId("snooze-button").click();
      await visible(page.getByTestId("snooze-custom"));
      const local = await page.evaluate(() => {
        const at = new Date();
        at.setDate(at.getDate() + 2);
        at.setHours(10, 30, 0, 0);
        const pad = (n: number) => String(n).padStart(2, "0");
        return { value: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T10:30`, iso: at.toISOString() };
      });
      await page.getByTestId("snooze-custom").fill(local.value);
      await page.getByTestId("snooze-custom-apply").click();
      await until(async () => (await ticketOf(ticketId)).snoozeUntil, local.iso);
      await text(badge, "snoozed");
      const shown = await page.evaluate(
        (iso) => `until ${new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso))}`,
        local.iso,
      );
      await text(page.getByTestId("snoozed-until"), shown);
      await visible(row);

      // Back on the Open list, the customer's message wakes the ticket without a reload.
      await page.getByTestId("status-open").click();
      await attribute(page.getByTestId("status-open"), "aria-pressed", "true");
      await count(row, 0);
      await customer.say("Actually, I have one more question.");
      await text(badge, "open", 10_000);
      await count(page.getByTestId("snoozed-until"), 0);
      await visible(row, 10_000);
      await text(row.getByTestId("row-preview"), "Actually, I have one more question.");
      expect((await ticketOf(ticketId)).status).toBe("open");
      expect(await stillSamePage(page)).toBe(true);
    });

    it("closes through the dialog (also opened with c): no composer, a closed note, and a closed frame", async () => {
      const customer = await customerWrites("That's everything, thank you!", "close");
      const { ticketId } = customer;
      const { page } = await agentOnTicket(ticketId, "closer");
      const dialog = page.getByTestId("close-dialog");

      // The `c` shortcut (with focus outside any field) asks first.
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.keyboard.press("c");
      await visible(dialog);
      await page.getByTestId("close-cancel").click();
      await dialog.waitFor({ state: "hidden" });
      expect((await ticketOf(ticketId)).status).toBe("open");

      await page.getByTestId("close-button").click();
      await visible(dialog);
      await page.getByTestId("close-confirm").click();
      await dialog.waitFor({ state: "hidden" });
      await visible(page.getByTestId("closed-note"));
      await count(page.getByTestId("composer"), 0);
      await text(page.getByTestId("status-badge"), "closed");
      await count(page.getByTestId("close-button"), 0);
      expect(await customer.socket.next((f) => f.type === "status" && f.status === "closed")).toMatchObject({ type: "status", status: "closed" });
      const closed = await ticketOf(ticketId);
      expect(closed.status).toBe("closed");
      expect(closed.closedAt).toEqual(expect.any(String));
    });
  });

  describe("network drop", () => {
    it("catches up after going offline: every message once in seq order, the new ticket, and the offline reply once", async () => {
      const customer = await customerWrites("Are you there?", "drop");
      const { ticketId } = customer;
      const { page, browserContext } = await agentOnTicket(ticketId, "offline");
      await inboxReady(page);
      await markPage(page);
      await visible(inbox(page).message(1));

      const observer = new Socket("/api/inbox/ws", adminCookie);
      cleanups.push(async () => observer.close());
      await observer.opened;
      await observer.type("counts");
      const sockets: string[] = [];
      const lists: string[] = [];
      page.on("websocket", (socket) => sockets.push(new URL(socket.url()).pathname + new URL(socket.url()).search));
      page.on("request", (request) => {
        if (new URL(request.url()).pathname === "/api/tickets") lists.push(request.url());
      });

      // Chromium keeps open sockets open when it goes offline (only new ones fail): the app
      // drops its sockets itself on the offline event, and says it is reconnecting.
      await browserContext.setOffline(true);
      await page.waitForFunction(() => !navigator.onLine);
      await visible(page.getByTestId("reconnecting"));
      await visible(page.getByTestId("inbox-offline"));

      const whileAway = ["First, while you were away", "Second, still away", "Third, are you back?"];
      for (const body of whileAway) await customer.say(body);
      const newcomer = await customerWrites("A new question while the agent is offline", "newcomer");
      // The inbox has logged the new ticket (another agent's inbox socket hears of it) before the
      // page comes back: only the page's catch-up can bring it now.
      await observer.next((f) => f.type === "ticket" && f.ticket.id === newcomer.ticketId, 10_000);
      const offlineReply = "Written in the tunnel, sent when back";
      await reply(page, offlineReply);
      const pending = inbox(page).messageWithBody(offlineReply);
      await visible(pending);
      await attribute(pending, "data-status", "sending");
      expect(agentMessagesTo(customer)).toEqual([]);
      // Nothing reached the page while it was offline.
      expect((await threadMessages(page)).map((m) => m.body)).toEqual(["Are you there?", offlineReply]);
      expect(await inbox(page).row(newcomer.ticketId).count()).toBe(0);

      await browserContext.setOffline(false);
      const delivered = await customerGets(customer, (f) => f.body === offlineReply, 15_000);
      expect(delivered.seq).toBe(5);
      await ticketReady(page, ticketId, 15_000);
      await visible(inbox(page).row(newcomer.ticketId), 15_000);
      await text(inbox(page).row(newcomer.ticketId).getByTestId("row-preview"), "A new question while the agent is offline");
      await text(inbox(page).row(ticketId).getByTestId("row-preview"), offlineReply, 10_000);
      // The catch-up came from resuming both sockets where they left off, not from reloading.
      expect(sockets).toContain(`/api/tickets/${ticketId}/ws?after=1`);
      expect(sockets.some((url) => /^\/api\/inbox\/ws\?since=\d+$/.test(url))).toBe(true);
      expect(lists).toEqual([]);

      // A later reply goes after the outbox: any resend of the offline one would have come first.
      await reply(page, "And one more after reconnecting.");
      await customerGets(customer, (f) => f.body === "And one more after reconnecting.");
      const stored = await messagesOf(ticketId);
      expect(stored.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(stored.map((m) => m.body)).toEqual(["Are you there?", ...whileAway, offlineReply, "And one more after reconnecting."]);
      await until(
        async () => (await threadMessages(page)).map((m) => [m.seq, m.body]),
        stored.map((m) => [String(m.seq), m.body]),
        10_000,
      );
      expect(agentMessagesTo(customer).filter((f) => f.body === offlineReply)).toHaveLength(1);
      await count(inbox(page).messageWithBody(offlineReply), 1);
      // The open ticket's caught-up messages count as read; the new ticket is unread.
      await count(inbox(page).row(ticketId).getByTestId("unread-dot"), 0);
      await visible(inbox(page).row(newcomer.ticketId).getByTestId("unread-dot"));
      expect((await ticketOf(ticketId)).unread).toBe(false);
      expect(await stillSamePage(page)).toBe(true);
    });
  });

  describe("safety", () => {
    it("shows markup from a customer as literal text in the thread and the list", async () => {
      const agent = await newAgent("markup");
      const page = await signInPage(await context(), agent);
      await inboxReady(page);
      const hostile = `<img src=x onerror="window.__pwned=1"><b>bold</b>`;
      const customer = await customerWrites(hostile, "markup");
      const preview = inbox(page).row(customer.ticketId).getByTestId("row-preview");
      await text(preview, hostile, 10_000);
      expect(await preview.evaluate((el) => el.children.length)).toBe(0);

      await inbox(page).row(customer.ticketId).click();
      await ticketReady(page, customer.ticketId);
      const body = inbox(page).message(1).getByTestId("message-body");
      await text(body, hostile);
      expect(await body.evaluate((el) => el.children.length)).toBe(0);
      expect(await page.locator('img[src="x"], b').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    });
  });

  describe("keyboard", () => {
    it("moves with j and k, opens the help with ?, and focuses the reply box with r", async () => {
      const mine: string[] = [];
      for (const n of [1, 2, 3]) mine.push((await customerWrites(`Keyboard question ${n}`, "keys")).ticketId);
      const agent = await newAgent("keys");
      const page = await signInPage(await context(), agent);
      await inboxReady(page);
      // The three new tickets are the newest activity: the top of the list, newest first.
      await until(
        () => page.getByTestId("ticket-row").evaluateAll((rows) => rows.slice(0, 3).map((row) => (row as HTMLElement).dataset.ticketId)),
        mine.toReversed(),
        10_000,
      );
      const order = await page.getByTestId("ticket-row").evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.ticketId!));
      const opened = async () => new URL(page.url()).pathname;

      await page.keyboard.press("j");
      await until(opened, `/tickets/${order[0]}`);
      await ticketReady(page, order[0]!);
      await attribute(inbox(page).row(order[0]!), "aria-current", "page");
      await page.keyboard.press("j");
      await until(opened, `/tickets/${order[1]}`);
      await page.keyboard.press("j");
      await until(opened, `/tickets/${order[2]}`);
      await page.keyboard.press("k");
      await until(opened, `/tickets/${order[1]}`);
      await ticketReady(page, order[1]!);
      await attribute(inbox(page).row(order[1]!), "aria-current", "page");

      await page.keyboard.press("?");
      await visible(page.getByTestId("shortcut-help"));
      await page.keyboard.press("Escape");
      await page.getByTestId("shortcut-help").waitFor({ state: "hidden" });

      await page.keyboard.press("r");
      await until(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "composer-input");
      // Typing in the reply box is text, not shortcuts.
      await page.keyboard.type("jk");
      await until(() => composer(page).inputValue(), "jk");
      expect(await opened()).toBe(`/tickets/${order[1]}`);
    });
  });

  describe("session", () => {
    it("goes back to sign-in when the session ends, and the draft comes back after signing in again", async () => {
      const customer = await customerWrites("Where is my parcel?", "expiry");
      const { agent, page, browserContext } = await agentOnTicket(customer.ticketId, "expiry");
      const draft = "Let me look that up for you:\nthe parcel left";
      await composer(page).fill(draft);

      const cookie = (await browserContext.cookies()).find((c) => c.name === "parley_session");
      expect(cookie).toBeDefined();
      const loggedOut = await http("/api/auth/logout", { method: "POST", cookie: `parley_session=${cookie!.value}` });
      expect(loggedOut.status).toBe(204);

      await visible(page.getByTestId("signin"), 15_000);
      await visible(page.getByTestId("signin-expired"));
      await count(page.getByTestId("composer-input"), 0);

      await page.getByTestId("signin-email").fill(agent.email);
      await page.getByTestId("signin-password").fill(agent.password);
      await page.getByTestId("signin-submit").click();
      await visible(page.getByTestId("nav-inbox"));
      await ticketReady(page, customer.ticketId);
      await until(() => composer(page).inputValue(), draft);
      expect(agentMessagesTo(customer)).toEqual([]);
    });
  });

  describe("many tickets", () => {
    const made: ScriptedCustomer[] = [];
    /** Every open ticket's id in the list's order, once the 120 new ones are among them. */
    let all: string[] = [];

    /** Every open ticket's id, in the list's order, paged through the API. */
    const openTickets = async () => {
      const ids: string[] = [];
      for (let cursor: string | null = null, first = true; first || cursor; first = false) {
        const page: { tickets: any[]; nextCursor: string | null } = await ok(
          await http(`/api/tickets?status=open&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { cookie: adminCookie }),
        );
        ids.push(...page.tickets.map((t) => t.id));
        cursor = page.nextCursor;
      }
      return ids;
    };

    beforeAll(async () => {
      // 120 new open tickets (in parallel, a few at a time) on top of whatever the server holds.
      const pool = Array.from({ length: 120 }, (_, i) => i);
      await Promise.all(
        Array.from({ length: 12 }, async () => {
          for (let i = pool.shift(); i !== undefined; i = pool.shift()) {
            const customer = new ScriptedCustomer(freshCustomer("bulk"));
            made.push(customer);
            await customer.start(`Bulk question number ${i}`);
            customer.close();
          }
        }),
      );
      // The list is read from D1, which the conversations write a moment after each message.
      // (expect.poll only works inside a test: this hook polls by hand.)
      const missing = () => made.filter((customer) => !all.includes(customer.ticketId)).length;
      for (const deadline = Date.now() + 15_000; (all = await openTickets()), missing() > 0;) {
        if (Date.now() > deadline) throw new Error(`${missing()} of the 120 new tickets are not in GET /api/tickets?status=open after 15 s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });

    afterAll(async () => {
      // These tickets are closed again: the other e2e files see the inbox they expect.
      await Promise.all(
        made
          .filter((customer) => customer.ticketId)
          .map((customer) => http(`/api/tickets/${customer.ticketId}`, { method: "PATCH", cookie: adminCookie, json: { status: "closed" } })),
      );
    });

    const setSize = (page: Page) => page.locator('[data-testid="ticket-list"] [role="listitem"]').first().getAttribute("aria-setsize").then(Number);
    const rowsInDom = (page: Page) => page.getByTestId("ticket-row").count();

    it("keeps only the visible rows in the DOM and loads the next page by cursor on scroll", async () => {
      expect(all.length).toBeGreaterThanOrEqual(120);
      const agent = await newAgent("scroller");
      const browserContext = await context();
      const pages: string[] = [];
      browserContext.on("request", (request) => {
        const url = new URL(request.url());
        if (url.pathname === "/api/tickets") pages.push(url.searchParams.get("cursor") ?? "");
      });
      const page = await signInPage(browserContext, agent);
      await inboxReady(page);
      const list = page.getByTestId("ticket-list");
      await until(() => setSize(page), Math.min(50, all.length));
      expect(pages).toEqual([""]);
      const firstRows = await rowsInDom(page);
      expect(firstRows).toBeGreaterThan(0);
      expect(firstRows).toBeLessThan(30);

      // Scroll to the end until every open ticket is in the list; the DOM stays small.
      for (let loaded = 50; loaded < all.length; loaded += 50) {
        await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
        await until(() => setSize(page), Math.min(loaded + 50, all.length), 10_000);
        expect(await rowsInDom(page)).toBeLessThan(30);
      }
      // One request per page (a last page that is exactly full may cost one more, empty, request).
      expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(all.length / 50));
      expect(pages.length).toBeLessThanOrEqual(Math.ceil(all.length / 50) + 1);
      expect(pages.slice(1).every((cursor) => cursor !== "")).toBe(true);
      await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await until(
        async () => (await page.getByTestId("ticket-row").evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.ticketId))).at(-1),
        all.at(-1),
      );
      expect(await rowsInDom(page)).toBeLessThan(30);
    });

    /** An agent with the newest ticket open (its row at the top of the list), and the list. */
    async function newestTicketOpen(label: string) {
      const agent = await newAgent(label);
      const page = await signInPage(await context(), agent);
      await inboxReady(page);
      const list = page.getByTestId("ticket-list");
      await until(() => setSize(page), Math.min(50, all.length));
      const newest = inbox(page).row(all[0]!);
      await newest.click();
      await ticketReady(page, all[0]!);
      await attribute(newest, "aria-current", "page");
      /** Scrolls the list (to the end with no argument) and says where it got to. */
      const scrollTo = (top?: number) => list.evaluate((el, to) => (el.scrollTo({ top: to ?? el.scrollHeight }), el.scrollTop), top);
      return { page, list, scrollTop: () => list.evaluate((el) => el.scrollTop), scrollTo };
    }

    it("stays where the agent scrolled when the next page arrives while a ticket is open", async () => {
      const { page, scrollTop, scrollTo } = await newestTicketOpen("pager");
      const scrolled = await scrollTo();
      expect(scrolled).toBeGreaterThan(1000);
      await until(() => setSize(page), Math.min(100, all.length), 10_000);
      await frames(page);
      // The new rows came in below: the rows in view are the same ones, not the open ticket's.
      expect(await scrollTop()).toBeGreaterThanOrEqual(scrolled - 76);
      expect(new URL(page.url()).pathname).toBe(`/tickets/${all[0]}`);
    });

    it("stays where the agent scrolled when another ticket changes while a ticket is open", async () => {
      const { page, scrollTop, scrollTo } = await newestTicketOpen("reader");
      expect(await scrollTo(1500)).toBe(1500);
      const size = await setSize(page);
      const customer = await customerWrites("A new question while the list is scrolled", "scrolled");
      made.push(customer);
      await until(() => setSize(page), size + 1, 10_000);
      await frames(page);
      // One row came in at the top: at most one row's shift, not a jump back to the open ticket.
      expect(await scrollTop()).toBeGreaterThanOrEqual(1500 - 76);
      expect(new URL(page.url()).pathname).toBe(`/tickets/${all[0]}`);
    });
  });
});
