// The inbox socket's opening (docs/api.md "Inbox socket"): a fresh connection opens with
// `counts`, whose `rev` the inbox list loads from, even when a ticket's change lands while D1
// counts; that change follows as a `ticket` frame with a later `rev`, then fresh counts.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import type { Inbox } from "../../durable-objects/inbox/Inbox";
import { forwardUpgrade } from "../../worker/lib/conversations";
import { inboxStub } from "../../worker/lib/stubs";
import type { TicketRecord } from "../../worker/lib/tickets";
import { Client, customer, startChat } from "./helpers";

/** What the inbox does once D1 holds a ticket's change: the step a fresh connection's count can straddle. */
type Announcing = { announce(records: TicketRecord[]): void };

const agent = { side: "agent", id: "agt_opening", name: "Opening Agent", expiresAt: Date.now() + 3_600_000 } as const;

it("opens a fresh connection with counts, then the change that landed while it counted, then fresh counts", async () => {
  const shopper = await customer();
  const ticket = await startChat(shopper.token);
  const record: TicketRecord = { ...ticket, visible: true, version: 2, preview: "Landed while the inbox counted" };

  // The socket is read inside the object's context: a WebSocket cannot be handed out of it.
  const frames = await runInDurableObject(inboxStub(env), async (inbox: Inbox) => {
    const upgrade = new Request("https://parley.test/api/inbox/ws", { headers: { Upgrade: "websocket" } });
    // fetch reads the revision its counts cover, then waits for D1's count: the change lands then.
    const opening = forwardUpgrade(inbox, upgrade, agent);
    (inbox as unknown as Announcing).announce([record]);
    const response = await opening;
    expect(response.status).toBe(101);
    const socket = new Client(response.webSocket!);
    const taken = [await socket.next(), await socket.next(), await socket.next()];
    socket.close();
    return taken;
  });

  const [counts, change, recount] = frames;
  expect(counts).toMatchObject({ type: "counts" });
  expect(change).toMatchObject({ type: "ticket", ticket: { id: ticket.id, preview: "Landed while the inbox counted" } });
  expect(change.rev).toBeGreaterThan(counts.rev);
  expect(recount).toMatchObject({ type: "counts", rev: change.rev });
});
