// The admin's Settings in the inbox, in a real browser against `npm start`
// (inbox-settings-setup.ts): the General section, the keyboard alone, refused values beside their
// fields, and the Install section's embed snippet on a store page.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { withSettings } from "./client";
import { until } from "./inbox-fixtures";
import {
  adminContext,
  browser,
  contexts,
  cookie,
  focusedTestId,
  id,
  openSection,
  page,
  run,
  save,
  settings,
  useSettingsPage,
  widgetConfig,
} from "./inbox-settings-setup";
import { base, newContext } from "./widget-fixtures";

useSettingsPage();

describe("inbox settings in a browser", { timeout: 60_000 }, () => {
  it("shows the first section at /settings and saves the general settings, which the widget's config reflects at once", async () => {
    await withSettings(
      cookie,
      { webchatEnabled: true, loginStatus: "all", welcomeMessage: "Hello before", links: { privacy: null, terms: null } },
      async () => {
        await page.goto(`${base()}/settings`);
        await id("settings-section-general").waitFor();
        expect(await id("settings-tab-general").getAttribute("aria-current")).toBe("page");
        expect(await id("settings-tab-faqs").getAttribute("aria-current")).toBeNull();
        expect(await id("setting-webchatEnabled").isChecked()).toBe(true);
        expect(await id("setting-loginStatus-all").isChecked()).toBe(true);
        expect(await id("setting-welcomeMessage").inputValue()).toBe("Hello before");
        expect(await id("setting-links.privacy").inputValue()).toBe("");

        const welcome = `Hej! Ask us anything (${run})`;
        const links = { privacy: `https://shop.example/privacy-${run}`, terms: `https://shop.example/terms-${run}` };
        await id("setting-webchatEnabled").uncheck();
        await id("setting-loginStatus-logged_in").check();
        await id("setting-welcomeMessage").fill(`  ${welcome}  `);
        await id("setting-links.privacy").fill(links.privacy);
        await id("setting-links.terms").fill(links.terms);
        await save("general");
        expect(await widgetConfig()).toMatchObject({ enabled: false, loginStatus: "logged_in", welcomeMessage: welcome, links });
        // The form shows what the server kept (trimmed).
        expect(await id("setting-welcomeMessage").inputValue()).toBe(welcome);
        // "Saved" describes the saved values only: it goes away with the next edit.
        await id("setting-welcomeMessage").fill(`${welcome}!`);
        expect(await id("saved-general").count()).toBe(0);

        await page.reload();
        await id("settings-section-general").waitFor();
        expect(await id("setting-webchatEnabled").isChecked()).toBe(false);
        expect(await id("setting-loginStatus-logged_in").isChecked()).toBe(true);
        expect(await id("setting-links.terms").inputValue()).toBe(links.terms);

        // An emptied link is no link (null), and the rest switches back.
        await id("setting-webchatEnabled").check();
        await id("setting-loginStatus-all").check();
        await id("setting-links.privacy").fill("");
        await save("general");
        expect(await widgetConfig()).toMatchObject({ enabled: true, loginStatus: "all", links: { privacy: null, terms: links.terms } });
      },
    );
  });

  it("is usable with the keyboard alone: sub-navigation, labelled fields, visible focus, save with Enter", async () => {
    await withSettings(cookie, { loginStatus: "all", welcomeMessage: "Hello before" }, async () => {
      await openSection("office-hours");
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      // Tab from the top of the page to the General link of the sub-navigation.
      for (let presses = 0; (await focusedTestId()) !== "settings-tab-general"; presses++) {
        expect(presses, "the General link is reachable with Tab").toBeLessThan(20);
        await page.keyboard.press("Tab");
      }
      const outline = () => page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(await outline()).not.toBe("none");
      await page.keyboard.press("Enter");
      await id("settings-section-general").waitFor();
      expect(new URL(page.url()).pathname).toBe("/settings/general");
      expect(await id("settings-tab-general").getAttribute("aria-current")).toBe("page");
      // Focus starts at the new section's heading.
      await until(() => page.evaluate(() => document.activeElement?.textContent), "General");

      await page.keyboard.press("Tab");
      expect(await focusedTestId()).toBe("setting-webchatEnabled");
      expect(await outline()).not.toBe("none");
      await page.keyboard.press("Tab");
      expect(await focusedTestId()).toBe("setting-loginStatus-all");
      await page.keyboard.press("ArrowDown");
      expect(await id("setting-loginStatus-logged_in").isChecked()).toBe(true);
      await page.keyboard.press("Tab");
      expect(await focusedTestId()).toBe("setting-welcomeMessage");
      const welcome = `Typed with the keyboard (${run})`;
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.type(welcome);
      // Every field has a label that names it.
      expect(await page.getByLabel("Welcome message").getAttribute("data-testid")).toBe("setting-welcomeMessage");
      expect(await page.getByLabel("Privacy policy link").getAttribute("data-testid")).toBe("setting-links.privacy");
      await page.keyboard.press("Tab");
      expect(await focusedTestId()).toBe("setting-links.privacy");
      await page.keyboard.press("Enter");
      await id("saved-general").waitFor();
      expect(await widgetConfig()).toMatchObject({ loginStatus: "logged_in", welcomeMessage: welcome });
    });
  });

  it("shows a refused value's error beside its field, and the server keeps everything as it was", async () => {
    const before = await settings();
    await openSection("general");
    await id("setting-welcomeMessage").fill(`Not to be saved (${run})`);
    await id("setting-links.privacy").fill("javascript:alert(1)");
    await id("save-general").click();
    const error = id("error-links.privacy");
    await error.waitFor();
    expect(await error.textContent()).toBe("must be an http(s) URL");
    const privacy = id("setting-links.privacy");
    expect(await privacy.getAttribute("aria-invalid")).toBe("true");
    expect((await privacy.getAttribute("aria-describedby"))?.split(" ")).toContain(await error.getAttribute("id"));
    expect(await focusedTestId()).toBe("setting-links.privacy");
    expect(await id("saved-general").count()).toBe(0);
    expect(await settings()).toEqual(before);

    await openSection("origins");
    const index = before.allowedOrigins.length;
    await id("add-allowedOrigins").click();
    await id(`setting-allowedOrigins.${index}`).fill("https://shop.example.com/checkout");
    await id("save-origins").click();
    await id(`error-allowedOrigins.${index}`).waitFor();
    expect(await id(`error-allowedOrigins.${index}`).textContent()).toContain("must be an origin");
    expect(await id(`setting-allowedOrigins.${index}`).getAttribute("aria-invalid")).toBe("true");
    expect(await settings()).toEqual(before);
  });

  it("gives the README's embed snippet for this server, which works on a store page, and never the secret", async () => {
    const readme = readFileSync("README.md", "utf8");
    const section = readme.slice(readme.indexOf("## Embedding the widget in a store"));
    const documented = section.match(/```html\n([\s\S]*?)\n```/)![1]!;
    const expected = documented.replace("https://<your-parley-host>", base());
    expect(expected).not.toBe(documented);

    await openSection("install");
    const snippet = (await id("embed-snippet").textContent())!;
    expect(snippet).toBe(expected);
    expect(await page.locator('[data-testid="hmac-example"]').count()).toBe(4);
    // Shopify: the Liquid snippet hashes the customer's id on Shopify's servers; the webhook address is this server's.
    expect(await id("shopify-snippet").textContent()).toContain(`userHash: "{{ customer.id | hmac_sha256: 'YOUR_IDENTITY_SECRET' }}"`);
    expect(await id("shopify-snippet").textContent()).toContain(`<script src="${base()}/widget.js" async></script>`);
    expect(await id("shopify-webhook-url").textContent()).toBe(`${base()}/api/integrations/shopify/webhooks`);
    expect(await page.content()).not.toContain(inject("identitySecret"));
    await adminContext.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base() });
    await id("embed-copy").click();
    await until<string>(() => page.evaluate(() => navigator.clipboard.readText()), expected);

    // Pasted into a store page with the customer's real userHash, it boots the widget for that
    // customer: with "only logged-in customers", the launcher shows only for a proven identity.
    await withSettings(cookie, { webchatEnabled: true, loginStatus: "logged_in" }, async () => {
      const userHash = createHmac("sha256", inject("identitySecret")).update("1001").digest("hex");
      const store = await newContext(browser);
      contexts.push(store);
      const url = `${base()}/__install-test-store`;
      await store.route(url, (route) =>
        route.fulfill({
          contentType: "text/html; charset=utf-8",
          body: `<!doctype html><html lang="en"><head><title>Store</title></head><body><h1>Store</h1>${snippet.replace("<hex>", userHash)}</body></html>`,
        }),
      );
      const storePage = await store.newPage();
      await storePage.goto(url);
      await storePage.locator('[data-parley="launcher"]').waitFor({ timeout: 10_000 });
    });
  });
});
