// Search for agents: messages, notes, customers and ticket ids (spec v2 "Search", docs/search.md).
import { SearchPage, SearchQuery } from "../../../contract";
import { db } from "../../db/client";
import { ApiError } from "../../lib/errors";
import { agentAuth, errors, json } from "../../lib/openapi";
import { decodeSearchCursor, search } from "../../lib/search";
import { defineRoute } from "../audience";

export const searchRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/search",
      tags: ["search"],
      summary: "Find tickets by words in their messages and notes, their customer's name, email or phone, or their id",
      description: "Best match first, then the most recent; each result is one hit (a ticket with several hits appears once per hit). See docs/search.md.",
      security: agentAuth,
      request: { query: SearchQuery },
      responses: { 200: json(SearchPage, "A page of results"), 400: errors[400], 401: errors[401], 403: errors[403] },
    },
    async (c) => {
      const { q, status, channel, limit, cursor } = c.req.valid("query");
      const offset = cursor === undefined ? 0 : decodeSearchCursor(cursor);
      if (offset === null) throw new ApiError(400, "invalid_request", "cursor: not a cursor this API returned.");
      return c.json(await search(db(c.env.DB), q, { status, channel, limit, offset }), 200);
    },
  ),
];
