// Labels (spec v2 "Notes, mentions, labels"; docs/api.md "Labels"): admins create and delete
// them, agents set a ticket's labels with PATCH /api/tickets/:id, every ticket carries its label
// names, and GET /api/tickets?label= filters through ticket_labels.
// Storage is shared by the tests of this file, so they run in order and build on each other.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { LabelT, TicketT } from "../../contract";
import { addAgent, call, connect, customer, customerSocket, eventually, expectError, json, login, sendAndWait, startChat } from "./helpers";

let admin = "";
let agent = "";
const labels: Record<string, LabelT> = {};
/** Visible tickets, oldest activity first. */
const tickets: TicketT[] = [];

async function visibleTicket(): Promise<TicketT> {
  const shopper = await customer();
  const ticket = await startChat(shopper.token);
  const socket = await customerSocket(ticket.id, shopper.token);
  await socket.nextOfType("hello");
  await sendAndWait(socket, crypto.randomUUID(), "Hello, where is my order?");
  socket.close();
  return ticket;
}

const patch = (id: string, body: unknown, cookie = agent) => call(`/api/tickets/${id}`, { method: "PATCH", cookie, json: body });
const list = async (query: string, cookie = agent) =>
  json<{ tickets: TicketT[]; nextCursor: string | null }>(await call(`/api/tickets?${query}`, { cookie }), 200);
const detail = async (id: string) => (await json<{ ticket: TicketT }>(await call(`/api/tickets/${id}`, { cookie: agent }), 200)).ticket;
const labelRows = (ticketId: string) =>
  env.DB.prepare("SELECT label, visible, status, last_message_at FROM ticket_labels WHERE ticket_id = ? ORDER BY label").bind(ticketId).all();
const storedLabels = async (ticketId: string) =>
  JSON.parse((await env.DB.prepare("SELECT labels FROM tickets WHERE id = ?").bind(ticketId).first<{ labels: string }>())!.labels) as string[];

beforeAll(async () => {
  admin = await login();
  agent = (await addAgent(admin)).cookie;
  for (let i = 0; i < 4; i++) tickets.push(await visibleTicket());
  await eventually(async () => expect((await list("status=open")).tickets).toHaveLength(4), 10_000);
});

