// Erasing a customer (spec v2 "Customer data rights"): DELETE /api/profiles/:id leaves nothing of
// the person in any API, socket, search, export or upload URL, across web chat, SMS, email (the
// team's, the shopper's unseen replies and their emailed answer), images and notes, while report
// counts stay; it is idempotent, and an object that stopped halfway finishes by its alarm.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import type { Conversation } from "../../durable-objects/conversation/Conversation";
import worker from "../../worker/index";
import { replyAddress } from "../../worker/lib/email/reply-address";
import { conversationStub } from "../../worker/lib/stubs";
import {
  addAgent,
  agentSocket,
  call,
  connect,
  customer,
  customerSocket,
  eventually,
  expectError,
  json,
  startChat,
  upgrade,
  userHash,
  type Client,
} from "./helpers";
import { admin, EMPTY_TWIML, inbound, newPhone, text, ticketOfSid, useSmsAccount } from "./sms-fixtures";

useSmsAccount();

const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

const rows = async <T = Record<string, unknown>>(query: string, ...params: unknown[]) =>
  (
    await env.DB.prepare(query)
      .bind(...params)
      .all<T>()
  ).results;

async function upload(auth: { cookie?: string; token?: string }): Promise<{ key: string; url: string }> {
  const form = new FormData();
  form.set("file", new File([PNG], "pixel.png", { type: "image/png" }));
  return json(await call("/api/uploads", { method: "POST", body: form, ...auth }), 201);
}

const search = async (q: string) =>
  (await json<{ results: Array<{ ticket: TicketT }> }>(await call(`/api/search?q=${encodeURIComponent(q)}`, { cookie: admin }), 200)).results;

const listed = async (query: string, cookie = admin) =>
  (await json<{ tickets: TicketT[] }>(await call(`/api/tickets?${query}`, { cookie }), 200)).tickets.map((ticket) => ticket.id);

const report = async () => {
  const today = new Date().toISOString().slice(0, 10);
  return json<{ totals: { conversations: number; csat: { responses: number } } }>(
    await call(`/api/reports?from=${today}&to=${today}&timezone=UTC`, { cookie: admin }),
    200,
  );
};

/**
 * A customer with a web chat (their words, their image and the agent's, a note that mentions an
 * agent, a label, a rating with a comment), an SMS conversation from their phone, an order, and
 * the team's email about the new chat; every one of them findable before the erasure.
 */
