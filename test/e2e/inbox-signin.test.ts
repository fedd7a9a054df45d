// The agent inbox in a real browser against `npm start` (inbox-setup.ts): signing in through the
// form, and the session ending under an open ticket with a draft.
import { describe, expect, it } from "vitest";
import { http, ok } from "./client";
import { admin, agentMessagesTo, inboxReady, ticketReady, until } from "./inbox-fixtures";
import { adminCookie, agentOnTicket, composer, context, customerWrites, useInboxBrowser } from "./inbox-setup";
import { base, count, text, visible } from "./widget-fixtures";

useInboxBrowser();

describe("agent inbox in a browser", { timeout: 45_000 }, () => {
  describe("signing in", () => {
    it("refuses a wrong password on the form, then signs the admin in", async () => {
      const { email, password } = await admin();
      const me = (await ok(await http("/api/me", { cookie: adminCookie }))).agent;
      const page = await (await context()).newPage();
      await page.goto(`${base()}/`);
      await visible(page.getByTestId("signin"));

      await page.getByTestId("signin-email").fill(email);
      await page.getByTestId("signin-password").fill(`${password}-wrong`);
      await page.getByTestId("signin-submit").click();
      await visible(page.getByTestId("signin-error"));
      await text(page.getByTestId("signin-error"), "Wrong email or password.");
      await visible(page.getByTestId("signin"));
      expect(await page.getByTestId("nav-inbox").count()).toBe(0);
      expect(new URL(page.url()).pathname).toBe("/");

      await page.getByTestId("signin-password").fill(password);
      await page.getByTestId("signin-submit").click();
      await visible(page.getByTestId("nav-inbox"));
      await count(page.getByTestId("signin"), 0);
      await text(page.getByTestId("me"), me.name);
      await inboxReady(page);
      // The session is a real cookie: a reload stays signed in.
      await page.reload();
      await visible(page.getByTestId("nav-inbox"));
    });
  });

  describe("session", () => {
    it("goes back to sign-in when the session ends, and the draft comes back after signing in again", async () => {
      const customer = await customerWrites("Where is my parcel?", "expiry");
      const { agent, page, browserContext } = await agentOnTicket(customer.ticketId, "expiry");
      const draft = "Let me look that up for you:\nthe parcel left";
      await composer(page).fill(draft);

      const cookie = (await browserContext.cookies()).find((c) => c.name === "parley_session");
      expect(cookie).toBeDefined();
      const loggedOut = await http("/api/auth/logout", { method: "POST", cookie: `parley_session=${cookie!.value}` });
      expect(loggedOut.status).toBe(204);

      await visible(page.getByTestId("signin"), 15_000);
      await visible(page.getByTestId("signin-expired"));
      await count(page.getByTestId("composer-input"), 0);

      await page.getByTestId("signin-email").fill(agent.email);
      await page.getByTestId("signin-password").fill(agent.password);
      await page.getByTestId("signin-submit").click();
      await visible(page.getByTestId("nav-inbox"));
      await ticketReady(page, customer.ticketId);
      await until(() => composer(page).inputValue(), draft);
      expect(agentMessagesTo(customer)).toEqual([]);
    });
  });
});
