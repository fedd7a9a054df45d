// The agent inbox in a real browser against `npm start` (inbox-setup.ts): the ticket list, live
// with its dots, badge and title, safe with a customer's markup, worked with the keyboard, and
// with many tickets (only the visible rows in the DOM, a page at a time, keeping its scroll).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, ok } from "./client";
import { badgeCount, inbox, inboxReady, inboxTitle, markPage, ScriptedCustomer, signInPage, stillSamePage, ticketReady, until } from "./inbox-fixtures";
import { adminCookie, composer, context, customerWrites, newAgent, ticketOf, useInboxBrowser } from "./inbox-setup";
import { attribute, count, frames, freshCustomer, text, visible } from "./widget-fixtures";

useInboxBrowser();

const unreadCount = async (): Promise<number> => (await ok(await http("/api/inbox/counts", { cookie: adminCookie }))).unread;

describe("agent inbox in a browser", { timeout: 45_000 }, () => {
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
      // The three new tickets are listed, newest first (another file's ticket may have moved since, so not necessarily at the very top).
      await until(
        () =>
          page
            .getByTestId("ticket-row")
            .evaluateAll((rows, ids) => rows.map((row) => (row as HTMLElement).dataset.ticketId).filter((id) => ids.includes(id!)), mine),
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
