// The inbox issue's "done when", as a new user would do it: the admin from .dev.vars signs in at
// `/` in one browser, a shopper opens the demo store `/demo` in another and writes, and the two
// chat live: the ticket arrives, the agent answers, both sides see typing and "seen", and the
// inbox never reloads.
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { useChromium } from "./browser";
import { agentContext, inbox, signInPage, until } from "./inbox-fixtures";
import { attribute, base, newContext, text, ui, visible } from "./widget-fixtures";

const chromium = useChromium();

/** The demo shopper's chat view: a fresh chat, or the one they already have open. */
async function openDemoChat(page: Page) {
  const w = ui(page);
  await page.goto(`${base()}/demo?as=demo-1002`);
  await visible(w.launcher);
  await w.launcher.click();
  await page.locator('[data-parley="need-help"], [data-parley="input"]').first().waitFor();
  if (await w.needHelp.isVisible()) await w.needHelp.click();
  await visible(w.input);
  return w;
}

describe("the demo store and the inbox, side by side", { timeout: 60_000 }, () => {
  it("a chat started on /demo reaches the signed-in admin live, and the answer reaches the shopper live", async () => {
    const agentPage = await signInPage(await chromium.keep(agentContext(chromium.browser)), inject("admin"));
    await agentPage.locator('[data-testid="ticket-list"], [data-testid="list-empty"]').first().waitFor();
    // Set once: still there at the end means the inbox was never reloaded.
    await agentPage.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const view = inbox(agentPage);

    const shopperPage = await (await chromium.keep(newContext(chromium.browser))).newPage();
    const w = await openDemoChat(shopperPage);
    const question = `Hi! Do you have the Merino Crew Sweater in size M? (${Date.now().toString(36)})`;
    await w.input.fill(question);
    await w.input.press("Enter");

    // The ticket arrives in the admin's open list, unread, with the shopper's name.
    const row = agentPage.getByTestId("ticket-row").filter({ has: agentPage.getByTestId("row-preview").getByText(question, { exact: true }) });
    await row.waitFor({ timeout: 10_000 });
    await text(row.getByTestId("row-name"), "Bo Andersson");
    await visible(row.getByTestId("unread-dot"));
    await row.click();
    await visible(view.messageWithBody(question));
    await row.getByTestId("unread-dot").waitFor({ state: "detached", timeout: 10_000 });
    // The shopper sees that the agent has read it.
    await attribute(w.messageWithBody(question), "data-status", "seen", 10_000);

    // The shopper types, the agent sees it; the agent answers, the shopper sees it.
    await w.input.pressSequentially("Also ");
    await visible(agentPage.getByTestId("typing"));
    const answer = "Yes! Size M is in stock and ships today from Borås. 🧶";
    await agentPage.getByTestId("composer-input").fill(answer);
    await agentPage.getByTestId("composer-input").press("Enter");
    await visible(w.messageWithBody(answer));
    await attribute(w.messageWithBody(answer), "data-author", "agent");
    // The shopper has the panel open on a visible tab: the agent sees "Seen".
    const reply = view.messageWithBody(answer);
    await attribute(reply, "data-status", "seen", 10_000);
    await text(reply.getByTestId("receipt"), "Seen");
    await until(
      () => agentPage.getByTestId("assignee-select").inputValue(),
      await agentPage.evaluate(() =>
        fetch("/api/me")
          .then((r) => r.json())
          .then((b) => b.agent.id),
      ),
    );

    expect(await agentPage.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });
});
