// Customer satisfaction (CSAT) in the browsers: with the rating switched on, the shopper rates an
// ended chat in the widget and the agent's open ticket shows it live; a chat an agent closed
// while the shopper was away asks again when they come back (shared setup in widget-setup.ts).
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { http, ok, withSettings } from "./client";
import { createAgent, markPage, signInPage, stillSamePage, ticketReady } from "./inbox-fixtures";
import { attribute, count, freshCustomer, openStore, text, ui, visible } from "./widget-fixtures";
import { admin, context, startLiveChat, typeAndSend, useWidgetBrowser } from "./widget-setup";

useWidgetBrowser();

const QUESTION = "How did we do today?";
/** Today in the team's time zone (the office hours'), as the Reports page counts days. */
async function today(): Promise<string> {
  const { officeHours } = await ok(await http("/api/settings", { cookie: admin }));
  return new Intl.DateTimeFormat("en-CA", { timeZone: officeHours.timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

/** The ticket's rating as the inbox's API has it: from D1, written within a second or so of the ticket's change. */
const ratingOf = async (ticketId: string) => (await ok(await http(`/api/tickets/${ticketId}`, { cookie: admin }))).ticket.rating;

/** The rating's elements in the widget (its DOM contract, as the rest of docs/widget.md's). */
function rating(page: Page) {
  const $ = (name: string) => page.locator(`[data-parley="${name}"]`);
  return { form: $("rating"), scores: $("rating-score"), comment: $("rating-comment"), send: $("rating-send"), thanks: $("rating-thanks") };
}

describe("customer satisfaction", { timeout: 30_000 }, () => {
  it("is switched on, with its question, in the inbox's Settings", async () => {
    await withSettings(admin, { csat: { enabled: false, question: "Before?" } }, async () => {
      const page = await signInPage(await context(), await createAgent(admin, "admin", "csat-settings"), "/settings/csat");
      const id = (name: string) => page.getByTestId(name);
      await visible(id("settings-section-csat"));
      expect(await id("setting-csat.enabled").isChecked()).toBe(false);
      expect(await id("setting-csat.question").inputValue()).toBe("Before?");
      await id("setting-csat.enabled").check();
      await id("setting-csat.question").fill(`  ${QUESTION}  `);
      await id("save-csat").click();
      await visible(id("saved-csat"));
      expect((await ok(await http("/api/widget/config?locale=en"))).csat).toEqual({ enabled: true, question: QUESTION });
      expect(await id("setting-csat.question").inputValue()).toBe(QUESTION);
    });
  });

  it("the shopper rates the ended chat, the agent sees it live, and an unrated chat asks again after a reload", async () => {
    await withSettings(admin, { csat: { enabled: true, question: QUESTION } }, async () => {
      const customer = freshCustomer("csat");
      const shopper = await openStore(await context(), customer);
      const w = ui(shopper);
      const r = rating(shopper);
      const { ticketId, token, inbox, profileId } = await startLiveChat(shopper, customer, "Did my parcel leave yet?");

      // The agent has the ticket open before the rating comes.
      const agent = await createAgent(admin, "agent", "csat");
      const agentPage = await signInPage(await context(), agent, `/tickets/${ticketId}`);
      await ticketReady(agentPage, ticketId);
      // The agent answers from the inbox: the reply that Reports credit to them.
      await agentPage.getByTestId("composer-input").fill("It left our warehouse this morning.");
      await agentPage.getByTestId("composer-input").press("Enter");
      await visible(w.messageWithBody("It left our warehouse this morning."));
      await markPage(agentPage);

      await w.end.click();
      await w.endConfirm.click();
      await visible(w.ended);
      await visible(r.form);
      await text(r.form.locator("p"), QUESTION);
      expect(await r.scores.evaluateAll((buttons) => buttons.map((button) => button.getAttribute("aria-label")))).toEqual([
        "1 out of 5",
        "2 out of 5",
        "3 out of 5",
        "4 out of 5",
        "5 out of 5",
      ]);
      // One tap picks; the comment is optional.
      await count(r.comment, 0);
      await r.scores.nth(4).click();
      await attribute(r.scores.nth(4), "aria-pressed", "true");
      await r.comment.fill("Fast and friendly, thanks!");
      await r.send.click();
      await text(r.thanks, "Thank you! You rated this chat 5 out of 5.");
      await count(r.form, 0);

      const shown = agentPage.getByTestId("ticket-rating");
      await visible(shown);
      expect(await shown.getAttribute("data-score")).toBe("5");
      await text(agentPage.getByTestId("ticket-rating-comment"), "Fast and friendly, thanks!");
      expect(await stillSamePage(agentPage)).toBe(true);
      await expect
        .poll(() => ratingOf(ticketId), { timeout: 5_000 })
        .toMatchObject({
          score: 5,
          comment: "Fast and friendly, thanks!",
        });

      // The Reports page: today's CSAT, the day's point of the by-day chart and the replying agent's row.
      const date = await today();
      await expect
        .poll(async () => (await ok(await http(`/api/reports?from=${date}&to=${date}&agentId=${agent.id}`, { cookie: admin }))).totals.csat.responses, {
          timeout: 10_000,
        })
        .toBe(1);
      await agentPage.getByTestId("nav-reports").click();
      await agentPage.getByTestId("reports").waitFor();
      await agentPage.getByTestId("reports-preset-today").click();
      await expect.poll(() => agentPage.getByTestId("reports-agent-filter").locator(`option[value="${agent.id}"]`).count()).toBe(1);
      await agentPage.getByTestId("reports-agent-filter").selectOption(agent.id);
      const csatTile = agentPage.getByTestId("reports-tile-csat");
      await expect.poll(() => csatTile.getByTestId("tile-value").textContent(), { timeout: 10_000 }).toBe("5.0 / 5");
      expect(await csatTile.getByTestId("tile-detail").textContent()).toBe("100% satisfied · 1 response");
      const day = agentPage.locator(`[data-testid="reports-day"][data-date="${date}"]`);
      expect([await day.getAttribute("data-conversations"), await day.getAttribute("data-csat")]).toEqual(["1", "5"]);
      const row = agentPage.locator(`[data-testid="reports-agent"][data-agent-id="${agent.id}"]`);
      expect([await row.getAttribute("data-replies"), await row.getAttribute("data-csat")]).toEqual(["1", "5"]);
      expect(await row.locator("th").textContent()).toBe(agent.name);

      // A second chat, which an agent closes; the shopper reloads before rating it.
      await w.newChat.click();
      await typeAndSend(shopper, "One more thing: gift wrapping?");
      const next = await inbox.next((f) => f.type === "ticket" && f.ticket.profileId === profileId && f.ticket.id !== ticketId, 10_000);
      await ok(await http(`/api/tickets/${next.ticket.id}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }));
      await visible(r.form);
      await shopper.reload();
      await visible(w.ended);
      await visible(r.form);
      await text(w.messageWithBody("One more thing: gift wrapping?").locator('[data-parley="body"]'), "One more thing: gift wrapping?");

      // The score alone, without a comment.
      await r.scores.nth(1).click();
      await r.send.click();
      await text(r.thanks, "Thank you! You rated this chat 2 out of 5.");
      await expect.poll(() => ratingOf(next.ticket.id), { timeout: 5_000 }).toMatchObject({ score: 2, comment: null });
      // Once the ticket's rating reaches D1 (within a second or so), nothing is left to ask about.
      await expect.poll(async () => (await ok(await http("/api/widget/conversations/unrated", { token }))).ticket, { timeout: 5_000 }).toBeNull();
    });
  });
});
