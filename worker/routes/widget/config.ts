// What the widget shows before anyone signs in: public, cacheable, no personal data.
import { etag } from "hono/etag";
import { shippedLocale, WidgetConfig, WidgetConfigQuery } from "../../../contract";
import { db } from "../../db/client";
import { publishedFaqs } from "../../lib/faqs";
import { isOpenNow } from "../../lib/office-hours";
import { errors, json } from "../../lib/openapi";
import { textsIn } from "../../lib/settings";
import { defineRoute } from "../audience";

export const configRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/widget/config",
      tags: ["widget"],
      summary: "Public widget configuration (no personal data), its texts and FAQs in the shopper's language where the store has them",
      middleware: [etag()] as const,
      request: { query: WidgetConfigQuery },
      responses: { 200: json(WidgetConfig, "Config"), 400: errors[400], 403: errors[403] },
    },
    async (c) => {
      const settings = c.var.settings;
      const { locale } = c.req.valid("query");
      const shopperLocale = locale === undefined ? null : shippedLocale(locale);
      const texts = textsIn(settings, shopperLocale);
      const open = isOpenNow(settings.officeHours);
      // Cacheable, but revalidated each time so that a settings change shows at once. Each
      // language is its own URL (`?locale=`), so caches keep them apart without a Vary.
      c.header("Cache-Control", "public, no-cache");
      return c.json(
        {
          enabled: settings.webchatEnabled,
          loginStatus: settings.loginStatus,
          welcomeMessage: texts.welcomeMessage,
          faqs: await publishedFaqs(db(c.env.DB), shopperLocale),
          links: settings.links,
          officeHours: { open, message: open ? null : texts.closedMessage },
          ai: { enabled: settings.ai.enabled },
          csat: { enabled: settings.csat.enabled, question: texts.csatQuestion },
        },
        200,
      );
    },
  ),
];
