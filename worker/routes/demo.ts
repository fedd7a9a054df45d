// A sample storefront at /demo that embeds the widget exactly as a store would: one script
// tag, and `Parley('boot', …)` with a userHash its server computed from IDENTITY_SECRET. Its
// sample customers come with a sample order history, so the inbox's profile and the AI agent
// have something to show.
import { isLanguageTag } from "../../contract/locales";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { html, raw } from "hono/html";
import { NONCE, secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../env";
import { db, type Db } from "../db/client";
import { recentEvents, recordStoreEvent, type StoreEventInput } from "../lib/events";
import { findProfileByExternalId } from "../lib/profiles";
import { hmacHex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { SECURITY_HEADERS } from "../middleware/security-headers";

export const DEMO_CUSTOMERS = [
  { id: "demo-1001", name: "Ada Lindqvist", email: "ada@example.com" },
  { id: "demo-1002", name: "Bo Andersson", email: "bo@example.com" },
] as const;

const DAY_MS = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

/** The sample store's history of each sample customer, as its server would have posted it. */
const DEMO_HISTORY: Record<(typeof DEMO_CUSTOMERS)[number]["id"], () => StoreEventInput[]> = {
  "demo-1001": () => [
    {
      name: "Placed Order",
      value: 649,
      properties: { orderId: "#1017", currency: "SEK", status: "delivered", items: [{ title: "Lambswool Beanie", quantity: 1, price: 649 }] },
      occurredAt: daysAgo(41),
    },
    {
      name: "Placed Order",
      value: 1493,
      properties: {
        orderId: "#1042",
        currency: "SEK",
        status: "shipped",
        carrier: "PostNord",
        trackingNumber: "UA123456789SE",
        items: [
          { title: "Merino Crew Sweater (M)", quantity: 1, price: 1195 },
          { title: "Wool Socks", quantity: 2, price: 149 },
        ],
      },
      occurredAt: daysAgo(3),
    },
    { name: "Received Email", properties: { subject: "Your order #1042 has shipped" }, occurredAt: daysAgo(2) },
  ],
  "demo-1002": () => [
    {
      name: "Placed Order",
      value: 2390,
      properties: { orderId: "#1039", currency: "SEK", status: "processing", items: [{ title: "Alpaca Cardigan (L)", quantity: 1, price: 2390 }] },
      occurredAt: daysAgo(1),
    },
  ],
};

/** Gives a sample customer their sample history the first time they visit. */
async function ensureDemoHistory(database: Db, customer: (typeof DEMO_CUSTOMERS)[number]): Promise<void> {
  const profile = await findProfileByExternalId(database, customer.id);
  if (profile && (await recentEvents(database, profile.id, 1)).length > 0) return;
  for (const event of DEMO_HISTORY[customer.id]())
    await recordStoreEvent(database, { externalId: customer.id, name: customer.name, email: customer.email }, event);
}

/** Safe inside a <script> element: no `</script>` or HTML comment can be formed. */
const scriptJson = (value: unknown) => JSON.stringify(value).replaceAll("<", "\\u003c");

/**
 * The store page's own policy, as a careful store would set it: its inline snippet runs by a
 * nonce, the widget's script and calls come from Parley, and the widget's injected styles and
 * image previews (blob:) are allowed.
 */
const demoHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", NONCE],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:", "blob:"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  ...SECURITY_HEADERS,
});

/** The demo signs sample customers in with the real identity secret: local use only. */
const requireDemo = createMiddleware<AppEnv>(async (c, next) => {
  if (c.env.DEMO !== "on") throw new ApiError(404, "not_found", "The demo store is off (set DEMO=on to serve it).");
  await next();
});

/** Mounted at /demo; not in the OpenAPI document (it is a page, not the API). */
export const demoApp = new Hono<AppEnv>().use(requireDemo).get("/", demoHeaders, async (c) => {
  const as = c.req.query("as");
  const customer = DEMO_CUSTOMERS.find((candidate) => candidate.id === as) ?? null;
  if (customer) await ensureDemoHistory(db(c.env.DB), customer);
  // Logged-out visitors are sent to the sample log-in, as a store would send them to its own.
  const boot = customer ? { customer, userHash: await hmacHex(c.env.IDENTITY_SECRET, customer.id) } : { loginUrl: `/demo?as=${DEMO_CUSTOMERS[0].id}` };
  const choices = [
    ...DEMO_CUSTOMERS.map((p) => ({ href: `/demo?as=${p.id}`, label: p.name, active: p === customer })),
    { href: "/demo", label: "Logged out", active: !customer },
  ];
  // The page's language is the shopper's, as on a store that serves several (`?lang=sv`); left
  // unset, the widget follows the browser's languages. The store's own text is English either way.
  const lang = c.req.query("lang");
  if (lang !== undefined && !isLanguageTag(lang)) throw new ApiError(400, "invalid_request", "lang: not a language tag.");
  return c.html(
    html`<!doctype html>
      <html ${lang ? raw(`lang="${lang}"`) : ""}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Nordic Knits — Merino Crew Sweater</title>
          <style>
            body {
              font-family: Georgia, serif;
              margin: 0;
              color: #2b2b2b;
              background: #faf7f2;
            }
            header {
              display: flex;
              justify-content: space-between;
              align-items: center;
              padding: 1rem 2rem;
              background: #fff;
              border-bottom: 1px solid #e6e0d6;
            }
            main {
              display: grid;
              grid-template-columns: 1fr 1fr;
              gap: 3rem;
              max-width: 1000px;
              margin: 3rem auto;
              padding: 0 2rem;
            }
            .photo {
              aspect-ratio: 4 / 5;
              background: linear-gradient(135deg, #c9b79c, #8c7a5b);
              border-radius: 8px;
            }
            .price {
              font-size: 1.5rem;
            }
            button.buy {
              padding: 0.8rem 2rem;
              background: #2b2b2b;
              color: #fff;
              border: 0;
              border-radius: 4px;
            }
            nav a {
              margin-left: 1rem;
              color: inherit;
            }
            nav a[aria-current] {
              font-weight: bold;
            }
            @media (max-width: 700px) {
              main {
                grid-template-columns: 1fr;
              }
            }
          </style>
        </head>
        <body>
          <header lang="en">
            <strong>Nordic Knits</strong>
            <nav aria-label="Log in as">
              Log in as: ${choices.map((choice) => html`<a href="${choice.href}" ${choice.active ? raw('aria-current="true"') : ""}>${choice.label}</a>`)}
            </nav>
          </header>
          <main lang="en">
            <div class="photo" role="img" aria-label="A sand-coloured merino sweater"></div>
            <section>
              <h1>Merino Crew Sweater</h1>
              <p class="price">1 195 kr</p>
              <p>Knitted in Sweden from soft, non-mulesed merino. Warm without the itch, and made to last for years.</p>
              <button class="buy" type="button">Add to bag</button>
            </section>
          </main>
          <script nonce="${c.get("secureHeadersNonce")}">
            window.Parley =
              window.Parley ||
              function () {
                (window.Parley.q = window.Parley.q || []).push(arguments);
              };
            Parley("boot", ${raw(scriptJson(boot))});
          </script>
          <script src="/widget.js" async></script>
        </body>
      </html>`,
  );
});
