// What admins see of the team's notification emails: the addresses that unsubscribed (and
// subscribing one again, when its owner asked) and the log of emails sent.
import { EmailLog, EmailParam, EmailUnsubscribeList, LimitQuery } from "../../../contract";
import { db } from "../../db/client";
import { requireAdmin } from "../../middleware/auth";
import { notFound } from "../../lib/errors";
import { listEmails } from "../../lib/notify/log";
import { listUnsubscribes, normalizeEmail, resubscribe } from "../../lib/notify/unsubscribe";
import { agentAuth, errors, json } from "../../lib/openapi";
import { defineRoute } from "../audience";

const tags = ["notifications"];

export const notificationRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/notifications/unsubscribes",
      tags,
      summary: "Addresses that unsubscribed from notification emails",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      responses: { 200: json(EmailUnsubscribeList, "By address"), 401: errors[401], 403: errors[403] },
    },
    async (c) => c.json({ unsubscribes: await listUnsubscribes(db(c.env.DB)) }, 200),
  ),
  defineRoute(
    {
      method: "delete",
      path: "/api/notifications/unsubscribes/{email}",
      tags,
      summary: "Subscribe an address again. Only when its owner asked for it: they unsubscribed themselves",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { params: EmailParam },
      responses: { 204: { description: "The address gets notification emails again" }, 400: errors[400], 401: errors[401], 403: errors[403], 404: errors[404] },
    },
    async (c) => {
      const email = c.req.valid("param").email;
      if (!(await resubscribe(db(c.env.DB), email))) throw notFound(`An unsubscribe of ${normalizeEmail(email)}`);
      return c.body(null, 204);
    },
  ),
  defineRoute(
    {
      method: "get",
      path: "/api/notifications/log",
      tags,
      summary: "Notification emails sent, newest first",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { query: LimitQuery },
      responses: { 200: json(EmailLog, "Newest first"), 400: errors[400], 401: errors[401], 403: errors[403] },
    },
    async (c) => c.json({ emails: await listEmails(db(c.env.DB), c.req.valid("query").limit) }, 200),
  ),
];
