// The unsubscribe link in every notification email. The pages need no session: the signed link
// is the recipient's proof, and that is this group's one guard. Opening a link never changes
// anything (mail scanners follow links); only its form's POST does, or a mail client's RFC 8058
// one-click POST.
import { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { OneClickUnsubscribe, UnsubscribeLink } from "../../../contract";
import type { AppEnv } from "../../env";
import { db } from "../../db/client";
import { ApiError, firstIssue } from "../../lib/errors";
import { invalidLink, subscribedPage, unsubscribedPage } from "../../lib/notify/pages";
import { resubscribe, unsubscribe, unsubscribedAmong, verifyUnsubscribeToken } from "../../lib/notify/unsubscribe";
import { errors } from "../../lib/openapi";
import { audience, defineRoute } from "../audience";

/** A link this server signed for this address; a malformed one is a bad request, a forged one gets the invalid-link page. */
const requireSignedLink = createMiddleware<AppEnv>(async (c, next) => {
  const link = UnsubscribeLink.safeParse(c.req.query());
  if (!link.success) {
    throw new ApiError(400, "invalid_request", firstIssue(link.error, "query"));
  }
  if (!(await verifyUnsubscribeToken(c.env, link.data.email, link.data.token))) return invalidLink();
  await next();
});

const htmlPage = (description: string) => ({ content: { "text/html": { schema: z.string() } }, description });
const badLink = {
  content: { "text/html": { schema: z.string() }, "application/json": { schema: errors[400].content["application/json"].schema } },
  description: "An HTML page when the token does not match the address; the `invalid_request` error when `email` or `token` is malformed.",
};
const tags = ["notifications"];

const emailLinkRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/notifications/unsubscribe",
      tags,
      summary: "The page an email's unsubscribe link opens: it asks before unsubscribing (opening it changes nothing)",
      request: { query: UnsubscribeLink },
      responses: { 200: htmlPage("A page with an Unsubscribe button, or Subscribe again if already unsubscribed"), 400: badLink },
    },
    async (c) => {
      const { email, token } = c.req.valid("query");
      const unsubscribed = await unsubscribedAmong(db(c.env.DB), [email]);
      return unsubscribed.size > 0 ? unsubscribedPage(email, token) : subscribedPage(email, token, "Unsubscribe from Parley emails?");
    },
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/notifications/unsubscribe",
      tags,
      summary: "Unsubscribe the address from every Parley email (idempotent); also the RFC 8058 one-click target of List-Unsubscribe",
      request: {
        query: UnsubscribeLink,
        body: {
          content: { "application/x-www-form-urlencoded": { schema: OneClickUnsubscribe }, "multipart/form-data": { schema: OneClickUnsubscribe } },
          required: false,
        },
      },
      responses: {
        200: {
          content: { "text/html": { schema: z.string() }, "text/plain": { schema: z.string() } },
          description: "A confirmation page with a Subscribe again button; plain `Unsubscribed.` for a one-click POST",
        },
        400: badLink,
      },
    },
    async (c) => {
      const { email, token } = c.req.valid("query");
      await unsubscribe(db(c.env.DB), email);
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      if (form["List-Unsubscribe"] === "One-Click") return c.text("Unsubscribed.", 200);
      return unsubscribedPage(email, token);
    },
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/notifications/resubscribe",
      tags,
      summary: "Undo an unsubscribe from the same link: the address gets Parley emails again",
      request: { query: UnsubscribeLink },
      responses: { 200: htmlPage("A confirmation page with an Unsubscribe button"), 400: badLink },
    },
    async (c) => {
      const { email, token } = c.req.valid("query");
      await resubscribe(db(c.env.DB), email);
      return subscribedPage(email, token, "You are subscribed again");
    },
  ),
];

export const emailLinkApi = audience(requireSignedLink, emailLinkRoutes);
