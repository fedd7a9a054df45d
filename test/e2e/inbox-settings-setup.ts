// What the admin's Settings tests share (inbox-settings-general, inbox-settings-lists and
// knowledge-translations .test.ts). They run in the inbox in a real browser (Debian's Chromium via playwright-core)
// against `npm start`: every change is made through the page and checked where it counts (the
// widget's public config, the admin API, a sign-in, a store page). The e2e files share one server
// and its settings, so each test puts back what it changed and names things uniquely.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { connectChromium } from "./browser";
import { http, ok, signIn } from "./client";
import { agentContext, signInPage } from "./inbox-fixtures";
import { base } from "./widget-fixtures";

export let browser: Browser;
export let cookie: string;
export let adminContext: BrowserContext;
export let page: Page;
export const contexts: BrowserContext[] = [];
export const run = Date.now().toString(36);

/**
 * This file's connection to the run's Chromium, its admin's session and one admin page at
 * /settings, before its tests; after them, its contexts closed and whatever a failed test left.
 */
export function useSettingsPage() {
  beforeAll(async () => {
    [browser, cookie] = await Promise.all([connectChromium(), signIn()]);
    adminContext = await agentContext(browser);
    // One admin page for the whole file: the login limit counts sign-ins per account.
    page = await signInPage(adminContext, undefined, "/settings");
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    // Whatever a failed test left behind.
    for (const faq of (await ok(await http("/api/faqs", { cookie }))).faqs) {
      if (faq.question.includes(run)) await http(`/api/faqs/${faq.id}`, { method: "DELETE", cookie });
    }
    for (const macro of (await ok(await http("/api/macros", { cookie }))).macros) {
      if (macro.name.includes(run)) await http(`/api/macros/${macro.id}`, { method: "DELETE", cookie });
    }
    for (const article of (await ok(await http("/api/articles", { cookie }))).articles) {
      if (article.title.includes(run)) await http(`/api/articles/${article.id}`, { method: "DELETE", cookie });
    }
  });
}

export const id = (name: string) => page.getByTestId(name);
export const settings = async () => ok(await http("/api/settings", { cookie }));
export const widgetConfig = async () => ok(await http("/api/widget/config"));

/** A fresh load of /settings/<section> (drafts from earlier tests are gone). */
export async function openSection(section: string) {
  await page.goto(`${base()}/settings/${section}`);
  await id(`settings-section-${section}`).waitFor();
}

/** Clicks a section's save button and waits for its "Saved". */
export async function save(section: string) {
  await id(`save-${section}`).click();
  await id(`saved-${section}`).waitFor();
}

export const focusedTestId = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName ?? null);
