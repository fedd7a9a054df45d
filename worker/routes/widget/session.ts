// Who the shopper is: the store's server proves it with userHash = HMAC(IDENTITY_SECRET, id).
import { WidgetSession, WidgetSessionRequest } from "../../../contract";
import { db } from "../../db/client";
import { clientIp, limitBy } from "../../middleware/rate-limit";
import { verifyHmacHex } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { errors, json, jsonBody } from "../../lib/openapi";
import { upsertProfile } from "../../lib/profiles";
import { issueWidgetToken } from "../../lib/widget-token";
import { defineRoute } from "../audience";

export const sessionRoutes = [
  defineRoute(
    {
      method: "post",
      path: "/api/widget/session",
      tags: ["widget"],
      summary: "Identify the shopper (HMAC) or get an anonymous token",
      middleware: [limitBy("SESSION_LIMITER", (c) => [`ip:${clientIp(c)}`])] as const,
      request: { body: jsonBody(WidgetSessionRequest, "The store's customer and its userHash, or {} for an anonymous token") },
      responses: { 200: json(WidgetSession, "A widget token"), 400: errors[400], 401: errors[401], 429: errors[429] },
    },
    async (c) => {
      const { customer, userHash } = c.req.valid("json");
      if (!customer) {
        if (userHash !== undefined) throw new ApiError(400, "invalid_request", "customer: required when userHash is given.");
        return c.json({ ...(await issueWidgetToken(c.env.IDENTITY_SECRET, null)), profileId: null }, 200);
      }
      if (!userHash || !(await verifyHmacHex(c.env.IDENTITY_SECRET, customer.id, userHash))) {
        throw new ApiError(401, "invalid_identity", "userHash does not match this customer; compute it on your server with IDENTITY_SECRET.");
      }
      const profile = await upsertProfile(
        db(c.env.DB),
        { externalId: customer.id, email: customer.email, name: customer.name, phone: customer.phone },
        "browser",
      );
      const issued = await issueWidgetToken(c.env.IDENTITY_SECRET, { profileId: profile.id, externalId: customer.id, name: profile.name });
      return c.json({ ...issued, profileId: profile.id }, 200);
    },
  ),
];
