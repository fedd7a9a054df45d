// Reports (spec v2 "Reports"): totals, by day, by agent, weekday × hour and CSV, checked against
// values computed by hand on a small fixed data set, in a time zone and across a daylight saving
// change; and the facts a real conversation records through its object.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { ReportT, TicketT } from "../../contract";
import { db } from "../../worker/db/client";
import { writeTicketRecords, type ReportFacts, type TicketRecord } from "../../worker/lib/tickets";
import { addAgent, call, customer, customerSocket, eventually, expectError, json, login, sendAndWait, startChat } from "./helpers";

let admin: string;
let ada: { id: string; name: string };
const BO = "agt_fixed_bo";

const epoch = (iso: string) => Date.parse(iso) / 1000;

/** A ticket of the fixed set: its facts as its object would have written them. */
async function seed(id: string, channel: TicketT["channel"], closed: boolean, facts: ReportFacts, score: number | null = null) {
  const profileId = `prf_${id}`;
  const at = new Date(facts.startedAt! * 1000).toISOString();
  await env.DB.prepare("INSERT INTO profiles (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)").bind(profileId, id, at, at).run();
  const record: TicketRecord = {
    id,
    channel,
    status: closed ? "closed" : "open",
    snoozeUntil: null,
    assigneeId: null,
    profileId,
    customerName: id,
    preview: "hello",
    unread: false,
    lastMessageAt: at,
    createdAt: at,
    closedAt: closed ? at : null,
    handledByAi: false,
    labels: [],
    rating: score === null ? null : { score, comment: null, createdAt: at },
    visible: true,
    version: 5,
    facts,
  };
  await writeTicketRecords(db(env.DB), [record]);
}

const facts = (startedAt: string, response: [number, string] | null, resolution: number | null, agentReplies: Record<string, number>): ReportFacts => ({
  startedAt: epoch(startedAt),
  firstResponseSeconds: response?.[0] ?? null,
  firstResponderId: response?.[1] ?? null,
  resolutionSeconds: resolution,
  agentReplies,
});

const report = async (query: string) => json<ReportT>(await call(`/api/reports?${query}`, { cookie: admin }), 200);
const STOCKHOLM = "timezone=Europe%2FStockholm";

beforeAll(async () => {
  admin = await login();
  ada = (await addAgent(admin)).agent;
  // Stockholm is UTC+1 in November. Local times: T1 Mon 2 Nov 09:10, T2 Mon 23:30, T3 Tue 3 Nov 00:15
  // (still 2 Nov in UTC), T4 Wed 4 Nov 10:00; outside the range: Sun 1 Nov 23:59 and Thu 5 Nov 00:30.
  await seed("tkt_fixed_1", "webchat", true, facts("2026-11-02T08:10:00Z", [60, ada.id], 600, { [ada.id]: 2 }), 5);
  await seed("tkt_fixed_2", "sms", true, facts("2026-11-02T22:30:00Z", [300, BO], 3600, { [ada.id]: 1, [BO]: 1 }), 3);
  await seed("tkt_fixed_3", "webchat", false, facts("2026-11-02T23:15:00Z", [120, ada.id], null, { [ada.id]: 1 }));
  await seed("tkt_fixed_4", "webchat", true, facts("2026-11-04T09:00:00Z", null, 1200, {}), 4);
  await seed("tkt_fixed_5", "webchat", true, facts("2026-11-01T22:59:00Z", [10, BO], 20, { [BO]: 1 }), 1);
  await seed("tkt_fixed_6", "webchat", true, facts("2026-11-04T23:30:00Z", [10, BO], 20, { [BO]: 1 }), 1);
  // Across the end of summer time (Sunday 25 Oct, 03:00 CEST → 02:00 CET): 00:30 local on the 25th
  // (still the 24th in UTC), then 02:30 CEST and 02:30 CET, both in the 02 hour.
  await seed("tkt_dst_1", "webchat", true, facts("2026-10-24T22:30:00Z", [30, BO], 60, { [BO]: 1 }));
  await seed("tkt_dst_2", "webchat", true, facts("2026-10-25T00:30:00Z", [30, BO], 60, { [BO]: 1 }));
  await seed("tkt_dst_3", "webchat", true, facts("2026-10-25T01:30:00Z", [30, BO], 60, { [BO]: 1 }));
});

