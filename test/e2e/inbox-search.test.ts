// Search in the inbox, in a real browser against `npm start`: `/` focuses the header's search
// box, a word from a message (typed as a prefix) finds its ticket with the hit marked in the
// snippet, and opening the result opens the ticket at that message, older history loaded for it.
import { describe, expect, it } from "vitest";
import { admin, inbox, inboxReady, signInPage, ticketReady } from "./inbox-fixtures";
import { context, customerWrites, useInboxBrowser } from "./inbox-setup";

useInboxBrowser();

/** Older than the thread's first page of history, so that the found message must be loaded for. */
const LATER_MESSAGES = 55;

describe("agent inbox in a browser", { timeout: 60_000 }, () => {
  it("finds a message by a word's prefix from the header (`/`), shows the snippet, and opens the ticket at that message", async () => {
    const word = `zanzibar${Date.now().toString(36)}`;
    const customer = await customerWrites(`Is the <b>${word}</b> scarf back in stock?`, "search");
    for (let i = 1; i <= LATER_MESSAGES; i++) await customer.say(`later message ${i}`);

    const page = await signInPage(await context(), await admin());
    await inboxReady(page);
    const search = page.getByTestId("search-input");
    await page.keyboard.press("/");
    await expect.poll(() => search.evaluate((input) => input === document.activeElement)).toBe(true);

    // As the agent types: a prefix of the word finds it (the message was indexed within a second or so).
    await search.pressSequentially(word.slice(0, -3), { delay: 20 });
    const result = page.locator(`[data-testid="search-result"][data-ticket-id="${customer.ticketId}"]`);
    await result.waitFor({ state: "visible", timeout: 10_000 });
    expect(await result.getAttribute("data-seq")).toBe("1");
    const snippet = result.getByTestId("search-snippet");
    // The customer's markup is text, never HTML: only the hit is marked.
    expect(await snippet.textContent()).toBe(`Is the <b>${word}</b> scarf back in stock?`);
    expect(await snippet.locator("mark").allTextContents()).toEqual([word]);
    expect(await snippet.locator("b").count()).toBe(0);

    await result.click();
    await ticketReady(page, customer.ticketId);
    await expect.poll(() => page.evaluate(() => location.pathname + location.hash)).toBe(`/tickets/${customer.ticketId}#seq-1`);
    const found = inbox(page).message(1);
    await found.waitFor({ state: "attached", timeout: 10_000 });
    // Landed on it: the message is in view (the newest is not), and marked as the one sought.
    await expect
      .poll(() =>
        found.evaluate((element) => {
          const box = element.getBoundingClientRect();
          return element.hasAttribute("data-sought") && box.top >= 0 && box.bottom <= innerHeight;
        }),
      )
      .toBe(true);
    expect(
      await inbox(page)
        .message(LATER_MESSAGES + 1)
        .evaluate((element) => element.getBoundingClientRect().top > innerHeight),
    ).toBe(true);
  });
});
