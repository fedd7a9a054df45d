// A customer's data rights for admins (spec v2 "Customer data rights", docs/data-rights.md).
import { z } from "@hono/zod-openapi";
import { ProfileExport } from "../../../contract";
import { db } from "../../db/client";
import { exportProfile } from "../../lib/data-rights";
import { eraseProfile } from "../../lib/erasure";
import { ApiError, notFound } from "../../lib/errors";
import { agentAuth, errors, json } from "../../lib/openapi";
import { requireAdmin } from "../../middleware/auth";
import { defineRoute } from "../audience";

export const profileRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/profiles/{id}/export",
      tags: ["profiles"],
      summary: "Everything Parley holds of one customer, as one JSON document (admins)",
      description: "The profile, its events, every ticket with its messages, notes and rating, and the URLs of the images in them.",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { params: z.object({ id: z.string().min(1).max(100) }) },
      responses: { 200: json(ProfileExport, "The customer's data"), 401: errors[401], 403: errors[403], 404: errors[404] },
    },
    async (c) => {
      const { id } = c.req.valid("param");
      const data = await exportProfile(c.env, db(c.env.DB), id);
      if (!data) throw notFound("Profile");
      c.header("Content-Disposition", `attachment; filename="parley-profile-${id}.json"`);
      return c.json(data, 200);
    },
  ),
  defineRoute(
    {
      method: "delete",
      path: "/api/profiles/{id}",
      tags: ["profiles"],
      summary: "Erase one customer: everything Parley holds of them (admins)",
      description:
        "The profile and its events, and in every ticket of theirs the messages, notes, images, search entries and email and handoff logs. " +
        "Report counts stay, without personal data. Sending it again is harmless: an erasure that could not finish at once finishes on its own, and a repeat confirms it.",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { params: z.object({ id: z.string().min(1).max(100) }) },
      responses: { 204: { description: "Erased" }, 401: errors[401], 403: errors[403], 404: errors[404], 500: errors[500] },
    },
    async (c) => {
      const outcome = await eraseProfile(c.env, db(c.env.DB), c.req.valid("param").id);
      if (!outcome) throw notFound("Profile");
      if (outcome === "owed")
        throw new ApiError(500, "internal_error", "The erasure is under way and finishes on its own; send this request again to confirm it.");
      return c.body(null, 204);
    },
  ),
];
