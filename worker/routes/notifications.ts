// Team notification emails (Parley extension): the unsubscribe pages every email links to, and
// what admins see of them. The pages need no session: the signed link is the recipient's proof.
// Opening a link never changes anything (mail scanners follow links); only its form's POST does,
// or a mail client's RFC 8058 one-click POST.
import { createRoute, z } from "@hono/zod-openapi";
import { desc } from "drizzle-orm";
import { html } from "hono/html";
import { encodeBase64 } from "hono/utils/encode";
import { db } from "../db/client";
import { emailLog } from "../db/schema";
import { requireAdmin, requireAgent } from "../middleware/auth";
import { notFound } from "../lib/errors";
import { listUnsubscribes, normalizeEmail, resubscribe, unsubscribe, unsubscribedAmong, verifyUnsubscribeToken } from "../lib/notify/unsubscribe";
import { agentAuth, errors, json } from "../lib/openapi";
import { router } from "../lib/router";

const LinkQuery = z.object({
  email: z.email("must be an email address").max(320),
  token: z.string().min(1).max(200),
});

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
    <style>${STYLE}</style>
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

const invalidLink = () =>
  page(400, "This link is not valid", html`<p>This unsubscribe link is not valid. Use the link in the newest Parley email you received, or ask your Parley admin to remove your address.</p>`);

const unsubscribedPage = (email: string, token: string) =>
  page(
    200,
    "You are unsubscribed",
    html`<p><strong>${email}</strong> will get no more Parley emails.</p>
      <form method="post" action="${linkTo("resubscribe", email, token)}"><button type="submit">Subscribe again</button></form>`,
  );

const subscribedPage = (email: string, token: string, heading: string) =>
  page(
    200,
    heading,
    html`<p>Parley emails <strong>${email}</strong> about new tickets and, when asked to, about replies on tickets assigned to you.</p>
      <form method="post" action="${linkTo("unsubscribe", email, token)}"><button type="submit">Unsubscribe</button></form>`,
  );

const htmlPage = (description: string) => ({ content: { "text/html": { schema: z.string() } }, description });
const badLink = {
  content: { "text/html": { schema: z.string() }, "application/json": { schema: errors[400].content["application/json"].schema } },
  description: "An HTML page when the token does not match the address; the `invalid_request` error when `email` or `token` is malformed.",
};
const OneClick = z
  .object({ "List-Unsubscribe": z.string().optional().openapi({ description: "`One-Click` (RFC 8058): answer plainly, not with a page" }) })
  .openapi("OneClickUnsubscribe");

export const notificationRoutes = router();

notificationRoutes.openapi(
  createRoute({
    method: "get",
    path: "/notifications/unsubscribe",
    tags: ["notifications"],
    summary: "The page an email's unsubscribe link opens: it asks before unsubscribing (opening it changes nothing)",
    request: { query: LinkQuery },
    responses: { 200: htmlPage("A page with an Unsubscribe button, or Subscribe again if already unsubscribed"), 400: badLink },
  }),
  async (c) => {
    const { email, token } = c.req.valid("query");
    if (!(await verifyUnsubscribeToken(c.env, email, token))) return invalidLink();
    const unsubscribed = await unsubscribedAmong(db(c.env.DB), [email]);
    return unsubscribed.size > 0 ? unsubscribedPage(email, token) : subscribedPage(email, token, "Unsubscribe from Parley emails?");
  },
);

notificationRoutes.openapi(
  createRoute({
    method: "post",
    path: "/notifications/unsubscribe",
    tags: ["notifications"],
    summary: "Unsubscribe the address from every Parley email (idempotent); also the RFC 8058 one-click target of List-Unsubscribe",
    request: {
      query: LinkQuery,
      body: { content: { "application/x-www-form-urlencoded": { schema: OneClick }, "multipart/form-data": { schema: OneClick } }, required: false },
    },
    responses: {
      200: {
        content: { "text/html": { schema: z.string() }, "text/plain": { schema: z.string() } },
        description: "A confirmation page with a Subscribe again button; plain `Unsubscribed.` for a one-click POST",
      },
      400: badLink,
    },
  }),
  async (c) => {
    const { email, token } = c.req.valid("query");
    if (!(await verifyUnsubscribeToken(c.env, email, token))) return invalidLink();
    await unsubscribe(db(c.env.DB), email);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (form["List-Unsubscribe"] === "One-Click") return c.text("Unsubscribed.", 200);
    return unsubscribedPage(email, token);
  },
);

notificationRoutes.openapi(
  createRoute({
    method: "post",
    path: "/notifications/resubscribe",
    tags: ["notifications"],
    summary: "Undo an unsubscribe from the same link: the address gets Parley emails again",
    request: { query: LinkQuery },
    responses: { 200: htmlPage("A confirmation page with an Unsubscribe button"), 400: badLink },
  }),
  async (c) => {
    const { email, token } = c.req.valid("query");
    if (!(await verifyUnsubscribeToken(c.env, email, token))) return invalidLink();
    await resubscribe(db(c.env.DB), email);
    return subscribedPage(email, token, "You are subscribed again");
  },
);

notificationRoutes.use("/notifications/unsubscribes", requireAgent, requireAdmin);
notificationRoutes.use("/notifications/unsubscribes/*", requireAgent, requireAdmin);
notificationRoutes.use("/notifications/log", requireAgent, requireAdmin);

const Unsubscribe = z.object({ email: z.string(), unsubscribedAt: z.string() }).openapi("EmailUnsubscribe");
const EmailLogEntry = z
  .object({ id: z.string(), ticketId: z.string(), kind: z.enum(["new_ticket", "customer_reply"]), recipient: z.string(), subject: z.string(), sentAt: z.string() })
  .openapi("EmailLogEntry");

notificationRoutes.openapi(
  createRoute({
    method: "get",
    path: "/notifications/unsubscribes",
    tags: ["notifications"],
    summary: "Addresses that unsubscribed from notification emails",
    security: agentAuth,
    responses: { 200: json(z.object({ unsubscribes: z.array(Unsubscribe) }), "By address"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json({ unsubscribes: await listUnsubscribes(db(c.env.DB)) }, 200),
);

notificationRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/notifications/unsubscribes/{email}",
    tags: ["notifications"],
    summary: "Subscribe an address again. Only when its owner asked for it: they unsubscribed themselves",
    security: agentAuth,
    request: { params: z.object({ email: z.email("must be an email address").max(320) }) },
    responses: { 204: { description: "The address gets notification emails again" }, 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
  }),
  async (c) => {
    const email = c.req.valid("param").email;
    if (!(await resubscribe(db(c.env.DB), email))) throw notFound(`An unsubscribe of ${normalizeEmail(email)}`);
    return c.body(null, 204);
  },
);

notificationRoutes.openapi(
  createRoute({
    method: "get",
    path: "/notifications/log",
    tags: ["notifications"],
    summary: "Notification emails sent, newest first",
    security: agentAuth,
    request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
    responses: { 200: json(z.object({ emails: z.array(EmailLogEntry) }), "Newest first"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    const emails = await db(c.env.DB).select().from(emailLog).orderBy(desc(emailLog.sentAt), desc(emailLog.id)).limit(c.req.valid("query").limit);
    return c.json({ emails }, 200);
  },
);
