// The storefront widget in a browser, under the store's conditions: a hostile stylesheet, office
// hours, the login status and web chat switched off (shared setup in widget-setup.ts).
import { describe, expect, it } from "vitest";
import { http, ok, withSettings } from "./client";
import { attribute, base, count, frames, freshCustomer, openStore, text, threadRows, ui, visible } from "./widget-fixtures";
import { admin, bodyOf, context, messageBySeq, SHARED_FAQ, startLiveChat, useWidgetBrowser } from "./widget-setup";

useWidgetBrowser();

describe("storefront widget in a browser", { timeout: 30_000 }, () => {
  it("looks the same under a store stylesheet with hostile global CSS", async () => {
    const customer = freshCustomer("css");
    const page = await openStore(await context(), customer);
    const w = ui(page);
    await visible(w.launcher);

    const measure = async () => {
      await w.launcher.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)));
      const launcher = await w.launcher.evaluate((el) => {
        const s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        return {
          box: [r.x, r.y, r.width, r.height],
          fontSize: s.fontSize,
          fontFamily: s.fontFamily,
          color: s.color,
          background: s.backgroundColor,
          display: s.display,
          visibility: s.visibility,
          opacity: s.opacity,
          lineHeight: s.lineHeight,
          letterSpacing: s.letterSpacing,
        };
      });
      await w.launcher.click();
      await visible(w.panel);
      await w.panel.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)));
      const panel = await w.panel.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return { box: [r.x, r.y, r.width, r.height], color: getComputedStyle(el).color };
      });
      const faq = await w.faqButtons.first().evaluate((el) => {
        const s = getComputedStyle(el);
        return { fontSize: s.fontSize, color: s.color, display: s.display, visible: el.getBoundingClientRect().height > 0 };
      });
      await w.close.click();
      await count(w.panel, 0);
      return { launcher, panel, faq };
    };

    const plain = await measure();
    expect(plain.launcher.display).not.toBe("none");
    await page.addStyleTag({
      content: `
        * { color: red !important; font-size: 40px !important; display: block !important; line-height: 3 !important;
            font-family: "Comic Sans MS", cursive !important; letter-spacing: 5px !important; box-sizing: content-box !important; }
        button { display: none !important; }
        div { padding: 30px !important; margin: 10px !important; background: yellow !important; }
        [data-parley], [role="dialog"], .launcher, .panel { display: none !important; visibility: hidden !important; }
      `,
    });
    // The store's own page did take the hostile styles.
    expect(await page.locator("h1").evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).fontSize])).toEqual(["rgb(255, 0, 0)", "40px"]);
    await visible(w.launcher);
    const hostile = await measure();
    expect(hostile).toEqual(plain);
  });

  it("sends the configured closed-hours reply outside office hours", async () => {
    await withSettings(admin, { officeHours: { enabled: true, weekly: [], closedMessage: "We're away" } }, async () => {
      const config = await ok(await http("/api/widget/config"));
      expect(config.officeHours).toEqual({ open: false, message: "We're away" });
      const customer = freshCustomer("away");
      const page = await openStore(await context(), customer);
      const w = ui(page);
      // The config says the team is away: the notice shows before anything is sent.
      const { agent } = await startLiveChat(page, customer, "Hello, anyone there?", () => visible(w.away));
      await visible(w.away);
      const bot = await agent.next((f) => f.type === "message" && f.author.kind === "bot");
      expect(bot).toMatchObject({ seq: 2, body: "We're away" });
      await attribute(messageBySeq(page, 2), "data-author", "bot");
      await text(bodyOf(messageBySeq(page, 2)), "We're away");
      expect((await threadRows(page)).map((r) => [r.author, r.body])).toEqual([
        ["customer", "Hello, anyone there?"],
        ["bot", "We're away"],
      ]);
    });
  });

  it("loginStatus all: a logged-out visitor sees the FAQs and a login prompt", async () => {
    await withSettings(admin, { loginStatus: "all", webchatEnabled: true }, async () => {
      const browserContext = await context();
      const creates: string[] = [];
      browserContext.on("request", (request) => {
        if (request.method() === "POST" && new URL(request.url()).pathname.startsWith("/api/widget/conversations")) creates.push(request.url());
      });
      const page = await browserContext.newPage();
      await page.goto(`${base()}/demo`);
      const w = ui(page);
      await visible(w.launcher);
      await w.launcher.click();
      await visible(w.panel);
      await visible(w.faq(SHARED_FAQ.question));
      await text(w.needHelp, "I still need help");
      await w.needHelp.click();
      await visible(w.loginPrompt);
      // The link goes where /demo's boot options say (its loginUrl, or the default).
      const demoBoot = JSON.parse((await (await http("/demo")).text()).match(/Parley\("boot", (\{.*?\})\);/)![1]!);
      await attribute(w.loginLink, "href", demoBoot.loginUrl ?? "/account/login");
      await count(w.input, 0);
      expect(creates).toEqual([]);

      // A store that passes no loginUrl gets the default; one that does gets its own.
      for (const [boot, href] of [
        [{}, "/account/login"],
        [{ loginUrl: "/login?return=%2Fchat" }, "/login?return=%2Fchat"],
      ] as const) {
        const store = await openStore(browserContext, boot);
        const s = ui(store);
        await visible(s.launcher);
        await s.launcher.click();
        await visible(s.needHelp);
        await s.needHelp.click();
        await visible(s.loginPrompt);
        await attribute(s.loginLink, "href", href);
        await store.close();
      }
      expect(creates).toEqual([]);
    });
  });

  it("loginStatus logged_in: no launcher for a logged-out visitor, a launcher for a shopper", async () => {
    await withSettings(admin, { loginStatus: "logged_in", webchatEnabled: true }, async () => {
      const page = await (await context()).newPage();
      const config = page.waitForResponse((response) => new URL(response.url()).pathname === "/api/widget/config");
      await page.goto(`${base()}/demo`);
      expect((await (await config).json()).loginStatus).toBe("logged_in");
      const w = ui(page);
      await w.host.waitFor({ state: "attached" });
      await page.waitForLoadState("networkidle");
      await frames(page);
      expect(await w.launcher.count()).toBe(0);
      expect(await w.panel.count()).toBe(0);

      // A shopper nobody has chatted as (the demo's shoppers may have an open chat from another file, which opens on the chat).
      const shopper = ui(await openStore(await context(), freshCustomer("logged-in")));
      await visible(shopper.launcher);
      await shopper.launcher.click();
      await visible(shopper.faq(SHARED_FAQ.question));
      await visible(shopper.needHelp);
    });
  });

  it('webchatEnabled false: FAQs only, no "I still need help"', async () => {
    await withSettings(admin, { webchatEnabled: false, loginStatus: "all" }, async () => {
      const browserContext = await context();
      const anonymous = await browserContext.newPage();
      await anonymous.goto(`${base()}/demo`);
      const identified = await openStore(browserContext, freshCustomer("nochat"));
      for (const page of [anonymous, identified]) {
        const w = ui(page);
        await visible(w.launcher);
        await w.launcher.click();
        await visible(w.faq(SHARED_FAQ.question));
        await frames(page);
        expect(await w.needHelp.count()).toBe(0);
      }
    });
  });
});
