// What the widget shows before anyone signs in: public, cacheable, no personal data.
import { etag } from "hono/etag";
import { WidgetConfig } from "../../../contract";
import { db } from "../../db/client";
import { publishedFaqs } from "../../lib/faqs";
import { isOpenNow } from "../../lib/office-hours";
import { errors, json } from "../../lib/openapi";
import { defineRoute } from "../audience";

export const configRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/widget/config",
      tags: ["widget"],
      summary: "Public widget configuration (no personal data)",
      middleware: [etag()] as const,
      responses: { 200: json(WidgetConfig, "Config"), 403: errors[403] },
    },
    async (c) => {
      const settings = c.var.settings;
      const open = isOpenNow(settings.officeHours);
      // Cacheable, but revalidated each time so that a settings change shows at once.
      c.header("Cache-Control", "public, no-cache");
      return c.json(
        {
          enabled: settings.webchatEnabled,
          loginStatus: settings.loginStatus,
          welcomeMessage: settings.welcomeMessage,
          faqs: await publishedFaqs(db(c.env.DB)),
          links: settings.links,
          officeHours: { open, message: open ? null : settings.officeHours.closedMessage },
          ai: { enabled: settings.ai.enabled },
        },
        200,
      );
    },
  ),
];
