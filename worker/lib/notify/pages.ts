// The pages an email's unsubscribe link opens: self-contained HTML, no scripts, its one style
// block allowed by hash, forms that post back only here, and no referrer (the token is in the URL).
import { html } from "hono/html";
import { encodeBase64 } from "hono/utils/encode";
import { normalizeEmail } from "./unsubscribe";

const STYLE =
  "body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328;background:#f6f8fa;margin:0}" +
  "main{max-width:28rem;margin:4rem auto;padding:2rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}" +
  "h1{font-size:1.25rem;margin:0 0 1rem}button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;cursor:pointer}";

const encoder = new TextEncoder();

/**
 * A self-contained page: no scripts, no outside assets, its one style block allowed by hash, and
 * forms that may only post back here. `no-referrer` keeps the token in the URL to this site.
 */
async function page(status: 200 | 400, title: string, body: ReturnType<typeof html>): Promise<Response> {
  const styleHash = encodeBase64(await crypto.subtle.digest("SHA-256", encoder.encode(STYLE)));
  const document = await html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${title}</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
  return new Response(document.toString(), {
    status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": `default-src 'none'; style-src 'sha256-${styleHash}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      "Referrer-Policy": "no-referrer",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
    },
  });
}

const linkTo = (path: "unsubscribe" | "resubscribe", email: string, token: string) =>
  `/api/notifications/${path}?${new URLSearchParams({ email: normalizeEmail(email), token })}`;

export const invalidLink = () =>
  page(
    400,
    "This link is not valid",
    html`<p>This unsubscribe link is not valid. Use the link in the newest Parley email you received, or ask your Parley admin to remove your address.</p>`,
  );

export const unsubscribedPage = (email: string, token: string) =>
  page(
    200,
    "You are unsubscribed",
    html`<p><strong>${email}</strong> will get no more Parley emails.</p>
      <form method="post" action="${linkTo("resubscribe", email, token)}"><button type="submit">Subscribe again</button></form>`,
  );

export const subscribedPage = (email: string, token: string, heading: string) =>
  page(
    200,
    heading,
    html`<p>Parley emails <strong>${email}</strong> about new tickets and, when asked to, about replies on tickets assigned to you.</p>
      <form method="post" action="${linkTo("unsubscribe", email, token)}"><button type="submit">Unsubscribe</button></form>`,
  );
