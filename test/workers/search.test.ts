// GET /api/search (spec v2 "Search"): every kind of hit, prefixes and accents, ranking then
// recency, filters, cursor paging, bad input, and a message findable within 5 s of its ack. The
// messages go the real way: a customer's socket, the ticket's object, its D1 sync, the inbox.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { SearchPageT, SearchResultT } from "../../contract";
import { MAX_INDEXED_PER_SYNC } from "../../durable-objects/conversation/d1-sync";
import { call, customer, customerSocket, eventually, expectError, json, login, sendAndWait, sleep, startChat } from "./helpers";

let admin: string;

beforeAll(async () => {
  admin = await login();
});

/** A word no other test uses (letters only, as a customer might type one). */
const word = (stem: string) => `${stem}${Array.from(crypto.getRandomValues(new Uint8Array(6)), (byte) => String.fromCharCode(97 + (byte % 26))).join("")}`;

async function searchFor(query: Record<string, string>, cookie = admin): Promise<SearchPageT> {
  return json<SearchPageT>(await call(`/api/search?${new URLSearchParams(query)}`, { cookie }), 200);
}

/** Waits until the search finds `count` results (the index is written by the D1 sync, ≤ ~1 s after a change). */
function found(query: Record<string, string>, count = 1): Promise<SearchResultT[]> {
  return eventually(async () => {
    const { results } = await searchFor(query);
    expect(results.length, JSON.stringify(results)).toBe(count);
    return results;
  }, 5000);
}

/** A customer's ticket in the inbox with these messages, sent over the customer's socket. */
async function chat(bodies: string[], name = "Casey Customer") {
  const shopper = await customer(undefined, name);
  const ticket = await startChat(shopper.token);
  const socket = await customerSocket(ticket.id, shopper.token);
  await socket.nextOfType("hello");
  const acks = [];
  for (const [i, body] of bodies.entries()) acks.push(await sendAndWait(socket, `m-${i}`, body));
  return { shopper, ticket, socket, acks };
}

describe("GET /api/search finds", () => {
  it("a message within 5 s of its ack, with the hit marked in an escaped snippet", async () => {
    const refund = word("refund");
    const { ticket, socket, acks } = await chat([`Hello`, `Can I get a ${refund} for the <b>blue</b> scarf & hat?`]);
    const acked = Date.now();
    expect(acks[1]).toMatchObject({ type: "ack", seq: 2 });
    const [hit] = await found({ q: refund });
    const after = Date.now() - acked;
    console.log(`findable ${after} ms after the ack`);
    expect(after).toBeLessThan(5000);
    expect(hit!.ticket).toMatchObject({ id: ticket.id, status: "open" });
    expect(hit!.profile).toMatchObject({ id: ticket.profileId, name: "Casey Customer" });
    expect(hit!.match).toEqual({
      kind: "message",
      seq: 2,
      author: "customer",
      snippet: `Can I get a <mark>${refund}</mark> for the &lt;b&gt;blue&lt;/b&gt; scarf &amp; hat?`,
    });
    socket.close();
  });

  it("the team's messages too, by word prefix, ignoring case and accents", async () => {
    const town = word("borås");
    const { ticket, socket } = await chat([`Hi`]);
    const reply = await call(`/api/tickets/${ticket.id}/messages`, {
      method: "POST",
      cookie: admin,
      json: { clientId: "r1", body: `We ship to ${town.toUpperCase()} tomorrow` },
    });
    await json(reply, 201);
    const plain = town.replace("å", "a");
    for (const q of [town, plain, plain.slice(0, 5), town.toUpperCase()]) {
      const [hit] = await found({ q });
      expect(hit!.match, q).toMatchObject({ kind: "message", author: "agent", seq: 2 });
      expect(hit!.match.snippet).toContain(`<mark>${town.toUpperCase()}</mark>`);
    }
    socket.close();
  });

  it("notes, customers by name, email and phone, and tickets by id", async () => {
    const surname = word("lind");
    const { ticket, shopper, socket } = await chat(["Hello there"], `Åke ${surname}`);
    // Notes are indexed by a trigger on D1's notes table, whoever writes them.
    const vip = word("vip");
    await env.DB.prepare("INSERT INTO notes (id, client_id, ticket_id, author_id, author_name, body, created_at) VALUES (?, 'n1', ?, 'agt_x', 'Ann', ?, ?)")
      .bind(`note_${vip}`, ticket.id, `${vip} customer, be kind`, new Date().toISOString())
      .run();
    expect((await found({ q: vip }))[0]!.match).toEqual({ kind: "note", noteId: `note_${vip}`, snippet: `<mark>${vip}</mark> customer, be kind` });

    expect((await found({ q: surname }))[0]).toMatchObject({ ticket: { id: ticket.id }, match: { kind: "profile" } });
    expect((await found({ q: `ake ${surname.slice(0, 4)}` }))[0]!.match.snippet).toBe(`<mark>Åke</mark> <mark>${surname}</mark> casey@example.com`);

    // The store's server gives the phone and a new email: the profile's document follows.
    const email = `${surname}@shop.example`;
    const phone = `+46 70-${String(Date.now()).slice(-3)} 45 67`;
    const event = await call("/api/events", {
      method: "POST",
      headers: { Authorization: "Bearer test-api-key" },
      json: { profile: { externalId: shopper.externalId, email, phone }, event: { name: "Placed Order" } },
    });
    await json(event, 202);
    expect((await found({ q: email }))[0]).toMatchObject({ ticket: { id: ticket.id }, match: { kind: "profile" } });
    for (const q of [phone, phone.replace(/\D/g, ""), `+${phone.replace(/\D/g, "").slice(0, 7)}`])
      expect((await found({ q }))[0], q).toMatchObject({ ticket: { id: ticket.id }, match: { kind: "profile" } });

    const [byId] = await found({ q: ticket.id });
    expect(byId).toMatchObject({ ticket: { id: ticket.id }, match: { kind: "ticket", snippet: `<mark>${ticket.id}</mark>` } });
    socket.close();
  });

  it("closed tickets of any age, and only the tickets the inbox shows", async () => {
    const old = word("parcel");
    const { ticket, socket } = await chat([`My ${old} never came`]);
    socket.send({ type: "end" });
    await socket.nextOfType("status");
    await eventually(async () => expect((await searchFor({ q: old, status: "closed" })).results).toHaveLength(1));
    // A year older, as D1 keeps it.
    await env.DB.prepare("UPDATE tickets SET created_at = '2025-01-02T00:00:00.000Z', last_message_at = '2025-01-02T00:01:00.000Z' WHERE id = ?")
      .bind(ticket.id)
      .run();
    const [hit] = await found({ q: old });
    expect(hit!.ticket).toMatchObject({ id: ticket.id, status: "closed", lastMessageAt: "2025-01-02T00:01:00.000Z" });

    // A chat the customer opened but never wrote in is not in the inbox, so not found.
    const silent = await startChat((await customer()).token);
    expect((await searchFor({ q: silent.id })).results).toEqual([]);
    socket.close();
  });
});

