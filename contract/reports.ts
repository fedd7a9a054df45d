// Reports (spec v2 "Reports"): how fast the team answers, and how shoppers rated it, for a range
// of days in the team's time zone. Durations are seconds.
import { z } from "@hono/zod-openapi";
import { Channel } from "./models";
import { isTimeZone } from "./time-zone";

/** The longest range one report covers. */
export const MAX_REPORT_DAYS = 366;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date such as 2026-12-01")
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), "is not a date");

export const ReportQuery = z
  .object({
    from: day.openapi({ description: "The first day, in `timezone`", example: "2026-11-01" }),
    to: day.openapi({ description: "The last day, included", example: "2026-11-30" }),
    timezone: z
      .string()
      .refine(isTimeZone, "must be an IANA time zone such as Europe/Stockholm")
      .optional()
      .openapi({ description: "Days and hours are counted in it; by default the office hours' time zone." }),
    channel: Channel.optional(),
    agentId: z.string().min(1).max(100).optional().openapi({ description: "Only conversations this agent replied in." }),
  })
  .superRefine((query, ctx) => {
    if (query.from > query.to) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before `from`" });
    else if ((Date.parse(query.to) - Date.parse(query.from)) / 86_400_000 + 1 > MAX_REPORT_DAYS)
      ctx.addIssue({ code: "custom", path: ["to"], message: `a report covers at most ${MAX_REPORT_DAYS} days` });
  });

const seconds = z.number().nullable().openapi({ description: "Seconds; null when there is nothing to measure" });
const average = z.number().nullable().openapi({ description: "1 to 5; null without ratings" });

export const Report = z
  .object({
    range: z.object({ from: z.string(), to: z.string(), timezone: z.string() }),
    totals: z.object({
      conversations: z.number().int(),
      closed: z.number().int(),
      firstResponse: z.object({ median: seconds, p90: seconds }),
      resolution: z.object({ median: seconds, p90: seconds }),
      csat: z.object({
        responses: z.number().int(),
        average,
        satisfied: z.number().nullable().openapi({ description: "The share of ratings of 4 or 5, from 0 to 1" }),
      }),
    }),
    byDay: z.array(z.object({ date: z.string(), conversations: z.number().int(), firstResponseMedian: seconds, csatAverage: average })),
    byAgent: z.array(
      z.object({
        agentId: z.string(),
        name: z.string().nullable(),
        conversations: z.number().int(),
        replies: z.number().int(),
        firstResponseMedian: seconds,
        csatAverage: average,
      }),
    ),
    byHour: z.array(z.array(z.number().int())).openapi({ description: "New conversations by weekday (0 Sunday to 6 Saturday) and hour (0 to 23)" }),
  })
  .openapi("Report");

export const BackfillQuery = z.object({
  after: z.string().min(1).max(100).optional().openapi({ description: "The `nextCursor` of the previous call" }),
});
export const BackfillResult = z
  .object({ refreshed: z.number().int(), nextCursor: z.string().nullable() })
  .openapi("ReportBackfill", { description: "How many tickets were asked to write their facts; null `nextCursor` when none are left." });

export type ReportQueryT = z.infer<typeof ReportQuery>;
export type ReportT = z.infer<typeof Report>;