async function seedCustomer(word: string) {
  const mentioned = await addAgent(admin);
  const phone = newPhone();
  const shopper = await customer(`cust-${word}`, `Rowan ${word}`);
  await json(
    await call("/api/settings", {
      method: "PATCH",
      cookie: admin,
      json: { notifyEmails: ["team@example.com"], notifyFrom: "support@shop.test", webchatEnabled: true, emailContinuity: { enabled: true, delayMinutes: 0 } },
    }),
    200,
  );
  await json(
    await call("/api/events", {
      method: "POST",
      headers: { Authorization: "Bearer test-api-key" },
      json: { profile: { externalId: shopper.externalId, phone }, event: { name: "Placed Order", value: 49, properties: { orderId: `#${word}` } } },
    }),
    202,
  );
  await json(await call("/api/labels", { method: "POST", cookie: admin, json: { name: `vip-${word}`, color: "#aa3366" } }), 201);

  const chat = await startChat(shopper.token);
  const socket = await customerSocket(chat.id, shopper.token);
  await socket.nextOfType("hello");
  const customerImage = await upload({ token: shopper.token });
  // Uploaded, then never sent: no message carries it.
  const unsentImage = await upload({ token: shopper.token });
  socket.send({ type: "send", clientId: crypto.randomUUID(), body: `My ${word} scarf has a hole`, attachments: [{ key: customerImage.key }] });
  await socket.nextOfType("ack");
  const agentImage = await upload({ cookie: admin });
  await json(
    await call(`/api/tickets/${chat.id}/messages`, {
      method: "POST",
      cookie: admin,
      json: { clientId: crypto.randomUUID(), body: `Sorry about the ${word} scarf`, attachments: [{ key: agentImage.key }] },
    }),
    201,
  );
  // The agent's reply went unseen: it is emailed, and the shopper answers by email with a photo.
  await eventually(async () => expect(await rows("SELECT 1 FROM email_log WHERE ticket_id = ? AND kind = 'continuity'", chat.id)).toHaveLength(1));
  const address = await replyAddress(env.IDENTITY_SECRET, chat.id, "shop.test");
  const answer = [
    `From: Rowan <casey@example.com>`,
    `To: ${address}`,
    `Subject: Re: New reply`,
    `Message-ID: <${word}@mail.example.com>`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain",
    "",
    `Here is the ${word} hole by email`,
    "--b",
    "Content-Type: image/png",
    "Content-Transfer-Encoding: base64",
    "",
    btoa(String.fromCharCode(...PNG)),
    "--b--",
  ].join("\r\n");
  const bytes = new TextEncoder().encode(answer);
  const delivered = { from: "casey@example.com", to: address, raw: new Response(bytes).body!, rawSize: bytes.byteLength, setReject: () => undefined };
  await worker.email(delivered as unknown as ForwardableEmailMessage, env);
  const emailed = (await conversationStub(env, chat.id).history(null, 50)).at(-1)!;
  expect(emailed.body).toBe(`Here is the ${word} hole by email`);
  await json(
    await call(`/api/tickets/${chat.id}/notes`, {
      method: "POST",
      cookie: admin,
      json: { clientId: crypto.randomUUID(), body: `@${mentioned.agent.name} ${word} wants a refund` },
    }),
    201,
  );
  await json(await call(`/api/tickets/${chat.id}`, { method: "PATCH", cookie: admin, json: { labels: [`vip-${word}`] } }), 200);
  socket.send({ type: "end" });
  await socket.next((f) => f.type === "status" && f.status === "closed");
  await json(
    await call(`/api/widget/conversations/${chat.id}/rating`, { method: "POST", token: shopper.token, json: { score: 5, comment: `${word} was lovely` } }),
    201,
  );
  socket.close();

  const sms = inbound(phone, `Texting about the ${word} parcel`);
  expect(await text(sms)).toBe(EMPTY_TWIML);
  const smsTicket = (await ticketOfSid(sms.MessageSid))!;
  await json(
    await call(`/api/tickets/${smsTicket}/messages`, {
      method: "POST",
      cookie: admin,
      json: { clientId: crypto.randomUUID(), body: `The ${word} parcel left today` },
    }),
    201,
  );

  // Everything is where the team finds it: the search, the email log, the lists, the report facts.
  await eventually(async () => {
    expect(new Set((await search(word)).map((result) => result.ticket.id))).toEqual(new Set([chat.id, smsTicket]));
    expect(await rows("SELECT id FROM email_log WHERE ticket_id = ?", chat.id)).toHaveLength(2);
    expect(await rows("SELECT ticket_id FROM ticket_replies WHERE ticket_id IN (?, ?)", chat.id, smsTicket)).toHaveLength(2);
    expect(await listed("mentioned=me", mentioned.cookie)).toEqual([chat.id]);
  }, 10_000);
  return { shopper, phone, mentioned, chat: chat.id, smsTicket, images: [customerImage, agentImage, unsentImage, ...emailed.attachments] };
}

const closedOn = async (client: Client) => eventually(async () => expect(client.closed?.code).toBe(4404));

