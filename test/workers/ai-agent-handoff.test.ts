// The AI agent handing a conversation over: to the inbox (also when asked, after maxTurns, or
// taken over by an admin), or with a message that ends the chat.
import { describe, expect, it } from "vitest";
import { agentSocket, Client, connect, eventually, sendAndWait } from "./helpers";
import { admin, agent, botMessages, chat, listed, record, setAi, track, useAiAgent } from "./ai-agent-fixtures";

useAiAgent();

const bodies = (client: Client) => client.messages().map((m) => `${m.author.kind}:${m.body}`);

describe("handoff to the inbox", () => {
  it("hands off a question it can't answer: the ticket enters list and counts with the transcript and a one-line summary", async () => {
    await setAi({ enabled: true, handoff: "inbox", handoffMessage: "Let me get you a person from our team." });
    const inbox = track(await connect("/api/inbox/ws", { cookie: agent.cookie }));
    const before = (await inbox.nextOfType("counts")) as { open: number; unread: number };
    const { ticket, socket, shopper } = await chat();
    await sendAndWait(socket, "q1", "Do you sell bicycles?");

    const told = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    expect(told.body).toBe("Let me get you a person from our team.");
    expect(told.ai.handoff).toEqual({ reason: "low_confidence", target: "inbox" });
    const summary = await socket.next((f) => f.type === "message" && f.author.kind === "system");
    expect(summary.body).toMatch(/^Handed over by the AI agent \(the AI had no confident answer.*\): “Do you sell bicycles\?”$/);
    expect(await socket.nextOfType("ai")).toEqual({ type: "ai", mode: "handed_off" });

    const arrived = await inbox.next((f) => f.type === "ticket" && f.ticket.id === ticket.id, 5000);
    expect(arrived.ticket).toMatchObject({ handledByAi: false, unread: true, status: "open", customerName: shopper.name });
    const after = await inbox.next((f) => f.type === "counts" && f.open === before.open + 1, 5000);
    expect(after.unread).toBe(before.unread + 1);

    // The agent sees the whole transcript and answers; the customer gets it.
    const agentView = track(await agentSocket(ticket.id, agent.cookie));
    await agentView.nextOfType("hello");
    await eventually(async () =>
      expect(bodies(agentView)).toEqual(["customer:Do you sell bicycles?", "bot:Let me get you a person from our team.", `system:${summary.body}`]),
    );
    await sendAndWait(agentView, "a1", "Not yet, but we have cycling socks!");
    expect((await socket.next((f) => f.type === "message" && f.author.kind === "agent")).body).toBe("Not yet, but we have cycling socks!");
    expect(botMessages(socket)).toHaveLength(1);
  });

  it("hands off at once when the customer asks for a person, in English or Swedish, or uses Talk to a person", async () => {
    await setAi({ enabled: true });
    for (const ask of ["Can I talk to a human please?", "Jag vill prata med en människa"]) {
      const { socket } = await chat();
      await sendAndWait(socket, "q1", ask);
      const told = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
      expect(told.ai.handoff.reason).toBe("asked_for_human");
    }
    const { ticket, socket } = await chat();
    await sendAndWait(socket, "q1", "What is your return policy?");
    await socket.next((f) => f.type === "message" && f.author.kind === "bot" && !f.ai.handoff);
    socket.send({ type: "handoff" });
    const told = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    expect(told.ai.handoff).toEqual({ reason: "asked_for_human", target: "inbox" });
    await eventually(async () => expect(await listed("status=open")).toContain(ticket.id));
  });

  it("lets a person answer from the start when Talk to a person comes before the first message", async () => {
    await setAi({ enabled: true });
    const { ticket, socket } = await chat();
    socket.send({ type: "handoff" });
    expect(await socket.nextOfType("ai")).toEqual({ type: "ai", mode: "off" });
    await sendAndWait(socket, "q1", "What is your return policy?");
    await eventually(async () => expect(await listed("status=open")).toContain(ticket.id));
    expect(botMessages(socket)).toEqual([]);
  });

  it("hands off after maxTurns answers when the customer writes again", async () => {
    await setAi({ enabled: true, maxTurns: 1 });
    const { socket } = await chat();
    await sendAndWait(socket, "q1", "What is your return policy?");
    await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    await sendAndWait(socket, "q2", "What is your return policy for sale items?");
    const told = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    expect(told.ai.handoff.reason).toBe("unresolved");
    expect((await socket.next((f) => f.type === "message" && f.author.kind === "system")).body).toContain("still unresolved after 1 AI answers");
  });

  it("is taken over by an admin who replies from the AI view: the chat enters the inbox and the AI stops", async () => {
    await setAi({ enabled: true });
    const { ticket, socket } = await chat();
    await sendAndWait(socket, "q1", "What is your return policy?");
    await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    const adminView = track(await agentSocket(ticket.id, admin));
    await adminView.nextOfType("hello");
    await sendAndWait(adminView, "take", "Hi, I'm Alex from the team; happy to help further.");
    expect(await socket.nextOfType("ai")).toEqual({ type: "ai", mode: "off" });
    await sendAndWait(socket, "q2", "Thanks! What about sale items?");
    await eventually(async () => expect(await record(ticket.id, agent.cookie)).toMatchObject({ handledByAi: false }));
    expect(botMessages(socket)).toHaveLength(1);
  });
});

describe("handoff with a message", () => {
  it("tells the customer the configured message and ends the chat, which stays in the AI view", async () => {
    await setAi({ enabled: true, handoff: "message", handoffMessage: "We answer by email: write to help@shop.example." });
    const { ticket, socket } = await chat();
    await sendAndWait(socket, "q1", "Do you sell bicycles?");
    const told = await socket.next((f) => f.type === "message" && f.author.kind === "bot");
    expect(told).toMatchObject({ body: "We answer by email: write to help@shop.example.", ai: { handoff: { target: "message" } } });
    expect(await socket.nextOfType("status")).toMatchObject({ status: "closed" });
    expect((await sendAndWait(socket, "q2", "Hello?")).code).toBe("conversation_closed");
    await eventually(async () => expect(await listed("view=ai")).toContain(ticket.id));
    expect(await listed("status=closed")).not.toContain(ticket.id);
  });
});