describe("labels", () => {
  it("admins create labels; agents list them by name; everyone gets the same list", async () => {
    for (const [name, color] of [
      ["VIP", "#D4A017"],
      ["  Returns ", "#3b82f6"],
      ["bug", "#ef4444"],
    ]) {
      const { label } = await json<{ label: LabelT }>(await call("/api/labels", { method: "POST", cookie: admin, json: { name, color } }), 201);
      expect(label).toEqual({ id: expect.any(String), name: name!.trim(), color: color!.toLowerCase() });
      labels[label.name] = label;
    }
    const { labels: listed } = await json<{ labels: LabelT[] }>(await call("/api/labels", { cookie: agent }), 200);
    expect(listed.map((label) => label.name)).toEqual(["bug", "Returns", "VIP"]);
    expect(listed).toContainEqual(labels.VIP);
  });

  it("refuses a name taken in any case (409), a bad name or colour (400 naming it), and agents' writes (403); nothing is stored", async () => {
    await expectError(await call("/api/labels", { method: "POST", cookie: admin, json: { name: "vip", color: "#000000" } }), 409, "already_exists");
    for (const [body, field] of [
      [{ name: "   ", color: "#000000" }, "name"],
      [{ name: "x".repeat(51), color: "#000000" }, "name"],
      [{ name: "Fine", color: "red" }, "color"],
      [{ name: "Fine", color: "#12345" }, "color"],
      [{ color: "#000000" }, "name"],
    ] as const) {
      const error = await expectError(await call("/api/labels", { method: "POST", cookie: admin, json: body }), 400, "invalid_request");
      expect(error.message).toContain(field);
    }
    await expectError(await call("/api/labels", { method: "POST", cookie: agent, json: { name: "Mine", color: "#000000" } }), 403, "forbidden");
    await expectError(await call(`/api/labels/${labels.bug!.id}`, { method: "DELETE", cookie: agent }), 403, "forbidden");
    await expectError(await call("/api/labels", { cookie: "" }), 401, "unauthorized");
    const { labels: listed } = await json<{ labels: LabelT[] }>(await call("/api/labels", { cookie: agent }), 200);
    expect(listed).toHaveLength(3);
  });

  it("sets a ticket's labels (names in any case, stored in the label's case), in the answer, the detail, D1's row and ticket_labels", async () => {
    const [first] = tickets;
    const { ticket } = await json<{ ticket: TicketT }>(await patch(first!.id, { labels: ["vip", "RETURNS", "VIP"] }), 200);
    expect(ticket.labels).toEqual(["VIP", "Returns"]);
    expect((await detail(first!.id)).labels).toEqual(["VIP", "Returns"]);
    await eventually(async () => expect(await storedLabels(first!.id)).toEqual(["VIP", "Returns"]));
    const { results } = await labelRows(first!.id);
    expect(results).toEqual([
      { label: "Returns", visible: 1, status: "open", last_message_at: ticket.lastMessageAt },
      { label: "VIP", visible: 1, status: "open", last_message_at: ticket.lastMessageAt },
    ]);
    // Replaces the set: one goes, one stays.
    expect((await json<{ ticket: TicketT }>(await patch(first!.id, { labels: ["Returns"] }), 200)).ticket.labels).toEqual(["Returns"]);
    await eventually(async () => expect((await labelRows(first!.id)).results.map((row) => row.label)).toEqual(["Returns"]));
    expect(await storedLabels(first!.id)).toEqual(["Returns"]);
  });

  it("refuses an unknown label with a 400 naming labels, and changes nothing", async () => {
    const [first] = tickets;
    const error = await expectError(
      await patch(first!.id, { labels: ["VIP", "Nope"], status: "snoozed", snoozeUntil: "2099-01-01T00:00:00.000Z" }),
      400,
      "invalid_request",
    );
    expect(error.message).toContain("labels");
    expect(error.message).toContain("Nope");
    const now = await detail(first!.id);
    expect(now.labels).toEqual(["Returns"]);
    expect(now.status).toBe("open");
    for (const labelsValue of [[""], "VIP", [42]]) {
      expect((await expectError(await patch(first!.id, { labels: labelsValue }), 400, "invalid_request")).message).toContain("labels");
    }
    expect((await detail(first!.id)).labels).toEqual(["Returns"]);
  });

  it("every ticket carries labels: new ones empty, in the list and the inbox socket's frames", async () => {
    const inbox = await connect("/api/inbox/ws", { cookie: agent });
    await inbox.nextOfType("counts");
    const { tickets: listed } = await list("status=open");
    for (const ticket of listed) expect(Array.isArray(ticket.labels)).toBe(true);
    expect(listed.find((ticket) => ticket.id === tickets[0]!.id)!.labels).toEqual(["Returns"]);
    expect(listed.find((ticket) => ticket.id === tickets[1]!.id)!.labels).toEqual([]);
    await json(await patch(tickets[1]!.id, { labels: ["bug"] }), 200);
    const frame = await inbox.next((f) => f.type === "ticket" && f.ticket.id === tickets[1]!.id, 4000);
    expect(frame.ticket.labels).toEqual(["bug"]);
    inbox.close();
  });

  it("filters by label (any case), with status, assignee and channel filters, and pages with the cursor", async () => {
    for (const ticket of tickets) await json(await patch(ticket.id, { labels: ["VIP", "bug"] }), 200);
    await json(await patch(tickets[2]!.id, { status: "snoozed", snoozeUntil: "2099-01-01T00:00:00.000Z", assigneeId: null }), 200);
    // Every ticket's write has landed: three open ones, and the snoozed one.
    await eventually(async () => {
      expect((await list("label=vip&status=open")).tickets).toHaveLength(3);
      expect((await list("label=vip&status=snoozed")).tickets).toHaveLength(1);
    });

    const newestFirst = [...tickets].reverse();
    const openOnes = newestFirst.filter((ticket) => ticket.id !== tickets[2]!.id).map((ticket) => ticket.id);
    expect((await list("label=VIP&status=open")).tickets.map((ticket) => ticket.id)).toEqual(openOnes);
    expect((await list("label=vip&status=snoozed")).tickets.map((ticket) => ticket.id)).toEqual([tickets[2]!.id]);
    expect((await list("label=vip")).tickets.map((ticket) => ticket.id)).toEqual(newestFirst.map((ticket) => ticket.id));
    expect((await list("label=Returns&status=open")).tickets).toEqual([]);
    expect((await list("label=vip&status=open&channel=sms")).tickets).toEqual([]);
    expect((await list("label=vip&status=open&channel=webchat")).tickets).toHaveLength(3);
    expect((await list("label=vip&status=open&assignee=unassigned")).tickets).toHaveLength(3);
    expect((await list("label=vip&status=open&assignee=me")).tickets).toEqual([]);

    // Paging: two at a time, in activity order, across statuses.
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const page: { tickets: TicketT[]; nextCursor: string | null } = await list(`label=vip&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.tickets.length).toBeLessThanOrEqual(2);
      seen.push(...page.tickets.map((ticket) => ticket.id));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(newestFirst.map((ticket) => ticket.id));
  });

  it("refuses a filter by an unknown label with a 400 naming label", async () => {
    const error = await expectError(await call("/api/tickets?label=Nope&status=open", { cookie: agent }), 400, "invalid_request");
    expect(error.message).toContain("label");
  });

  it("keeps ticket_labels' copies of status and activity in step with the ticket", async () => {
    const ticket = tickets[3]!;
    await json(await patch(ticket.id, { status: "closed" }), 200);
    await eventually(async () => expect((await labelRows(ticket.id)).results.map((row) => row.status)).toEqual(["closed", "closed"]));
    expect((await list("label=bug&status=closed")).tickets.map((t) => t.id)).toEqual([ticket.id]);
    // A closed ticket's labels may still change.
    expect((await json<{ ticket: TicketT }>(await patch(ticket.id, { labels: ["Returns"] }), 200)).ticket.labels).toEqual(["Returns"]);
    await eventually(async () => expect((await labelRows(ticket.id)).results.map((row) => [row.label, row.status])).toEqual([["Returns", "closed"]]));
  });

  it("deleting a label takes it off every ticket: the objects, D1's rows and the filter", async () => {
    const labelled = tickets.slice(0, 3).map((ticket) => ticket.id);
    await expectError(await call("/api/labels/lbl_nope", { method: "DELETE", cookie: admin }), 404, "not_found");
    const response = await call(`/api/labels/${labels.VIP!.id}`, { method: "DELETE", cookie: admin });
    expect(response.status).toBe(204);
    for (const id of labelled) {
      expect((await detail(id)).labels).toEqual(["bug"]);
      expect(await storedLabels(id)).toEqual(["bug"]);
      expect((await labelRows(id)).results.map((row) => row.label)).toEqual(["bug"]);
    }
    const { labels: listed } = await json<{ labels: LabelT[] }>(await call("/api/labels", { cookie: agent }), 200);
    expect(listed.map((label) => label.name)).toEqual(["bug", "Returns"]);
    await expectError(await call("/api/tickets?label=VIP", { cookie: agent }), 400, "invalid_request");
    await expectError(await patch(labelled[0]!, { labels: ["VIP"] }), 400, "invalid_request");
    // The objects' next writes to D1 keep it gone.
    await eventually(async () => {
      for (const id of labelled) expect(await storedLabels(id)).toEqual(["bug"]);
      expect((await env.DB.prepare("SELECT count(*) AS n FROM ticket_labels WHERE label = 'VIP'").first<{ n: number }>())!.n).toBe(0);
    });
    // A name freed is free again.
    await json(await call("/api/labels", { method: "POST", cookie: admin, json: { name: "vip", color: "#000000" } }), 201);
  });
});
