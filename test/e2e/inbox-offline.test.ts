// The agent inbox in a real browser against `npm start` (inbox-setup.ts): going offline and
// catching up, with a reply written while offline sent once.
import { describe, expect, it } from "vitest";
import { Socket } from "./client";
import { agentMessagesTo, inbox, inboxReady, markPage, stillSamePage, threadMessages, ticketReady, until } from "./inbox-fixtures";
import { adminCookie, agentOnTicket, cleanups, customerGets, customerWrites, messagesOf, reply, ticketOf, useInboxBrowser } from "./inbox-setup";
import { attribute, count, text, visible } from "./widget-fixtures";

useInboxBrowser();

describe("agent inbox in a browser", { timeout: 45_000 }, () => {
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
});
