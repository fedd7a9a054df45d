// One customer token opening, writing in and ending tickets in a loop (spec v2 "Origins and
// headers", last line): at most 10 new tickets per customer per hour, and at most one new-ticket
// email to the team per customer per 10 minutes, so a burst is not a channel into the team's mailbox.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, customer, customerSocket, eventually, expectError, json, login, sendAndWait, sleep } from "./helpers";

const TEAM = "team@shop.test";
const ticketRows = (profileId: string) =>
  env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE profile_id = ?")
    .bind(profileId)
    .first<{ n: number }>()
    .then((row) => row!.n);
const newTicketEmails = (profileId: string) =>
  env.DB.prepare("SELECT count(*) AS n FROM email_log e JOIN tickets t ON t.id = e.ticket_id WHERE t.profile_id = ? AND e.kind = 'new_ticket'")
    .bind(profileId)
    .first<{ n: number }>()
    .then((row) => row!.n);

/** Opens a ticket, writes in it (so it enters the inbox and owes the team an email), and ends it. */
async function churn(token: string, index: number): Promise<Response> {
  const opened = await call("/api/widget/conversations", { method: "POST", token });
  if (opened.status !== 201) return opened;
  const { ticket } = await opened.clone().json<{ ticket: { id: string } }>();
  const socket = await customerSocket(ticket.id, token);
  expect((await sendAndWait(socket, `churn-${index}`, `URGENT: your account is locked, log in at https://evil.example/${index}`)).type).toBe("ack");
  socket.send({ type: "end" });
  await socket.nextOfType("status");
  socket.close();
  return opened;
}

beforeAll(async () => {
  const admin = await login();
  await json(await call("/api/settings", { method: "PATCH", cookie: admin, json: { notifyEmails: [TEAM] } }), 200);
});

describe("ticket churn by one customer", () => {
  it("opens at most 10 tickets an hour; the 11th is 429 rate_limited with Retry-After, and nothing is created", { timeout: 20_000 }, async () => {
    const shopper = await customer();
    for (let i = 0; i < 10; i++) expect((await churn(shopper.token, i)).status).toBe(201);
    expect(await ticketRows(shopper.profileId)).toBe(10);

    const refused = await call("/api/widget/conversations", { method: "POST", token: shopper.token });
    const retryAfter = Number(refused.headers.get("Retry-After"));
    await expectError(refused, 429, "rate_limited");
    expect(retryAfter).toBeGreaterThan(3000);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await ticketRows(shopper.profileId)).toBe(10);
    await expectError(await call("/api/widget/conversations/active", { token: shopper.token }), 404, "not_found");

    // Another customer is not held back by this one.
    const other = await customer();
    expect((await call("/api/widget/conversations", { method: "POST", token: other.token })).status).toBe(201);
  });

  it("still hands back the customer's open ticket at the limit: that is not a new ticket", { timeout: 20_000 }, async () => {
    const shopper = await customer();
    for (let i = 0; i < 9; i++) await churn(shopper.token, i);
    const { ticket } = await json(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 201);
    const again = await json(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 200);
    expect(again.ticket.id).toBe(ticket.id);
  });

  it("emails the team about the first ticket of a burst only: one new-ticket email per customer per 10 minutes", { timeout: 20_000 }, async () => {
    const shopper = await customer();
    for (let i = 0; i < 4; i++) expect((await churn(shopper.token, i)).status).toBe(201);
    await eventually(async () => expect(await newTicketEmails(shopper.profileId)).toBe(1), 5000);
    // Every ticket's email job has had its chance by now (they start at once); none sent a second.
    await sleep(1500);
    expect(await newTicketEmails(shopper.profileId)).toBe(1);

    // Another customer's first ticket still reaches the team.
    const other = await customer();
    await churn(other.token, 0);
    await eventually(async () => expect(await newTicketEmails(other.profileId)).toBe(1), 5000);
  });
});
