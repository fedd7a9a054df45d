// Labels (spec v2 "Notes, mentions, labels"): agents read them and put them on tickets (PATCH
// /api/tickets/:id {labels}); admins create and delete them.
import { IdParam, LabelInput, LabelList, LabelResponse } from "../../../contract";
import { db } from "../../db/client";
import { requireAdmin } from "../../middleware/auth";
import { notFound } from "../../lib/errors";
import { createLabel, deleteLabel, listLabels } from "../../lib/labels";
import { agentAuth, errors, json, jsonBody } from "../../lib/openapi";
import { conversationStub } from "../../lib/stubs";
import { defineRoute } from "../audience";

const tags = ["labels"];
/** Ticket objects told at once to drop a deleted label. */
const DROP_CONCURRENCY = 50;

export const labelRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/labels",
      tags,
      summary: "The labels, by name",
      security: agentAuth,
      responses: { 200: json(LabelList, "The labels"), 401: errors[401] },
    },
    async (c) => c.json({ labels: await listLabels(db(c.env.DB)) }, 200),
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/labels",
      tags,
      summary: "Add a label (admins); its name is unique in any case",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { body: jsonBody(LabelInput, "The label") },
      responses: { 201: json(LabelResponse, "Created"), 400: errors[400], 401: errors[401], 403: errors[403], 409: errors[409] },
    },
    async (c) => c.json({ label: await createLabel(db(c.env.DB), c.req.valid("json")) }, 201),
  ),
  defineRoute(
    {
      method: "delete",
      path: "/api/labels/{id}",
      tags,
      summary: "Delete a label (admins): it leaves every ticket that has it",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, 401: errors[401], 403: errors[403], 404: errors[404] },
    },
    async (c) => {
      const deleted = await deleteLabel(db(c.env.DB), c.req.valid("param").id);
      if (!deleted) throw notFound("Label");
      // D1 no longer has it on any ticket; each ticket's object, which owns its labels, drops it too.
      for (let i = 0; i < deleted.ticketIds.length; i += DROP_CONCURRENCY) {
        const chunk = deleted.ticketIds.slice(i, i + DROP_CONCURRENCY);
        await Promise.all(chunk.map((id) => conversationStub(c.env, id).update({ dropLabel: deleted.name })));
      }
      return c.body(null, 204);
    },
  ),
];
