// The bodies and answers of the widget API (store pages; bearer token), written once for the
// worker, the OpenAPI document and the widget.
import { z } from "@hono/zod-openapi";

export const WidgetSessionRequest = z
  .object({
    customer: z
      .object({
        id: z.string().trim().min(1).max(200),
        email: z.email().max(320).optional(),
        name: z.string().trim().min(1).max(200).optional(),
        phone: z.string().trim().min(1).max(40).optional(),
      })
      .optional(),
    // Any string: a wrong one, whatever its length, is a wrong identity (401), not a bad request.
    userHash: z.string().max(100_000).optional(),
  })
  .openapi("WidgetSessionRequest");
export const WidgetSession = z.object({ token: z.string(), expiresAt: z.string(), profileId: z.string().nullable() }).openapi("WidgetSession");
/** The customer's socket: the widget token rides in the query, as browsers can't set headers on an upgrade. */
export const CustomerSocketQuery = z.object({ token: z.string().optional(), after: z.string().optional() });

export type WidgetSessionRequestT = z.infer<typeof WidgetSessionRequest>;
export type WidgetSessionT = z.infer<typeof WidgetSession>;