describe("GET /api/reports", () => {
  it("computes totals, days, agents and hours by hand's count on the fixed set, in the team's time zone", async () => {
    const r = await report(`from=2026-11-02&to=2026-11-04&${STOCKHOLM}`);
    expect(r.range).toEqual({ from: "2026-11-02", to: "2026-11-04", timezone: "Europe/Stockholm" });
    // First responses 60, 120, 300: median 120, p90 the 3rd of 3. Resolutions 600, 1200, 3600.
    expect(r.totals).toEqual({
      conversations: 4,
      closed: 3,
      firstResponse: { median: 120, p90: 300 },
      resolution: { median: 1200, p90: 3600 },
      csat: { responses: 3, average: 4, satisfied: 0.6667 },
    });
    expect(r.byDay).toEqual([
      { date: "2026-11-02", conversations: 2, firstResponseMedian: 180, csatAverage: 4 },
      { date: "2026-11-03", conversations: 1, firstResponseMedian: 120, csatAverage: null },
      { date: "2026-11-04", conversations: 1, firstResponseMedian: null, csatAverage: 4 },
    ]);
    // Ada replied in T1 (2), T2 (1) and T3 (1) and answered T1 and T3 first; Bo replied once, in T2, first.
    expect(r.byAgent).toEqual([
      { agentId: ada.id, name: ada.name, conversations: 3, replies: 4, firstResponseMedian: 90, csatAverage: 4 },
      { agentId: BO, name: null, conversations: 1, replies: 1, firstResponseMedian: 300, csatAverage: 3 },
    ]);
    const hours = Object.fromEntries(r.byHour.flatMap((row, day) => row.flatMap((n, hour) => (n ? [[`${day}@${hour}`, n]] : []))));
    expect(hours).toEqual({ "1@9": 1, "1@23": 1, "2@0": 1, "3@10": 1 });
    expect(r.byHour).toHaveLength(7);
    expect(r.byHour.every((row) => row.length === 24)).toBe(true);
  });

  it("filters by channel and by the agent who replied", async () => {
    const sms = await report(`from=2026-11-02&to=2026-11-04&${STOCKHOLM}&channel=sms`);
    expect(sms.totals).toMatchObject({ conversations: 1, firstResponse: { median: 300, p90: 300 }, csat: { responses: 1, average: 3, satisfied: 0 } });
    const bo = await report(`from=2026-11-02&to=2026-11-04&${STOCKHOLM}&agentId=${BO}`);
    expect(bo.totals.conversations).toBe(1);
    expect(bo.byDay.map((day) => day.conversations)).toEqual([1, 0, 0]);
    const byAda = await report(`from=2026-11-02&to=2026-11-04&${STOCKHOLM}&agentId=${ada.id}`);
    expect(byAda.totals).toMatchObject({ conversations: 3, closed: 2, firstResponse: { median: 120, p90: 300 } });
  });

  it("counts days and hours in local time across a daylight saving change, and in another zone", async () => {
    const r = await report(`from=2026-10-25&to=2026-10-25&${STOCKHOLM}`);
    expect(r.totals.conversations).toBe(3);
    expect(r.byHour[0]![0]).toBe(1);
    expect(r.byHour[0]![2]).toBe(2);
    // In UTC the first of them is still on the 24th.
    const utc = await report("from=2026-10-25&to=2026-10-25&timezone=UTC");
    expect(utc.totals.conversations).toBe(2);
    // New York (UTC−4 then): T1 to T6 fall on 2 Nov 04:10 … 4 Nov 19:30 local; 1 Nov 18:59 is out.
    const newYork = await report("from=2026-11-02&to=2026-11-04&timezone=America%2FNew_York");
    expect(newYork.byDay.map((day) => day.conversations)).toEqual([3, 0, 2]);
  });

  it("uses the office hours' time zone when none is given", async () => {
    await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { timezone: "Europe/Stockholm" } } }), 200);
    try {
      expect((await report("from=2026-11-02&to=2026-11-04")).range.timezone).toBe("Europe/Stockholm");
      expect((await report("from=2026-11-02&to=2026-11-04")).totals.conversations).toBe(4);
    } finally {
      await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { timezone: "UTC" } } }), 200);
    }
  });

  it("answers an empty range with zeros and nulls", async () => {
    const r = await report("from=2020-01-01&to=2020-01-02&timezone=UTC");
    expect(r.totals).toEqual({
      conversations: 0,
      closed: 0,
      firstResponse: { median: null, p90: null },
      resolution: { median: null, p90: null },
      csat: { responses: 0, average: null, satisfied: null },
    });
    expect(r.byDay).toEqual([
      { date: "2020-01-01", conversations: 0, firstResponseMedian: null, csatAverage: null },
      { date: "2020-01-02", conversations: 0, firstResponseMedian: null, csatAverage: null },
    ]);
    expect(r.byAgent).toEqual([]);
  });

  it("refuses bad queries with 400 invalid_request naming the field, and answers only agents", async () => {
    for (const query of [
      "to=2026-11-04",
      "from=2026-11-04",
      "from=2026-11-05&to=2026-11-04",
      "from=2026-02-30&to=2026-03-01",
      "from=2026-11-02&to=2026-11-04&timezone=Mars%2FOlympus",
      "from=2026-11-02&to=2026-11-04&channel=fax",
      "from=2024-01-01&to=2026-01-01",
    ]) {
      await expectError(await call(`/api/reports?${query}`, { cookie: admin }), 400, "invalid_request");
    }
    await expectError(await call("/api/reports?from=2026-11-02&to=2026-11-04"), 401, "unauthorized");
  });
});

describe("GET /api/reports.csv", () => {
  it("gives the same days as CSV", async () => {
    const response = await call(`/api/reports.csv?from=2026-11-02&to=2026-11-04&${STOCKHOLM}`, { cookie: admin });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toContain("parley-report-2026-11-02-to-2026-11-04.csv");
    expect(await response.text()).toBe(
      "date,conversations,first_response_median_seconds,csat_average\r\n2026-11-02,2,180,4\r\n2026-11-03,1,120,\r\n2026-11-04,1,,4\r\n",
    );
  });
});

