// Security headers on everything the Worker answers (Hono's secureHeaders). Handlers that know
// better set their own first and keep them: /demo its nonce CSP, an upload its cross-origin
// resource policy. Static assets get theirs from admin-ui/public/_headers.
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** What an API answer needs: nothing of it may run, load, or be framed as a page. */
export const API_CSP = { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] };

/** Everything but the content security policy, which depends on what is answered. */
export const SECURITY_HEADERS = {
  referrerPolicy: "strict-origin-when-cross-origin",
  // A year; browsers ignore it over plain http, as on `npm start`.
  strictTransportSecurity: "max-age=31536000; includeSubDomains",
  xFrameOptions: "DENY",
  crossOriginResourcePolicy: "same-origin",
  crossOriginOpenerPolicy: "same-origin",
} as const;

const withSecurityHeaders = secureHeaders({
  ...SECURITY_HEADERS,
  contentSecurityPolicy: API_CSP,
  // Keep what a handler set on purpose.
  overwrite: false,
});

/**
 * Every answer gets the headers, but a socket's 101: that comes from its Durable Object as it is
 * (its headers can't be changed), and no browser reads them. A refused upgrade gets them too.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") return withSecurityHeaders(c, next);
  await next();
  if (c.res.status === 101) return;
  // The object's refusal, as fetched: a copy whose headers can be set.
  c.res = new Response(c.res.body, c.res);
  await withSecurityHeaders(c, async () => {});
};
