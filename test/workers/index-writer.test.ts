// The inbox index writer (durable-objects/inbox/index-writer.ts) against real D1: changes that
// arrive together are one D1 batch, and a record D1 refuses fails alone. The D1 binding is the
// real one; the test only counts the batches that go through it.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IndexWriter } from "../../durable-objects/inbox/index-writer";
import { db } from "../../worker/db/client";
import { writeTicketRecord, type TicketRecord } from "../../worker/lib/tickets";

const stamp = () => new Date().toISOString();

/** The real binding, counting the batches sent through it, and the calls that are not batches. */
function countingD1() {
  const counts = { batches: 0, others: 0 };
  const counting = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, method) {
        if (method === "run" || method === "all" || method === "first" || method === "raw") counts.others += 1;
        // Binding gives a new statement, which runs as the prepared one would.
        if (method === "bind") return (...values: unknown[]) => counting(target.bind(...values));
        const value = Reflect.get(target, method);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const binding = new Proxy(env.DB, {
    get(target, property) {
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          counts.batches += 1;
          return target.batch(statements);
        };
      }
      if (property === "exec") counts.others += 1;
      // A statement prepared for a batch is only bound; one that runs on its own is a call of its own.
      if (property === "prepare") return (query: string) => counting(target.prepare(query));
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { binding, counts };
}

async function seedTickets(count: number, tag: string): Promise<TicketRecord[]> {
  const records: TicketRecord[] = [];
  for (let i = 0; i < count; i++) {
    const profileId = `prf_${tag}_${i}_${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare("INSERT INTO profiles (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)").bind(profileId, `${tag} ${i}`, stamp(), stamp()).run();
    const record: TicketRecord = {
      id: `tkt_${tag}_${i}_${crypto.randomUUID().replaceAll("-", "")}`,
      channel: "webchat",
      status: "open",
      snoozeUntil: null,
      assigneeId: null,
      profileId,
      customerName: `${tag} ${i}`,
      preview: "first",
      unread: true,
      lastMessageAt: stamp(),
      createdAt: stamp(),
      closedAt: null,
      handledByAi: false,
      labels: [],
      rating: null,
      visible: true,
      version: 1,
    };
    await writeTicketRecord(db(env.DB), record);
    records.push(record);
  }
  return records;
}

const versionsOf = async (ids: string[]) =>
  Object.fromEntries(
    (
      await env.DB.prepare(`SELECT id, version, preview FROM tickets WHERE id IN (${ids.map(() => "?").join(", ")})`)
        .bind(...ids)
        .all<{ id: string; version: number; preview: string }>()
    ).results.map((row) => [row.id, `${row.version} ${row.preview}`]),
  );

describe("the inbox index writer", () => {
  it("writes 30 tickets' changes that arrive together in one D1 batch, and tells of each once D1 holds it", async () => {
    const seeded = await seedTickets(30, "together");
    const { binding, counts } = countingD1();
    const heard: string[] = [];
    const writer = new IndexWriter(
      () => db(binding),
      (records) => heard.push(...records.map((record) => record.id)),
    );
    await Promise.all(seeded.map((record) => writer.write({ ...record, version: 2, preview: "second" })));
    expect(counts.batches).toBe(1);
    expect(heard.sort()).toEqual(seeded.map((record) => record.id).sort());
    const stored = await versionsOf(seeded.map((record) => record.id));
    expect(Object.values(stored)).toEqual(Array(30).fill("2 second"));
  });

  it("writes the tickets and the messages they carry for the search index in one D1 call, and neither without the other", async () => {
    const seeded = await seedTickets(3, "indexed");
    const ids = seeded.map((record) => record.id);
    const { binding, counts } = countingD1();
    const writer = new IndexWriter(
      () => db(binding),
      () => undefined,
    );
    const messages = (ticket: number) => [1, 2].map((seq) => ({ seq, authorKind: "customer" as const, body: `parcel ${ticket}-${seq}`, createdAt: stamp() }));
    await Promise.all(seeded.map((record, i) => writer.write({ ...record, version: 2 }, messages(i))));
    expect(counts).toEqual({ batches: 1, others: 0 });
    const indexedOf = async (ticketIds: string[]) =>
      (
        await env.DB.prepare(
          `SELECT d.body FROM search_index JOIN search_documents d ON d.id = search_index.rowid
           WHERE search_index MATCH 'parcel' AND d.kind = 'message' AND d.ticket_id IN (${ticketIds.map(() => "?").join(", ")}) ORDER BY d.body`,
        )
          .bind(...ticketIds)
          .all<{ body: string }>()
      ).results.map((row) => row.body);
    expect(await indexedOf(ids)).toEqual(["parcel 0-1", "parcel 0-2", "parcel 1-1", "parcel 1-2", "parcel 2-1", "parcel 2-2"]);

    // A record D1 refuses takes its messages down with it: its object sends them again with the retry.
    const refused: TicketRecord = { ...seeded[0]!, id: `tkt_indexed_dup_${crypto.randomUUID().replaceAll("-", "")}`, version: 2 };
    await expect(writer.write(refused, messages(9))).rejects.toThrow();
    expect(await indexedOf([refused.id])).toEqual([]);
  });

  it("keeps only a ticket's newest version when two arrive for the same write, and never writes an older one over a newer", async () => {
    const [ticket] = await seedTickets(1, "newest");
    const { binding, counts } = countingD1();
    const writer = new IndexWriter(
      () => db(binding),
      () => undefined,
    );
    await Promise.all([writer.write({ ...ticket!, version: 3, preview: "third" }), writer.write({ ...ticket!, version: 2, preview: "second" })]);
    expect(counts.batches).toBe(1);
    expect(await versionsOf([ticket!.id])).toEqual({ [ticket!.id]: "3 third" });
    // A late write of an older version changes nothing.
    await writer.write({ ...ticket!, version: 2, preview: "second" });
    expect(await versionsOf([ticket!.id])).toEqual({ [ticket!.id]: "3 third" });
  });

  it("fails only the record D1 refuses: the others in its batch land", async () => {
    const seeded = await seedTickets(5, "refused");
    const heard: string[] = [];
    const writer = new IndexWriter(
      () => db(env.DB),
      (records) => heard.push(...records.map((record) => record.id)),
    );
    // A second open web chat for the first ticket's customer breaks the one-open-ticket index.
    const refused: TicketRecord = { ...seeded[0]!, id: `tkt_refused_dup_${crypto.randomUUID().replaceAll("-", "")}`, version: 2 };
    const outcomes = await Promise.allSettled([writer.write(refused), ...seeded.map((record) => writer.write({ ...record, version: 2, preview: "second" }))]);
    expect(outcomes[0]!.status).toBe("rejected");
    expect(String(((outcomes[0] as PromiseRejectedResult).reason as Error).cause)).toMatch(/UNIQUE constraint failed/);
    expect(outcomes.slice(1).map((outcome) => outcome.status)).toEqual(Array(5).fill("fulfilled"));
    expect(heard.sort()).toEqual(seeded.map((record) => record.id).sort());
    expect(Object.values(await versionsOf(seeded.map((record) => record.id)))).toEqual(Array(5).fill("2 second"));
    expect(await versionsOf([refused.id])).toEqual({});
  });

  it("rejects every caller while D1 can't be written, and takes the same records once it can", async () => {
    const seeded = await seedTickets(3, "offline");
    const writer = new IndexWriter(
      () => db(env.DB),
      () => undefined,
    );
    await env.DB.prepare("ALTER TABLE tickets RENAME TO tickets_offline").run();
    try {
      const outcomes = await Promise.allSettled(seeded.map((record) => writer.write({ ...record, version: 2, preview: "second" })));
      expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "rejected", "rejected"]);
    } finally {
      await env.DB.prepare("ALTER TABLE tickets_offline RENAME TO tickets").run();
    }
    await Promise.all(seeded.map((record) => writer.write({ ...record, version: 2, preview: "second" })));
    expect(Object.values(await versionsOf(seeded.map((record) => record.id)))).toEqual(Array(3).fill("2 second"));
  });
});
