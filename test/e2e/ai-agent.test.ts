// The AI service agent end to end, as the AI issue's "done when" puts it: with the agent on and
// the built-in answerer, a shopper on the demo store asks where their order is and gets their own
// newest order, then asks something the store's data doesn't cover and is handed to the inbox,
// where an agent sees the transcript and summary and replies. Then the admin's AI settings.
import { createHmac } from "node:crypto";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { useChromium } from "./browser";
import { http, ok, signIn, withSettings } from "./client";
import { agentContext, inbox, signInPage } from "./inbox-fixtures";
import { attribute, base, newContext, sessionFor, text, ui, visible } from "./widget-fixtures";

const chromium = useChromium();
let admin: string;

beforeAll(async () => {
  admin = await signIn();
});

/** The demo store's first sample customer, identified as the store's server would. */
const ADA = {
  id: "demo-1001",
  name: "Ada Lindqvist",
  email: "ada@example.com",
  get userHash() {
    return createHmac("sha256", inject("identitySecret")).update("demo-1001").digest("hex");
  },
};

const AI_ON = { ai: { enabled: true, provider: "builtin", handoff: "inbox", handoffMessage: "Let me get you a person from our team.", maxTurns: 3 } };

async function shopperSays(page: Page, body: string) {
  const w = ui(page);
  await w.input.fill(body);
  await w.input.press("Enter");
}

