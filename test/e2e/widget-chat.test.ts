// The storefront widget in a browser, chatting: FAQs, a live chat with a scripted agent, markup,
// a reload, offline sending and ending a chat (shared setup in widget-setup.ts).
import { describe, expect, it } from "vitest";
import { http, ok, withSettings } from "./client";
import {
  attribute,
  count,
  freshCustomer,
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

import {
  admin,
  agentSays,
  bodyOf,
  context,
  createFaq,
  messageByClientId,
  messageBySeq,
  openChatView,
  socket,
  startLiveChat,
  typeAndSend,
  useWidgetBrowser,
} from "./widget-setup";

useWidgetBrowser();

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
});