describe("the index's feed from the D1 sync", () => {
  it("takes a long history 200 messages a sync, the rest with the next ones, and never twice", async () => {
    const rare = word("backlog");
    const { ticket, socket } = await chat(["Hello"]);
    await found({ q: ticket.id });
    socket.close();
    // A conversation with a long history the index has not seen (as one from before search):
    // messages 2…301 written into the object's own log, then the object restarts to read it.
    const stub = env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(ticket.id));
    const older = MAX_INDEXED_PER_SYNC + 100;
    await runInDurableObject(stub, (_instance, ctx) => {
      for (let seq = 2; seq <= older + 1; seq++)
        ctx.storage.sql.exec(
          "INSERT INTO messages (seq, id, client_id, author_kind, author_id, author_name, body, attachments, created_at) VALUES (?, ?, NULL, 'customer', NULL, NULL, ?, '[]', ?)",
          seq,
          `msg_backlog_${seq}`,
          seq === older + 1 ? `the last old one: ${rare}` : `old message ${seq}`,
          new Date(Date.now() - 60_000 + seq).toISOString(),
        );
    });
    await evictDurableObject(stub, { webSockets: "close" });
    // A new message makes a sync owed: it carries the first 200 unindexed, the next sync the rest.
    await json(await call(`/api/tickets/${ticket.id}/messages`, { method: "POST", cookie: admin, json: { clientId: "nudge", body: `nudge ${rare}` } }), 201);
    const hits = await found({ q: rare }, 2);
    expect(hits.map((hit) => hit.match.seq).sort((a, b) => a! - b!)).toEqual([older + 1, older + 2]);
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM search_documents WHERE ticket_id = ? AND kind = 'message'")
      .bind(ticket.id)
      .first<{ n: number }>())!;
    expect(n).toBe(older + 2);
  }, 20_000);
});

