// Email continuity in the browsers (spec v2 "Email continuity"): the shopper leaves the store, an
// agent answers from the inbox, the unseen reply goes out by email (wrangler dev writes it under
// .wrangler/tmp/email/), the shopper answers it by email (`npm run mail`, into the local email()
// handler), and the answer shows in the agent's open ticket, the same one.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { ROOT } from "../../scripts/local-server.mjs";
import { http, ok, withSettings } from "./client";
import { createAgent, signInPage, ticketReady } from "./inbox-fixtures";
import { freshCustomer, openStore, visible } from "./widget-fixtures";
import { admin, context, startLiveChat, useWidgetBrowser } from "./widget-setup";

useWidgetBrowser();

const EMAILS = join(ROOT, ".wrangler", "tmp", "email");

/** The HTML parts of the emails wrangler dev has "sent", newest first. */
function sentHtml(): string[] {
  const found: Array<{ path: string; at: number }> = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".html")) found.push({ path, at: statSync(path).mtimeMs });
    }
  };
  try {
    walk(EMAILS);
  } catch {
    // none yet
  }
  return found.sort((a, b) => b.at - a.at).map((file) => readFileSync(file.path, "utf8"));
}

async function until<T>(check: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("email continuity", { timeout: 60_000 }, () => {
  it("is set up in the inbox's Settings, and a bad colour is refused beside its field", async () => {
    await withSettings(admin, { emailContinuity: { enabled: true, delayMinutes: 5, teamName: null, chatUrl: null, color: null } }, async () => {
      const page = await signInPage(await context(), await createAgent(admin, "admin", "continuity-settings"), "/settings/customer-email");
      const id = (name: string) => page.getByTestId(name);
      await visible(id("settings-section-customer-email"));
      expect(await id("setting-emailContinuity.enabled").isChecked()).toBe(true);
      expect(await id("setting-emailContinuity.delayMinutes").inputValue()).toBe("5");
      await id("setting-emailContinuity.delayMinutes").fill("15");
      await id("setting-emailContinuity.teamName").fill("Borås Wool");
      await id("setting-emailContinuity.chatUrl").fill("https://shop.test/help");
      await id("setting-emailContinuity.color").fill("crimson");
      await id("save-email-continuity").click();
      await visible(page.locator('[aria-invalid="true"][data-testid="setting-emailContinuity.color"]'));
      expect((await ok(await http("/api/settings", { cookie: admin }))).emailContinuity.delayMinutes).toBe(5);
      await id("setting-emailContinuity.color").fill("#aa3366");
      await id("save-email-continuity").click();
      await visible(id("saved-email-continuity"));
      expect((await ok(await http("/api/settings", { cookie: admin }))).emailContinuity).toEqual({
        enabled: true,
        delayMinutes: 15,
        teamName: "Borås Wool",
        chatUrl: "https://shop.test/help",
        color: "#aa3366",
      });
    });
  });

  it("emails the reply the shopper did not see, and their emailed answer shows in the same ticket", async () => {
    await withSettings(
      admin,
      { notifyFrom: "support@shop.test", emailContinuity: { enabled: true, delayMinutes: 0, teamName: "Borås Wool", color: "#aa3366" } },
      async () => {
        const customer = freshCustomer("continuity");
        const shopperContext = await context();
        const shopper = await openStore(shopperContext, customer);
        const { ticketId, agent, inbox } = await startLiveChat(shopper, customer, "Do you have the green scarf in medium?");
        agent.close();
        inbox.close();
        // The shopper leaves the store before anyone answers.
        await shopperContext.close();

        const agentPage = await signInPage(await context(), await createAgent(admin, "agent", "continuity"), `/tickets/${ticketId}`);
        await ticketReady(agentPage, ticketId);
        const answer = `We do! Shall I put one aside? (${ticketId.slice(-6)})`;
        await agentPage.getByTestId("composer-input").fill(answer);
        await agentPage.getByTestId("composer-input").press("Enter");

        // The email of the unseen reply, as wrangler dev wrote it: from the team, with the store's look,
        // the way back to the chat and the ticket's reply address.
        const email = await until(() => sentHtml().find((html) => html.includes(answer)), "the continuity email");
        expect(email).toContain("You have a new reply from Borås Wool");
        expect(email).toContain("#parley-chat");
        expect(email).toContain("background: #aa3366;");
        expect(email).toMatch(new RegExp(`href="mailto:reply\\+${ticketId}\\.[0-9a-f]{20}@shop\\.test"`));

        // The shopper answers it by email.
        const { stdout } = await promisify(execFile)(
          "npm",
          ["run", "--silent", "mail", "--", "--parley", inject("base"), "--from", customer.email, "--say", "Yes please, medium!"],
          {
            cwd: ROOT,
          },
        );
        expect(stdout).toContain(`✓ ${customer.email} → reply+${ticketId}.`);

        // The agent, still on the ticket, sees it arrive: the shopper's words without the quoted email.
        const arrived = agentPage.locator('[data-testid="message"][data-author="customer"]').last();
        await visible(arrived.getByText("Yes please, medium!", { exact: true }));
        expect(await arrived.textContent()).not.toContain("the store wrote");
        expect(new URL(agentPage.url()).pathname).toBe(`/tickets/${ticketId}`);
      },
    );
  });
});
