// Sound and desktop notifications in a real Chromium: while the inbox's tab is hidden, a new
// conversation and a new customer message each notify; a visible tab or a preference switched
// off does not. The page's Notification and AudioContext are the browser's own, wrapped only
// to record what the inbox asked of them (a headless browser shows and plays nothing).
import type { Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { useChromium } from "./browser";
import { agentContext, ScriptedCustomer, signInPage } from "./inbox-fixtures";
import { base } from "./widget-fixtures";

type Shown = { title: string; body: string; tag: string };

const chromium = useChromium();
const customers: ScriptedCustomer[] = [];

afterEach(() => {
  for (const customer of customers.splice(0)) customer.close();
});

/** A signed-in inbox whose tab can be made hidden, recording notifications and chimes. */
async function watchedInbox(): Promise<Page> {
  const context = await chromium.keep(agentContext(chromium.browser));
  await context.grantPermissions(["notifications"], { origin: base() });
  await context.addInitScript(() => {
    const w = window as any;
    w.__shown = [];
    w.__tones = 0;
    w.__hidden = false;
    Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => (w.__hidden ? "hidden" : "visible") });
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        w.__shown.push({ title, body: options?.body ?? "", tag: options?.tag ?? "", notification: this });
      }
    }
    w.Notification = Recorded;
    const createOscillator = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function (this: AudioContext) {
      w.__tones += 1;
      return createOscillator.call(this);
    };
  });
  const page = await signInPage(context);
  await page.locator('[data-testid="ticket-list"], [data-testid="list-empty"]').first().waitFor();
  return page;
}

const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((value) => {
    (window as any).__hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);

const shown = (page: Page): Promise<Shown[]> => page.evaluate(() => (window as any).__shown.map(({ title, body, tag }: Shown) => ({ title, body, tag })));
const tones = (page: Page): Promise<number> => page.evaluate(() => (window as any).__tones);

async function customer(): Promise<ScriptedCustomer> {
  const created = new ScriptedCustomer();
  customers.push(created);
  return created;
}

describe("inbox notifications", { timeout: 45_000 }, () => {
  it("chimes and shows a desktop notification for a new conversation and a new message while hidden; clicking opens the ticket", async () => {
    const page = await watchedInbox();
    await setHidden(page, true);
    const shopper = await customer();
    await shopper.start("Hi! Is the merino sweater warm enough for winter?");

    await expect
      .poll(() => shown(page), { timeout: 8_000 })
      .toEqual([{ title: `New conversation from ${shopper.name}`, body: "Hi! Is the merino sweater warm enough for winter?", tag: shopper.ticketId }]);
    expect(await tones(page)).toBe(2);

    await shopper.say("And does it come in green?");
    await expect.poll(() => shown(page), { timeout: 8_000 }).toHaveLength(2);
    expect((await shown(page))[1]).toEqual({ title: `${shopper.name} wrote`, body: "And does it come in green?", tag: shopper.ticketId });

    await page.evaluate(() => (window as any).__shown[1].notification.onclick());
    await page.getByTestId("ticket-view").waitFor();
    expect(new URL(page.url()).pathname).toBe(`/tickets/${shopper.ticketId}`);
  });

  it("stays quiet while the tab is visible, and for whatever the agent switched off", async () => {
    const page = await watchedInbox();
    const shopper = await customer();
    await shopper.start("Visible tab: no notification for this one.");
    await page.locator(`[data-testid="ticket-row"][data-ticket-id="${shopper.ticketId}"]`).waitFor();
    expect(await shown(page)).toEqual([]);
    expect(await tones(page)).toBe(0);

    await page.getByTestId("prefs-button").click();
    await page.getByTestId("pref-desktop").uncheck();
    await setHidden(page, true);
    await shopper.say("Desktop notifications are off; the chime still plays.");
    await expect.poll(() => tones(page), { timeout: 8_000 }).toBe(2);
    expect(await shown(page)).toEqual([]);

    await setHidden(page, false);
    await page.getByTestId("pref-sound").uncheck();
    await setHidden(page, true);
    // Past the 2 s between chimes, so a chime now would count.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await shopper.say("Both are off: nothing at all.");
    await page.locator(`[data-testid="ticket-row"][data-ticket-id="${shopper.ticketId}"] [data-testid="row-preview"]`, { hasText: "Both are off" }).waitFor();
    expect(await tones(page)).toBe(2);
    expect(await shown(page)).toEqual([]);

    // The choices are remembered in this browser.
    await page.reload();
    await page.getByTestId("prefs-button").click();
    expect(await page.getByTestId("pref-sound").isChecked()).toBe(false);
    expect(await page.getByTestId("pref-desktop").isChecked()).toBe(false);
  });
});