describe("GET /api/search ranks, filters and pages", () => {
  it("ranks the better match first, and equal matches newest first", async () => {
    const color = word("teal");
    const first = await chat([`${color} is the colour of the scarf I ordered, but the one that came is green and the label says something else`]);
    const strong = await chat([`${color} ${color}`]);
    const older = await chat([`${color} please`]);
    await sleep(5);
    const newer = await chat([`${color} please`]);
    const results = await found({ q: color }, 4);
    expect(results.map((r) => r.ticket.id)).toEqual([strong.ticket.id, newer.ticket.id, older.ticket.id, first.ticket.id]);
    for (const one of [first, strong, older, newer]) one.socket.close();
  });

  it("filters by status and channel, and pages by cursor without repeats", async () => {
    const fruit = word("kiwi");
    const chats: Awaited<ReturnType<typeof chat>>[] = [];
    for (let i = 0; i < 3; i++) chats.push(await chat([`${fruit} number ${i}`]));
    await found({ q: fruit }, 3);
    await json(
      await call(`/api/tickets/${chats[0]!.ticket.id}`, {
        method: "PATCH",
        cookie: admin,
        json: { status: "snoozed", snoozeUntil: "2099-01-01T00:00:00.000Z" },
      }),
      200,
    );
    await eventually(async () => expect((await searchFor({ q: fruit, status: "snoozed" })).results.map((r) => r.ticket.id)).toEqual([chats[0]!.ticket.id]));
    expect((await searchFor({ q: fruit, status: "open" })).results).toHaveLength(2);
    expect((await searchFor({ q: fruit, status: "", channel: "webchat" })).results).toHaveLength(3);
    expect((await searchFor({ q: fruit, channel: "sms" })).results).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 3; page++) {
      const next: SearchPageT = await searchFor({ q: fruit, limit: "1", ...(cursor ? { cursor } : {}) });
      expect(next.results).toHaveLength(1);
      seen.push(next.results[0]!.ticket.id);
      cursor = next.nextCursor;
      expect(cursor === null, `page ${page}`).toBe(page === 2);
    }
    expect(new Set(seen).size).toBe(3);
    await expectError(await call(`/api/search?q=${fruit}&cursor=bm9wZQ`, { cookie: admin }), 400, "invalid_request");
    for (const chatted of chats) chatted.socket.close();
  });
});

describe("GET /api/search refuses and escapes", () => {
  it("refuses an empty, missing or too long q, a bad filter or limit, with 400 invalid_request naming the field", async () => {
    for (const query of ["", "?q=", "?q=%20%20", `?q=${"a".repeat(201)}`]) {
      const error = await expectError(await call(`/api/search${query}`, { cookie: admin }), 400, "invalid_request");
      expect(error.message).toMatch(/^q: /);
    }
    expect((await expectError(await call("/api/search?q=x&status=gone", { cookie: admin }), 400, "invalid_request")).message).toMatch(/^status: /);
    expect((await expectError(await call("/api/search?q=x&limit=500", { cookie: admin }), 400, "invalid_request")).message).toMatch(/^limit: /);
  });

  it("is for signed-in agents only", async () => {
    await expectError(await call("/api/search?q=refund"), 401, "unauthorized");
  });

  it("takes FTS syntax as text: never a 500", async () => {
    const term = word("quux");
    const { socket } = await chat([`odd one: ${term} (in "quotes") - NEAR the end`]);
    await found({ q: term });
    const nasty = [
      '"',
      '""',
      `"${term}`,
      `${term}"`,
      "*",
      `${term}*`,
      "**",
      ":",
      `body:${term}`,
      "^",
      `^${term}`,
      "(",
      ")",
      `(${term}`,
      `${term})`,
      "-",
      `-${term}`,
      `${term} -x`,
      "NEAR",
      `NEAR(${term} the)`,
      "AND",
      "OR",
      "NOT",
      `${term} OR`,
      `NOT ${term}`,
      "+",
      "{body}: x",
      "'",
      "';--",
      "\\",
      "%",
      "_",
      "\u0000",
      "💥",
      "a".repeat(200),
      Array.from({ length: 60 }, () => "x").join(" "),
    ];
    for (const q of nasty) {
      const response = await call(`/api/search?${new URLSearchParams({ q })}`, { cookie: admin });
      const text = await response.text();
      expect([200, 400], `${JSON.stringify(q)} → ${response.status} ${text}`).toContain(response.status);
      if (response.status === 400) expect(JSON.parse(text).error.code).toBe("invalid_request");
    }
    // The words in them are still found, as words.
    for (const q of [`"${term}"`, `(${term})`, `${term}*`, `-${term}`, `^${term}`, `${term} NEAR`])
      expect((await searchFor({ q })).results.length, q).toBeGreaterThan(0);
    socket.close();
  });
});