describe("the facts a conversation records", () => {
  it("times the first agent reply after the customer's first message (not the automatic reply), counts each agent's replies, and the close", async () => {
    // Always closed: the customer's first message gets the closed-hours reply, a bot's, which does not count.
    await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { enabled: true, weekly: [] } } }), 200);
    const second = await addAgent(admin);
    try {
      const shopper = await customer();
      const ticket = await startChat(shopper.token);
      const socket = await customerSocket(ticket.id, shopper.token);
      await socket.nextOfType("hello");
      await sendAndWait(socket, crypto.randomUUID(), "Hello?");
      await socket.next((f) => f.type === "message" && f.author.kind === "bot");
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const reply = (cookie: string, body: string) =>
        call(`/api/tickets/${ticket.id}/messages`, { method: "POST", cookie, json: { clientId: crypto.randomUUID(), body } });
      await json(await reply(admin, "Hi, I'm here"), 201);
      await json(await reply(second.cookie, "And me"), 201);
      await json(await reply(admin, "Anything else?"), 201);
      await json(await call(`/api/tickets/${ticket.id}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
      const me = (await json(await call("/api/me", { cookie: admin }), 200)).agent;
      const row = await eventually(async () => {
        const found = await env.DB.prepare("SELECT started_at, first_response_s, first_responder_id, resolution_s, agent_replies FROM tickets WHERE id = ?")
          .bind(ticket.id)
          .first<{ started_at: number; first_response_s: number; first_responder_id: string; resolution_s: number | null; agent_replies: string }>();
        expect(found?.resolution_s).not.toBeNull();
        return found!;
      });
      expect(Math.abs(row.started_at - Date.now() / 1000)).toBeLessThan(30);
      expect(row.first_response_s).toBeGreaterThanOrEqual(1);
      expect(row.first_responder_id).toBe(me.id);
      expect(row.resolution_s).toBeGreaterThanOrEqual(row.first_response_s);
      expect(JSON.parse(row.agent_replies)).toEqual({ [me.id]: 2, [second.agent.id]: 1 });
      const replies = await env.DB.prepare("SELECT agent_id, replies FROM ticket_replies WHERE ticket_id = ? ORDER BY replies DESC").bind(ticket.id).all();
      expect(replies.results).toEqual([
        { agent_id: me.id, replies: 2 },
        { agent_id: second.agent.id, replies: 1 },
      ]);
      socket.close();
    } finally {
      await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { officeHours: { enabled: false } } }), 200);
    }
  });
});

describe("POST /api/reports/backfill", () => {
  it("brings a ticket from before reports into them, 50 at a time, for admins only", async () => {
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    const socket = await customerSocket(ticket.id, shopper.token);
    await socket.nextOfType("hello");
    await sendAndWait(socket, crypto.randomUUID(), "Do you have it in green?");
    await json(
      await call(`/api/tickets/${ticket.id}/messages`, { method: "POST", cookie: admin, json: { clientId: crypto.randomUUID(), body: "We do" } }),
      201,
    );
    const startedOf = async () =>
      (await env.DB.prepare("SELECT started_at FROM tickets WHERE id = ?").bind(ticket.id).first<{ started_at: number | null }>())?.started_at;
    await eventually(async () => expect(await startedOf()).not.toBeNull());
    // As D1 held it before migration 0010: no facts.
    await env.DB.batch([
      env.DB.prepare("UPDATE tickets SET started_at = NULL, first_response_s = NULL, first_responder_id = NULL, agent_replies = '{}' WHERE id = ?").bind(
        ticket.id,
      ),
      env.DB.prepare("DELETE FROM ticket_replies WHERE ticket_id = ?").bind(ticket.id),
    ]);

    const agent = await addAgent(admin);
    await expectError(await call("/api/reports/backfill", { method: "POST", cookie: agent.cookie }), 403, "forbidden");
    await expectError(await call("/api/reports/backfill?after=", { method: "POST", cookie: admin }), 400, "invalid_request");

    let cursor: string | null = null;
    let refreshed = 0;
    do {
      const page: { refreshed: number; nextCursor: string | null } = await json(
        await call(`/api/reports/backfill${cursor ? `?after=${cursor}` : ""}`, { method: "POST", cookie: admin }),
        200,
      );
      expect(page.refreshed).toBeLessThanOrEqual(50);
      refreshed += page.refreshed;
      cursor = page.nextCursor;
    } while (cursor);
    expect(refreshed).toBeGreaterThanOrEqual(1);
    await eventually(async () => expect(await startedOf()).not.toBeNull());
    const me = (await json(await call("/api/me", { cookie: admin }), 200)).agent;
    const replies = await env.DB.prepare("SELECT agent_id, replies FROM ticket_replies WHERE ticket_id = ?").bind(ticket.id).all();
    expect(replies.results).toEqual([{ agent_id: me.id, replies: 1 }]);
    socket.close();
  });
});