describe("the AI agent", { timeout: 60_000 }, () => {
  it("answers a demo shopper's 'where is my order?' with their own newest order, then hands an uncovered question to the inbox, where an agent replies", async () => {
    await withSettings(admin, AI_ON, async () => {
      const shopper = await (await chromium.keep(newContext(chromium.browser))).newPage();
      await shopper.goto(`${base()}/demo?as=demo-1001`);
      const w = ui(shopper);
      await visible(w.launcher);
      await w.launcher.click();
      await w.needHelp.click();
      await visible(w.input);
      // A person is always one click away while the AI answers.
      await visible(shopper.locator('[data-parley="talk-to-person"]'));

      await shopperSays(shopper, "Hi! Where is my order?");
      const answer = shopper.locator('[data-parley="message"][data-author="bot"][data-ai="true"]').first();
      await visible(answer, 10_000);
      const said = (await answer.locator('[data-parley="body"]').textContent()) ?? "";
      // Ada's newest order in the demo store's history is #1042 (shipped, PostNord); #1017 is older.
      expect(said).toContain("#1042");
      expect(said).toContain("Merino Crew Sweater");
      expect(said).not.toContain("#1017");
      expect(said).not.toContain("#1039"); // Bo's order
      await text(answer.locator(".who"), "AI assistant");

      // Settled by the AI: the team's inbox doesn't show it.
      const agentPage = await signInPage(await chromium.keep(agentContext(chromium.browser)));
      await agentPage.locator('[data-testid="ticket-list"], [data-testid="list-empty"]').first().waitFor();
      const { token } = await sessionFor(ADA);
      const { ticket } = await ok(await http("/api/widget/conversations/active", { token }));
      const view = inbox(agentPage);
      expect(await view.row(ticket.id).count()).toBe(0);

      // Something the store's data doesn't cover: handed to the inbox, live.
      const question = "Can I pay with Bitcoin?";
      await shopperSays(shopper, question);
      await visible(w.messageWithBody("Let me get you a person from our team."), 10_000);
      await shopper.locator('[data-parley="talk-to-person"]').waitFor({ state: "detached" });
      const row = view.row(ticket.id);
      await row.waitFor({ timeout: 10_000 });
      await visible(row.getByTestId("unread-dot"));
      await row.click();

      // The agent sees the whole transcript, what the AI based its answer on, and the summary.
      await visible(view.messageWithBody(question));
      const aiAnswer = agentPage.locator('[data-testid="message"][data-author="bot"]').first();
      await visible(aiAnswer.getByTestId("ai-note"));
      expect(await aiAnswer.getByTestId("ai-note").textContent()).toContain("AI answer, 100% sure.");
      await attribute(aiAnswer.getByTestId("ai-source"), "data-kind", "order");
      const summary = agentPage.locator('[data-testid="message"][data-author="system"] [data-testid="message-body"]');
      await text(summary, `Handed over by the AI agent (the AI had no confident answer): “${question}”`);
      // The shopper never sees the team's summary.
      expect(await shopper.locator('[data-parley="message"][data-author="system"]').count()).toBe(0);

      const reply = "Not yet, Ada, but card, Klarna and Swish all work.";
      await agentPage.getByTestId("composer-input").fill(reply);
      await agentPage.getByTestId("composer-input").press("Enter");
      await visible(w.messageWithBody(reply));
      await attribute(w.messageWithBody(reply), "data-author", "agent");
    });
  });

  it("lets an admin set it up: settings, a knowledge-base article, and a try-it answer from it", async () => {
    await withSettings(admin, { ai: { enabled: false, threshold: 0.5, handoff: "inbox" } }, async () => {
      const page = await signInPage(await chromium.keep(agentContext(chromium.browser)), undefined, "/settings/ai");
      await page.getByTestId("settings-section-ai").waitFor();
      const id = (name: string) => page.getByTestId(name);

      await id("setting-ai.enabled").check();
      await id("setting-ai.threshold").fill("0.4");
      // A help desk that is not set up is refused beside its field, and nothing changes.
      await id("setting-ai.handoff").selectOption("zendesk");
      await id("save-ai").click();
      await visible(id("error-ai.zendesk.baseUrl"));
      expect((await ok(await http("/api/settings", { cookie: admin }))).ai.enabled).toBe(false);
      await id("setting-ai.handoff").selectOption("inbox");
      await id("save-ai").click();
      await visible(id("saved-ai"));
      // Suggestions at medium confidence: off, then on again from 0.2.
      const suggestions = async () => (await ok(await http("/api/settings", { cookie: admin }))).ai.suggestions;
      await id("setting-ai.suggestions.enabled").uncheck();
      await id("save-ai").click();
      await expect.poll(suggestions).toMatchObject({ enabled: false });
      await id("setting-ai.suggestions.enabled").check();
      await id("setting-ai.suggestions.threshold").fill("0.2");
      await id("save-ai").click();
      await expect.poll(suggestions).toEqual({ enabled: true, threshold: 0.2 });
      expect((await ok(await http("/api/settings", { cookie: admin }))).ai).toMatchObject({ enabled: true, threshold: 0.4, handoff: "inbox" });
      expect((await ok(await http("/api/widget/config"))).ai).toEqual({ enabled: true });

      // No key is asked for until a service's address is saved; then it is set, never shown again.
      await visible(id("credentials-none"));
      await id("setting-ai.handoff").selectOption("zendesk");
      await id("setting-ai.zendesk.baseUrl").fill("https://nordicknits.zendesk.com");
      await id("setting-ai.zendesk.email").fill("support@nordicknits.example");
      await id("save-ai").click();
      await visible(id("saved-ai"));
      await id("credential-zendesk-value").fill("zd-secret-token-123");
      await id("credential-zendesk-save").click();
      await text(id("credential-zendesk-status"), "set for nordicknits.zendesk.com");
      expect(await page.content()).not.toContain("zd-secret-token-123");
      // A new address: the key no longer applies until it is entered again.
      await id("setting-ai.zendesk.baseUrl").fill("https://other.zendesk.com");
      await id("save-ai").click();
      await text(id("credential-zendesk-status"), "set for nordicknits.zendesk.com, not the address saved above: enter it again");
      await id("credential-zendesk-forget").click();
      await text(id("credential-zendesk-status"), "not set");
      await id("setting-ai.handoff").selectOption("inbox");
      await id("save-ai").click();
      await visible(id("saved-ai"));

      // An article, then the try-it box answering from it.
      const tag = Date.now().toString(36);
      await id("settings-tab-knowledge").click();
      const form = id("article-new");
      await form.getByTestId("article-title").fill(`Gift wrapping ${tag}`);
      await form.getByTestId("article-body").fill(`Every order can be gift wrapped in recycled paper with a handwritten card for 49 kr (${tag}).`);
      await form.getByTestId("article-add").click();
      const item = page.locator('[data-testid="article-item"]', { hasText: `Gift wrapping ${tag}` });
      await item.waitFor();
      const articleId = await item.getAttribute("data-article-id");
      try {
        await id("settings-tab-ai").click();
        await id("ai-try-question").fill("Can you gift wrap my order with a card?");
        await id("ai-try-ask").click();
        await attribute(id("ai-try-result"), "data-decision", "answer");
        expect(await id("ai-try-answer").textContent()).toContain(tag);
        expect(await id("ai-try-candidate").first().textContent()).toContain(`Gift wrapping ${tag}`);
        await id("ai-try-question").fill("Do you sell bicycles?");
        await id("ai-try-ask").click();
        await attribute(id("ai-try-result"), "data-decision", "handoff");
      } finally {
        await ok(await http(`/api/articles/${articleId}`, { method: "DELETE", cookie: admin }), 204);
      }
    });
  });
});
