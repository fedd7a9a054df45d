// The AI agent handing a conversation over to a help desk, against the local Zendesk and Gorgias
// stand-ins (wire-services.ts): the ticket made, retries, giving up, and the stored keys.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, catchWarnings, eventually, expectError, json, seen, sendAndWait } from "./helpers";
import { admin, agent, chat, listed, setAi, useAiAgent, wire } from "./ai-agent-fixtures";

useAiAgent();

describe("handoff to a help desk", () => {
  async function useDesk(target: "zendesk" | "gorgias") {
    const { email } = wire.credentials[target];
    const key = target === "zendesk" ? wire.credentials.zendesk.apiToken : wire.credentials.gorgias.apiKey;
    await setAi({ enabled: true, handoff: target, [target]: { baseUrl: wire.baseUrl[target], email } });
    await json(await call(`/api/credentials/${target}`, { method: "PUT", cookie: admin, json: { value: key } }), 204);
    return key;
  }

  async function handoffOf(ticketId: string) {
    const { handoffs } = await json(await call("/api/ai/handoffs", { cookie: admin }), 200);
    return handoffs.find((h: { ticketId: string }) => h.ticketId === ticketId);
  }

  it("creates a Zendesk ticket with the transcript, names it in a note and closes the Parley ticket", async () => {
    const token = await useDesk("zendesk");
    const { ticket, socket, shopper } = await chat();
    await sendAndWait(socket, "q1", "Do you sell bicycles? 🚲");
    const note = await socket.next((f) => f.type === "message" && f.author.kind === "system" && f.body.includes("Zendesk ticket"), 5000);
    const [request] = await wire.requests("zendesk");
    expect(request!.method).toBe("POST");
    expect(request!.path).toBe("/api/v2/tickets.json");
    expect(request!.headers.authorization).toBe(`Basic ${btoa(`${wire.credentials.zendesk.email}/token:${token}`)}`);
    const body = JSON.parse(request!.body);
    expect(body.ticket.comment.body).toContain("Do you sell bicycles? 🚲");
    expect(body.ticket.requester).toEqual({ name: shopper.name, email: "casey@example.com" });
    expect(body.ticket.subject).toContain("Handed over by the AI agent");
    const created = /Zendesk ticket (\d+) was created/.exec(note.body)![1];
    expect(await socket.nextOfType("status")).toMatchObject({ status: "closed" });
    await eventually(async () =>
      expect(await handoffOf(ticket.id)).toMatchObject({ target: "zendesk", status: "delivered", attempts: 1, externalId: created, lastError: null }),
    );
    // The credential is never echoed back; the settings learn its host.
    const status = await json(await call("/api/credentials", { cookie: admin }), 200);
    expect(status.zendesk).toEqual({ set: true, host: new URL(wire.baseUrl.zendesk).host, matches: true });
    expect(JSON.stringify(status)).not.toContain(token);
  });

  it("retries Zendesk while it is down (503, then 429 with Retry-After), without a second ticket, and delivers once it is back", async () => {
    const warnings = catchWarnings(/Zendesk handoff attempt \d+ failed: Zendesk answered (503|429)/);
    await useDesk("zendesk");
    await wire.queue("zendesk", { kind: "fail", status: 503, times: 2 }, { kind: "fail", status: 429, retryAfter: "1" });
    const { ticket, socket } = await chat();
    await sendAndWait(socket, "q1", "Do you sell bicycles?");
    // Two quick retries, then the help desk's Retry-After (1 s) holds the third.
    await eventually(async () => expect(await handoffOf(ticket.id)).toMatchObject({ status: "pending", attempts: 3 }), 5000);
    const note = await socket.next((f) => f.type === "message" && f.author.kind === "system" && f.body.includes("Zendesk ticket"), 10_000);
    expect(note.body).toMatch(/Zendesk ticket \d+ was created/);
    const requests = await wire.requests("zendesk");
    expect(requests).toHaveLength(4);
    // The same Idempotency-Key on every attempt: a retry after a lost reply makes no second ticket.
    expect(new Set(requests.map((r) => r.headers["idempotency-key"]))).toEqual(new Set([`parley-${ticket.id}`]));
    expect(await handoffOf(ticket.id)).toMatchObject({ status: "delivered", attempts: 4 });
    expect(warnings.seen(), warnings.caught.join("\n")).toBe(true);
  });

  it("sends a Gorgias handoff refused for its key (401) to the inbox at once, and logs why; the customer's thread says only that", async () => {
    const warnings = catchWarnings(/Gorgias handoff attempt 1 failed: Gorgias answered 401/);
    await useDesk("gorgias");
    await json(await call("/api/credentials/gorgias", { method: "PUT", cookie: admin, json: { value: "wrong-key" } }), 204);
    const { ticket, socket } = await chat();
    await sendAndWait(socket, "q1", "Do you sell bicycles?");
    const fallback = await seen(socket, (f) => f.type === "message" && f.author.kind === "system" && f.body.startsWith("Could not create"), 0, 5000);
    expect(fallback.body).toBe(
      "Could not create the Gorgias ticket (it refused the request; see the handoff log in the AI settings). The conversation is in the inbox instead.",
    );
    await eventually(async () => expect(await listed("status=open")).toContain(ticket.id));
    const logged = await handoffOf(ticket.id);
    expect(logged).toMatchObject({ status: "failed", attempts: 1 });
    expect(logged.lastError).toContain("401");
    expect(logged.lastError).not.toContain("wrong-key");
    // What the customer reads (random ids in the frames may well contain "401").
    expect(JSON.stringify(socket.frames.filter((frame) => frame.type === "message").map((frame) => frame.body))).not.toContain("401");
    expect(warnings.seen(), warnings.caught.join("\n")).toBe(true);
  });

  it("gives up after 8 attempts while the help desk stays down, and sends the conversation to the inbox", async () => {
    const warnings = catchWarnings(/Zendesk handoff attempt 8 failed/);
    await useDesk("zendesk");
    await wire.queue("zendesk", { kind: "fail", status: 503, times: 8 });
    const { ticket, socket } = await chat();
    await sendAndWait(socket, "q1", "Do you sell bicycles?");
    const fallback = await seen(socket, (f) => f.type === "message" && f.author.kind === "system" && f.body.startsWith("Could not create"), 0, 15_000);
    expect(fallback.body).toBe("Could not create the Zendesk ticket (it could not be reached). The conversation is in the inbox instead.");
    expect(await wire.requests("zendesk")).toHaveLength(8);
    expect(await handoffOf(ticket.id)).toMatchObject({ status: "failed", attempts: 8 });
    await eventually(async () => expect(await listed("status=open")).toContain(ticket.id));
    expect(warnings.seen(), warnings.caught.join("\n")).toBe(true);
  });

  it("still delivers a handoff the customer ended the chat during, and adds nothing to the closed ticket", async () => {
    const warnings = catchWarnings(/Zendesk handoff attempt \d+ failed/);
    await useDesk("zendesk");
    await wire.queue("zendesk", { kind: "fail", status: 503, times: 2 });
    const { ticket, socket } = await chat();
    await sendAndWait(socket, "q1", "Do you sell bicycles?");
    await seen(socket, (f) => f.type === "ai" && f.mode === "handed_off");
    socket.send({ type: "end" });
    await seen(socket, (f) => f.type === "status" && f.status === "closed");
    const lastSeq = socket.messages().at(-1)!.seq;
    await eventually(async () => expect(await handoffOf(ticket.id)).toMatchObject({ status: "delivered", externalId: expect.any(String) }), 5000);
    const history = await json(await call(`/api/tickets/${ticket.id}/messages`, { cookie: admin }), 200);
    expect(history.messages.at(-1).seq).toBe(lastSeq);
    expect(warnings.seen(), warnings.caught.join("\n")).toBe(true);
  });

  it("refuses to choose a help desk that is not set up, and keeps /api/ai for admins", async () => {
    const error = await expectError(
      await call("/api/settings", { method: "PATCH", cookie: admin, json: { ai: { handoff: "zendesk", zendesk: { baseUrl: null, email: null } } } }),
      400,
      "invalid_request",
    );
    expect(error.message).toMatch(/^ai\.zendesk\.baseUrl: /);
    expect((await json(await call("/api/settings", { cookie: admin }), 200)).ai.handoff).toBe("inbox");
    for (const [method, path] of [
      ["GET", "/api/credentials"],
      ["GET", "/api/ai/handoffs"],
      ["POST", "/api/ai/try"],
      ["PUT", "/api/credentials/openai"],
    ] as const) {
      await expectError(
        await call(path, { method, cookie: agent.cookie, json: method === "GET" ? undefined : { question: "x", value: "x" } }),
        403,
        "forbidden",
      );
    }
    await expectError(await call("/api/credentials/openai", { method: "PUT", cookie: admin, json: { value: "  " } }), 400, "invalid_request");
    await expectError(await call("/api/credentials/stripe", { method: "PUT", cookie: admin, json: { value: "k" } }), 400, "invalid_request");
    // A key needs its service's address first; an address must be https (or this machine).
    expect(
      (await expectError(await call("/api/credentials/gorgias", { method: "PUT", cookie: admin, json: { value: "k" } }), 400, "invalid_request")).message,
    ).toMatch(/^ai\.gorgias\.baseUrl: /);
    expect(
      (
        await expectError(
          await call("/api/settings", { method: "PATCH", cookie: admin, json: { ai: { gorgias: { baseUrl: "http://shop.gorgias.com" } } } }),
          400,
          "invalid_request",
        )
      ).message,
    ).toBe("ai.gorgias.baseUrl: must be an https URL");
  });

  it("never sends a stored key to an address it was not entered for", async () => {
    const warnings = catchWarnings(/Zendesk handoff attempt 1 failed: Zendesk is not fully set up/);
    const key = await useDesk("zendesk");
    // An admin points Zendesk elsewhere: the stored key no longer applies, there or anywhere.
    await setAi({ zendesk: { baseUrl: "https://elsewhere.example" } });
    expect((await json(await call("/api/credentials", { cookie: admin }), 200)).zendesk).toEqual({
      set: true,
      host: new URL(wire.baseUrl.zendesk).host,
      matches: false,
    });
    await setAi({ zendesk: { baseUrl: wire.baseUrl.zendesk } });
    expect((await json(await call("/api/credentials", { cookie: admin }), 200)).zendesk.matches).toBe(true);
    // Sealed to its host: moved to another row (as a database edit might), it does not open.
    await env.DB.prepare("UPDATE credentials SET host = 'elsewhere.example' WHERE name = 'zendesk'").run();
    await setAi({ zendesk: { baseUrl: "https://elsewhere.example" } });
    const { ticket, socket } = await chat();
    await sendAndWait(socket, "q1", "Do you sell bicycles?");
    await seen(socket, (f) => f.type === "message" && f.author.kind === "system" && f.body.startsWith("Could not create"), 0, 5000);
    expect((await handoffOf(ticket.id)).lastError).toContain("not fully set up");
    expect(key).not.toBe("");
    expect(warnings.seen(), warnings.caught.join("\n")).toBe(true);
  });
});