describe("DELETE /api/profiles/:id", () => {
  it("leaves nothing of the person in any API, socket, search, export or upload URL, and keeps the report counts", async () => {
    const word = `zq${crypto.randomUUID().slice(0, 6)}`;
    const seeded = await seedCustomer(word);
    const { shopper, chat, smsTicket } = seeded;
    const before = await report();
    const agentView = await agentSocket(chat, admin);
    await agentView.nextOfType("hello");
    const inbox = await connect("/api/inbox/ws", { cookie: admin });
    await inbox.nextOfType("counts");

    const response = await call(`/api/profiles/${shopper.profileId}`, { method: "DELETE", cookie: admin });
    expect(response.status, await response.clone().text()).toBe(204);

    // Sockets: the open one ends, the inbox reloads its list, and no new one is let in.
    await closedOn(agentView);
    await inbox.nextOfType("resync");
    expect((await upgrade(`/api/tickets/${chat}/ws?after=0`, { cookie: admin })).status).toBe(404);
    expect((await upgrade(`/api/tickets/${smsTicket}/ws?after=0`, { cookie: admin })).status).toBe(404);
    const widgetUpgrade = await upgrade(`/api/widget/conversations/${chat}/ws?token=${encodeURIComponent(shopper.token)}&after=0`);
    expect(widgetUpgrade.status).toBe(404);

    // Agent APIs.
    await expectError(await call(`/api/profiles/${shopper.profileId}/export`, { cookie: admin }), 404, "not_found");
    for (const id of [chat, smsTicket]) {
      await expectError(await call(`/api/tickets/${id}`, { cookie: admin }), 404, "not_found");
      await expectError(await call(`/api/tickets/${id}/messages`, { cookie: admin }), 404, "not_found");
      await expectError(await call(`/api/tickets/${id}/notes`, { cookie: admin }), 404, "not_found");
      expect(await conversationStub(env, id).history(null, 100)).toEqual([]);
    }
    for (const query of ["", "status=open", "status=closed", "channel=sms", `label=vip-${word}`]) {
      const ids = await listed(query);
      expect(ids, query).not.toContain(chat);
      expect(ids, query).not.toContain(smsTicket);
    }
    expect(await listed("mentioned=me", seeded.mentioned.cookie)).toEqual([]);
    for (const q of [word, `Rowan`, "casey@example.com", seeded.phone.slice(1), chat, smsTicket]) {
      expect(
        (await search(q)).filter((result) => [chat, smsTicket].includes(result.ticket.id)),
        q,
      ).toEqual([]);
    }
    for (const image of seeded.images) expect((await call(new URL(image.url).pathname)).status).toBe(404);

    // The shopper's widget: nothing to rate or resume, and a new session is a new person.
    expect(await json(await call("/api/widget/conversations/unrated", { token: shopper.token }), 200)).toEqual({ ticket: null });
    await expectError(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 401, "unauthorized");
    const again = await json<{ profileId: string }>(
      await call("/api/widget/session", {
        method: "POST",
        json: { customer: { id: shopper.externalId, name: shopper.name }, userHash: await userHash(shopper.externalId) },
      }),
      200,
    );
    expect(again.profileId).not.toBe(shopper.profileId);
    // A text from the same phone starts over, with no history.
    const sms = inbound(seeded.phone, "Hello again");
    expect(await text(sms)).toBe(EMPTY_TWIML);
    const newSms = (await ticketOfSid(sms.MessageSid))!;
    expect(newSms).not.toBe(smsTicket);
    const fresh = await json<{ ticket: TicketT; profile: { id: string } }>(await call(`/api/tickets/${newSms}`, { cookie: admin }), 200);
    expect(fresh.profile.id).not.toBe(shopper.profileId);

    // What D1 still holds: the report counts, and nothing personal.
    expect(await rows("SELECT external_id, email, phone, name, erased_at IS NOT NULL AS erased FROM profiles WHERE id = ?", shopper.profileId)).toEqual([
      { external_id: null, email: null, phone: null, name: null, erased: 1 },
    ]);
    for (const table of ["events", "customer_uploads"]) expect(await rows(`SELECT 1 FROM ${table} WHERE profile_id = ?`, shopper.profileId), table).toEqual([]);
    for (const table of ["notes", "mentions", "search_documents", "email_log", "handoffs", "webhook_deliveries", "ticket_labels"]) {
      expect(await rows(`SELECT 1 FROM ${table} WHERE ticket_id IN (?, ?)`, chat, smsTicket), table).toEqual([]);
    }
    const kept = await rows<Record<string, unknown>>(
      "SELECT id, customer_name, preview, visible, labels, rating_score, rating_comment, started_at IS NOT NULL AS started, first_response_s IS NOT NULL AS answered FROM tickets WHERE id IN (?, ?) ORDER BY channel DESC",
      chat,
      smsTicket,
    );
    expect(kept).toEqual([
      { id: chat, customer_name: null, preview: null, visible: 0, labels: "[]", rating_score: 5, rating_comment: null, started: 1, answered: 1 },
      { id: smsTicket, customer_name: null, preview: null, visible: 0, labels: "[]", rating_score: null, rating_comment: null, started: 1, answered: 1 },
    ]);
    expect(await rows("SELECT ticket_id FROM ticket_replies WHERE ticket_id IN (?, ?)", chat, smsTicket)).toHaveLength(2);
    const after = await report();
    expect(after.totals.conversations).toBeGreaterThanOrEqual(before.totals.conversations);
    expect(after.totals.csat.responses).toBeGreaterThanOrEqual(before.totals.csat.responses);
    inbox.close();

    // Idempotent: again, the same answer and nothing else changes.
    expect((await call(`/api/profiles/${shopper.profileId}`, { method: "DELETE", cookie: admin })).status).toBe(204);
  });

  it("finishes by alarm when the object stopped after recording the erasure", async () => {
    const shopper = await customer();
    const chat = await startChat(shopper.token);
    const socket = await customerSocket(chat.id, shopper.token);
    await socket.nextOfType("hello");
    const image = await upload({ token: shopper.token });
    socket.send({ type: "send", clientId: crypto.randomUUID(), body: "Half-erased", attachments: [{ key: image.key }] });
    await socket.nextOfType("ack");
    await json(
      await call(`/api/tickets/${chat.id}/notes`, { method: "POST", cookie: admin, json: { clientId: crypto.randomUUID(), body: "A note about them" } }),
      201,
    );
    await eventually(async () => expect(await rows("SELECT 1 FROM tickets WHERE id = ? AND visible = 1", chat.id)).toHaveLength(1));

    // The erasure is recorded and the log emptied, then the object "crashes" before D1 or R2 hear of it.
    const stub = conversationStub(env, chat.id);
    await runInDurableObject(stub, (instance: Conversation) => {
      (instance as unknown as { erasure: { forget(): void } }).erasure.forget();
    });
    await closedOn(socket);
    expect(await env.UPLOADS.head(image.key)).not.toBeNull();
    expect(await rows("SELECT 1 FROM notes WHERE ticket_id = ?", chat.id)).toHaveLength(1);

    await eventually(async () => {
      await runDurableObjectAlarm(stub);
      expect(await rows("SELECT customer_name, erased_at IS NOT NULL AS erased FROM tickets WHERE id = ?", chat.id)).toEqual([
        { customer_name: null, erased: 1 },
      ]);
      expect(await rows("SELECT 1 FROM notes WHERE ticket_id = ?", chat.id)).toEqual([]);
      expect(await env.UPLOADS.head(image.key)).toBeNull();
    });
    expect(await stub.erase()).toBe("erased");
  });

  it("erases a ticket D1 has but no object ever held", async () => {
    const shopper = await customer();
    const id = `tkt_orphan${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare(
      "INSERT INTO tickets (id, channel, status, profile_id, customer_name, preview, visible, created_at, version) VALUES (?, 'webchat', 'open', ?, 'Casey Customer', 'Hello', 1, ?, 1)",
    )
      .bind(id, shopper.profileId, new Date().toISOString())
      .run();
    expect((await call(`/api/profiles/${shopper.profileId}`, { method: "DELETE", cookie: admin })).status).toBe(204);
    expect(await rows("SELECT status, customer_name, preview, visible, erased_at IS NOT NULL AS erased FROM tickets WHERE id = ?", id)).toEqual([
      { status: "closed", customer_name: null, preview: null, visible: 0, erased: 1 },
    ]);
    expect(await rows("SELECT 1 FROM search_documents WHERE ticket_id = ?", id)).toEqual([]);
  });

  it("refuses a new ticket for an erased person at the database, and answers 401 so the widget starts a new session", async () => {
    const shopper = await customer();
    expect((await call(`/api/profiles/${shopper.profileId}`, { method: "DELETE", cookie: admin })).status).toBe(204);
    await expectError(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 401, "unauthorized");
    await expect(
      env.DB.prepare("INSERT INTO tickets (id, channel, status, profile_id, created_at) VALUES ('tkt_late', 'webchat', 'open', ?, ?)")
        .bind(shopper.profileId, new Date().toISOString())
        .run(),
    ).rejects.toThrow(/profile erased/);
  });

  it("is for admins: an agent gets 403 and changes nothing, no session 401, an unknown profile 404", async () => {
    const shopper = await customer();
    const agent = await addAgent(admin);
    await expectError(await call(`/api/profiles/${shopper.profileId}`, { method: "DELETE", cookie: agent.cookie }), 403, "forbidden");
    await expectError(await call(`/api/profiles/${shopper.profileId}`, { method: "DELETE" }), 401, "unauthorized");
    await expectError(await call("/api/profiles/prf_nobody", { method: "DELETE", cookie: admin }), 404, "not_found");
    expect(await rows("SELECT name FROM profiles WHERE id = ?", shopper.profileId)).toEqual([{ name: "Casey Customer" }]);
    await json(await call(`/api/profiles/${shopper.profileId}/export`, { cookie: admin }), 200);
  });
});
