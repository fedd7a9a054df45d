// Private notes and mentions in a real Chromium: agent A writes a note that agent B sees live in
// the thread, and the customer's socket never carries; A mentions B through the @ picker, and B
// hears of it live and finds the ticket in the Mentions view; with the tab hidden, a mention is
// a desktop notification.
import { describe, expect, it } from "vitest";
import { http, ok } from "./client";
import { inbox, inboxReady, signInPage } from "./inbox-fixtures";
import { adminCookie, agentOnTicket, composer, context, customerWrites, newAgent, useInboxBrowser } from "./inbox-setup";
import { base } from "./widget-fixtures";

useInboxBrowser();

describe("notes and mentions in the inbox", { timeout: 60_000 }, () => {
  it("a note reaches the other agent live and never the customer; a mention reaches the mentioned agent's Mentions view", async () => {
    const customer = await customerWrites("My parcel says delivered, but it is not here");
    const a = await agentOnTicket(customer.ticketId, "noter");
    const b = await agentOnTicket(customer.ticketId, "mentioned");
    await inboxReady(b.page);

    // A writes a note: it shows in A's thread and, live, in B's, as a note.
    await a.page.getByTestId("composer-note-toggle").click();
    expect(await a.page.getByTestId("composer").getAttribute("data-mode")).toBe("note");
    await composer(a.page).fill("Courier says it went to the neighbour at 12");
    await composer(a.page).press("Enter");
    for (const page of [a.page, b.page]) {
      await page.getByTestId("note-body").getByText("Courier says it went to the neighbour at 12", { exact: true }).waitFor({ timeout: 10_000 });
    }
    // In order with the messages: after the customer's first message.
    const order = await b.page.locator('[data-testid="thread"] > li').evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.testid));
    expect(order).toEqual(["message", "note"]);

    // A mentions B: "@" and the start of B's name suggests B, and picking B writes the name.
    await composer(a.page).fill(`Can you call them, @${b.agent.name.slice(0, 4)}`);
    const option = a.page.locator(`[data-testid="mention-option"][data-agent-id="${b.agent.id}"]`);
    await option.waitFor();
    await option.click();
    expect(await composer(a.page).inputValue()).toBe(`Can you call them, @${b.agent.name} `);
    await composer(a.page).press("End");
    await composer(a.page).pressSequentially("please?");
    await composer(a.page).press("Enter");
    await b.page.getByTestId("note-body").getByText(`Can you call them, @${b.agent.name} please?`, { exact: true }).waitFor({ timeout: 10_000 });

    // B hears of the mention live, and the Mentions view lists the ticket.
    await b.page.getByTestId("mentions-unseen").waitFor({ timeout: 10_000 });
    await b.page.getByTestId("view-mentions").click();
    await inbox(b.page).row(customer.ticketId).waitFor({ timeout: 10_000 });
    expect(await b.page.getByTestId("mentions-unseen").count()).toBe(0);
    const { notes } = await ok(await http(`/api/tickets/${customer.ticketId}/notes`, { cookie: adminCookie }));
    expect(notes.map((note: { mentions: string[] }) => note.mentions)).toEqual([[], [b.agent.id]]);

    // The customer never got a note, and their seq goes on without a gap.
    expect(await customer.say("Hello? Anyone?")).toBe(2);
    expect(customer.socket.frames.filter((frame) => frame.type === "note")).toEqual([]);
    expect(JSON.stringify(customer.socket.frames)).not.toContain("neighbour");
    expect(JSON.stringify(customer.socket.frames)).not.toContain("call them");
  });

  it("a closed ticket still takes notes from the team, in a composer that only writes notes", async () => {
    const customer = await customerWrites("Thanks, all sorted!");
    await ok(await http(`/api/tickets/${customer.ticketId}`, { method: "PATCH", cookie: adminCookie, json: { status: "closed" } }));
    const a = await agentOnTicket(customer.ticketId, "closer");
    await a.page.getByTestId("closed-note").waitFor();
    expect(await a.page.getByTestId("composer").getAttribute("data-mode")).toBe("note");
    expect(await a.page.getByTestId("composer-note-toggle").count()).toBe(0);
    await composer(a.page).fill("Refund done in Klarna, nothing more to do");
    await composer(a.page).press("Enter");
    await a.page.getByTestId("note-body").getByText("Refund done in Klarna, nothing more to do", { exact: true }).waitFor({ timeout: 10_000 });
    const { notes } = await ok(await http(`/api/tickets/${customer.ticketId}/notes`, { cookie: adminCookie }));
    expect(notes.map((note: { body: string }) => note.body)).toEqual(["Refund done in Klarna, nothing more to do"]);
  });

  it("a mention while the tab is hidden shows a desktop notification (when allowed) that opens the ticket", async () => {
    const customer = await customerWrites("Can I change the delivery address?");
    const mentioned = await newAgent("hidden");
    const browserContext = await context();
    await browserContext.grantPermissions(["notifications"], { origin: base() });
    // The browser's own Notification, wrapped to record what the inbox shows; the tab reports itself hidden.
    await browserContext.addInitScript(() => {
      const w = window as any;
      w.__shown = [];
      Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => "hidden" });
      const Real = window.Notification;
      w.Notification = class extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          w.__shown.push({ title, tag: options?.tag ?? "", notification: this });
        }
      };
    });
    const page = await signInPage(browserContext, mentioned);
    await inboxReady(page);

    await ok(
      await http(`/api/tickets/${customer.ticketId}/notes`, {
        method: "POST",
        cookie: adminCookie,
        json: { clientId: `e2e-${customer.ticketId}`, body: `@${mentioned.name}, this one is yours` },
      }),
      201,
    );
    const shown = () => page.evaluate(() => (window as any).__shown.map(({ title, tag }: { title: string; tag: string }) => ({ title, tag })));
    await expect.poll(shown, { timeout: 10_000 }).toEqual([{ title: "You were mentioned in a note", tag: `mention:${customer.ticketId}` }]);
    await page.evaluate(() => (window as any).__shown[0].notification.onclick());
    await page.locator(`[data-testid="ticket-view"][data-ticket-id="${customer.ticketId}"]`).waitFor({ timeout: 10_000 });
  });
});
