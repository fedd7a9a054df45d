// Against `npm start`: the security headers on every kind of answer (static assets included, which
// only the real server serves), the inbox and /demo working in Chromium under their CSP without a
// single violation, user text isolated in both UIs, and the sign-in lockout explained.
import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useChromium } from "./browser";
import { fileAdmin, http, signIn } from "./client";
import { agentContext, createAgent, inbox, inboxReady, pngBytes, signInPage } from "./inbox-fixtures";
import { base, newContext, ui, visible } from "./widget-fixtures";

const chromium = useChromium();
const STRICT_REFERRERS = ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"];

const directive = (csp: string, name: string) =>
  csp
    .split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${name} `)) ?? null;
/** The sources that govern scripts: script-src, else default-src. */
const scriptSources = (csp: string) => directive(csp, "script-src") ?? directive(csp, "default-src") ?? "";

/** Collects CSP violations (the DOM event, and Chromium's console report) from every page of a context. */
async function watchCsp(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeFunction("__cspViolation", (text: string) => violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) =>
      (window as any).__cspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${location.pathname}`),
    );
  });
  context.on("console", (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply|connect|frame)/.test(message.text())) violations.push(message.text());
  });
  return violations;
}

/** Whether an inline script added to the page runs (it must not, under a CSP without unsafe-inline). */
async function injectedScriptRan(page: Page): Promise<boolean> {
  await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "window.__injected = true";
    document.head.append(script);
  });
  return page.evaluate(() => (window as { __injected?: boolean }).__injected === true);
}

/** Closes a ticket of a demo customer, so that the next file finds them without an open chat. */
async function closeTicket(ticketId: string) {
  await http(`/api/tickets/${ticketId}`, { method: "PATCH", cookie: await signIn(), json: { status: "closed" } });
}

