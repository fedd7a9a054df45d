// Reports for the team (spec v2 "Reports", docs/reports.md): first response, resolution and CSAT
// over a range of days in the team's time zone, as JSON for the Reports page and as CSV.
import { BackfillQuery, BackfillResult, Report, ReportQuery, type ReportQueryT } from "../../../contract";
import type { AppEnv } from "../../env";
import { agentAuth, errors, json } from "../../lib/openapi";
import { buildReport, reportCsv } from "../../lib/reports";
import { recentSettings } from "../../lib/settings";
import { conversationStub } from "../../lib/stubs";
import { ticketsWithoutFacts } from "../../lib/tickets";
import { db } from "../../db/client";
import { requireAdmin } from "../../middleware/auth";
import { defineRoute } from "../audience";
import type { Context } from "hono";

/** The query's report, in its time zone or else the office hours'. */
async function reportFor(c: Context<AppEnv>, query: ReportQueryT) {
  const timezone = query.timezone ?? (await recentSettings(c.env)).officeHours.timezone;
  return buildReport(c.env.DB, { ...query, timezone });
}

const BACKFILL_BATCH = 50;

export const reportRoutes = [
  defineRoute(
    {
      method: "get",
      path: "/api/reports",
      tags: ["reports"],
      summary: "Conversations, first response, resolution and CSAT for a range of days, in total, by day, by agent and by weekday and hour",
      description:
        "A conversation counts on the day of its customer's first message, in `timezone`. Durations are seconds; medians are the middle value (the mean of the two middle ones), p90 the smallest value at or above 90% of them. See docs/reports.md.",
      security: agentAuth,
      request: { query: ReportQuery },
      responses: { 200: json(Report, "The report"), 400: errors[400], 401: errors[401], 403: errors[403] },
    },
    async (c) => c.json(await reportFor(c, c.req.valid("query")), 200),
  ),
  defineRoute(
    {
      method: "post",
      path: "/api/reports/backfill",
      tags: ["reports"],
      summary: "Brings tickets from before reports into them (admins), 50 at a time: call again with `after` until `nextCursor` is null",
      description:
        "Each ticket with messages but no report facts is asked to write itself to D1 again, with the facts its object derives from its log; they land within a few seconds. See docs/reports.md.",
      security: agentAuth,
      middleware: [requireAdmin] as const,
      request: { query: BackfillQuery },
      responses: { 200: json(BackfillResult, "What was asked, and where to go on"), 400: errors[400], 401: errors[401], 403: errors[403] },
    },
    async (c) => {
      const ids = await ticketsWithoutFacts(db(c.env.DB), c.req.valid("query").after ?? "", BACKFILL_BATCH);
      await Promise.all(ids.map((id) => conversationStub(c.env, id).refreshReportFacts()));
      return c.json({ refreshed: ids.length, nextCursor: ids.length === BACKFILL_BATCH ? ids.at(-1)! : null }, 200);
    },
  ),
  defineRoute(
    {
      method: "get",
      path: "/api/reports.csv",
      tags: ["reports"],
      summary: "The same report by day, as CSV",
      security: agentAuth,
      request: { query: ReportQuery },
      responses: {
        200: { description: "date, conversations, first_response_median_seconds, csat_average", content: { "text/csv": { schema: { type: "string" } } } },
        400: errors[400],
        401: errors[401],
        403: errors[403],
      },
    },
    async (c) => {
      const query = c.req.valid("query");
      const report = await reportFor(c, query);
      return c.body(reportCsv(report), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="parley-report-${query.from}-to-${query.to}.csv"`,
      });
    },
  ),
];
