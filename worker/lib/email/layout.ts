// What every email Parley sends looks like (the team's notifications, the shopper's unseen
// replies): one plain page, a heading, the content, one button. Values pass through hono's html
// template, which escapes each; only html`` fragments go in unescaped.
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

type Fragment = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Parley's blue, where no colour of the store's is given. */
export const DEFAULT_ACCENT = "#1f6feb";

/** A name or subject as one line of plain text: a line break in a header would start a new one. */
export const oneLine = (text: string) => text.replace(/[\s\p{Cc}]+/gu, " ").trim();

/** The email's button: the one thing to do next. */
export const actionButton = (href: string, label: string, color = DEFAULT_ACCENT) =>
  html`<p style="margin: 16px 0;">
    <a href="${href}" style="display: inline-block; padding: 8px 14px; background: ${color}; color: #ffffff; text-decoration: none; border-radius: 6px;"
      >${label}</a
    >
  </p>`;

/** The whole HTML part, in the email's language: the heading, then the fragments in order. */
export async function emailPage({ heading, lang }: { heading: string; lang: string }, ...content: Fragment[]): Promise<string> {
  const page = await html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <title>${heading}</title>
      </head>
      <body style="font-family: -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif; color: #1f2328; line-height: 1.5;">
        <p style="font-size: 16px; margin: 0 0 12px;"><strong>${heading}</strong></p>
        ${content}
      </body>
    </html>`;
  return page.toString();
}