describe("headers on what npm start serves", () => {
  const paths = ["/", "/tickets/tkt_anything", "/settings", "/demo?as=demo-1001", "/widget.js", "/healthz", "/api/me", "/api/widget/config"];

  it("every answer carries nosniff and a strict Referrer-Policy, static assets included", async () => {
    const html = await (await http("/")).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const path of [...paths, ...assets]) {
      const response = await http(path);
      await response.arrayBuffer();
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(STRICT_REFERRERS, `${path}: ${response.headers.get("referrer-policy")}`).toContain(response.headers.get("referrer-policy"));
    }
  });

  it("the inbox's HTML has a CSP without unsafe-inline or unsafe-eval for scripts, and frame-ancestors 'none'", async () => {
    for (const path of ["/", "/tickets/tkt_anything", "/settings", "/index.html"]) {
      const response = await http(path);
      expect(response.headers.get("content-type"), path).toMatch(/^text\/html/);
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(scriptSources(csp), `${path}: ${csp}`).toMatch(/'self'/);
      expect(scriptSources(csp), path).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(directive(csp, "frame-ancestors"), path).toBe("frame-ancestors 'none'");
      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
    }
  });

  it("/demo allows its own inline snippet by a nonce that changes with every page, never by unsafe-inline", async () => {
    const nonces = [];
    for (let i = 0; i < 2; i++) {
      const response = await http("/demo?as=demo-1001");
      const csp = response.headers.get("content-security-policy") ?? "";
      const scripts = scriptSources(csp);
      expect(scripts).not.toMatch(/unsafe-inline|unsafe-eval/);
      const nonce = scripts.match(/'nonce-([A-Za-z0-9+/=_-]+)'/)?.[1];
      expect(nonce, csp).toBeTruthy();
      expect(await response.text()).toContain(`<script nonce="${nonce}">`);
      nonces.push(nonce);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("store pages may load the widget's script (Cross-Origin-Resource-Policy)", async () => {
    const response = await http("/widget.js");
    expect(response.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    // Named the same in every release: a short cache, so a release reaches stores within minutes.
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
  });

  it("store pages may import the panel and the strings as modules, cached for good (their names change with their content)", async () => {
    const loader = await (await http("/widget.js")).text();
    const files = [...new Set(loader.match(/widget\/[\w-]+\.js/g))];
    expect(files.length).toBe(10); // the panel and nine languages
    for (const file of files) {
      const response = await http(`/${file}`, { headers: { Origin: "https://shop.example" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    }
  });
});

describe("the apps under their CSP, in Chromium", { timeout: 90_000 }, () => {
  it("an agent and a shopper chat (an image included) on the inbox and /demo without one CSP violation", async () => {
    const agentCtx = await chromium.keep(agentContext(chromium.browser));
    const shopperCtx = await chromium.keep(newContext(chromium.browser));
    const agentViolations = await watchCsp(agentCtx);
    const shopperViolations = await watchCsp(shopperCtx);

    const agentPage = await signInPage(agentCtx, await fileAdmin());
    await inboxReady(agentPage);

    const shopperPage = await shopperCtx.newPage();
    await shopperPage.goto(`${base()}/demo?as=demo-1001`);
    const w = ui(shopperPage);
    await visible(w.launcher);
    await w.launcher.click();
    await shopperPage.locator('[data-parley="need-help"], [data-parley="input"]').first().waitFor();
    if (await w.needHelp.isVisible()) await w.needHelp.click();
    await visible(w.input);
    await shopperPage.locator('input[data-parley="file"]').setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: pngBytes() });
    await visible(shopperPage.locator('[data-parley="preview"]'));
    const question = `Is this the right colour? ${Date.now().toString(36)}`;
    await w.input.fill(question);
    await expect.poll(() => w.send.isEnabled(), { timeout: 10_000 }).toBe(true);
    await w.input.press("Enter");

    const row = agentPage.getByTestId("ticket-row").filter({ has: agentPage.getByTestId("row-preview").getByText(question, { exact: true }) });
    await row.waitFor({ timeout: 10_000 });
    const ticketId = (await row.getAttribute("data-ticket-id"))!;
    await row.click();
    const view = inbox(agentPage);
    await visible(view.messageWithBody(question));
    await agentPage.getByTestId("composer-input").fill("It is! Sand, as in the photo.");
    await agentPage.getByTestId("composer-input").press("Enter");
    await visible(w.messageWithBody("It is! Sand, as in the photo."));
    await agentPage.getByTestId("nav-settings").click();
    await agentPage.getByTestId("settings-section-general").waitFor({ timeout: 10_000 });
    expect([...agentViolations, ...shopperViolations]).toEqual([]);

    // The policy is in force: a script injected into either page (as an XSS would) does not run.
    for (const page of [agentPage, shopperPage]) expect(await injectedScriptRan(page), page.url()).toBe(false);
    expect(agentViolations.length + shopperViolations.length).toBeGreaterThanOrEqual(2);
    await closeTicket(ticketId);
  });
});

describe("user text cannot reorder the interface", { timeout: 60_000 }, () => {
  it("messages, previews and names are direction-isolated in the widget and the inbox", async () => {
    const agentPage = await signInPage(await chromium.keep(agentContext(chromium.browser)), await fileAdmin());
    await inboxReady(agentPage);
    const shopperPage = await (await chromium.keep(newContext(chromium.browser))).newPage();
    await shopperPage.goto(`${base()}/demo?as=demo-1002`);
    const w = ui(shopperPage);
    await w.launcher.click();
    await shopperPage.locator('[data-parley="need-help"], [data-parley="input"]').first().waitFor();
    if (await w.needHelp.isVisible()) await w.needHelp.click();
    const body = `refund \u202Edegnahc ecirp ${Date.now().toString(36)}`;
    await w.input.fill(body);
    await w.input.press("Enter");
    await visible(w.messageWithBody(body));

    /** Whether the element holding exactly this text is isolated: it, or an ancestor inside the message, has dir="auto" or is a <bdi>. */
    const isolated = (page: Page, selector: string) =>
      page
        .locator(selector)
        .filter({ hasText: body })
        .first()
        .evaluate((element) => {
          for (let node: Element | null = element; node; node = node.parentElement) {
            if (node.tagName === "BDI" || node.getAttribute("dir") === "auto") return true;
            if (node.matches('[data-parley="message"], [data-testid="message"], [data-testid="ticket-row"]')) return false;
          }
          return false;
        });
    expect(await isolated(shopperPage, '[data-parley="body"]')).toBe(true);

    const row = agentPage.getByTestId("ticket-row").filter({ hasText: body });
    await row.waitFor({ timeout: 10_000 });
    expect(await isolated(agentPage, '[data-testid="row-preview"]')).toBe(true);
    const ticketId = (await row.getAttribute("data-ticket-id"))!;
    await row.click();
    await visible(inbox(agentPage).messageWithBody(body));
    expect(await isolated(agentPage, '[data-testid="message-body"]')).toBe(true);
    await closeTicket(ticketId);
  });
});

describe("the sign-in lockout", { timeout: 60_000 }, () => {
  it("tells a locked-out agent why and for how long, instead of 'wrong password'", async () => {
    const admin = await signIn();
    const agent = await createAgent(admin, "agent", "locked");
    const page = await (await chromium.keep(agentContext(chromium.browser))).newPage();
    await page.goto(`${base()}/`);
    // The limiter counts in windows of the wall clock's minutes: start early in one, so that the
    // guesses and the agent's own attempt fall in the same window.
    if (new Date().getSeconds() > 40) await new Promise((resolve) => setTimeout(resolve, (61 - new Date().getSeconds()) * 1000));
    // Someone else guesses this agent's password from many addresses until the account's limit is reached.
    for (
      let i = 0;
      (await http("/api/auth/login", { method: "POST", json: { email: agent.email, password: `guess-${i}` }, ip: `203.0.113.${i + 1}` })).status !== 429;
      i++
    ) {
      expect(i).toBeLessThan(20);
    }
    await page.getByTestId("signin-email").fill(agent.email);
    await page.getByTestId("signin-password").fill(agent.password);
    await page.getByTestId("signin-submit").click();
    const error = page.getByTestId("signin-error");
    await visible(error);
    expect(await error.textContent()).toMatch(/too many sign-in attempts.*try again in (about )?a minute/i);
  });
});
