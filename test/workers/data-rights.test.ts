// A customer's data rights (spec v2 "Customer data rights"): the export hands an admin one JSON
// document with everything Parley holds of the person, across their tickets and channels.
import { describe, expect, it } from "vitest";
import { addAgent, call, customer, customerSocket, eventually, expectError, json, login, sendAndWait, startChat } from "./helpers";

const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

describe("GET /api/profiles/:id/export", () => {
  it("gives the profile, its events, every ticket with its messages, notes and rating, and its images", async () => {
    const admin = await login();
    const shopper = await customer();
    await json(
      await call("/api/events", {
        method: "POST",
        headers: { Authorization: "Bearer test-api-key" },
        json: { profile: { externalId: shopper.externalId }, event: { name: "Placed Order", value: 49, properties: { orderId: "#77" } } },
      }),
      202,
    );
    const ticket = await startChat(shopper.token);
    const socket = await customerSocket(ticket.id, shopper.token);
    await socket.nextOfType("hello");
    await sendAndWait(socket, crypto.randomUUID(), "My scarf has a hole");
    const form = new FormData();
    form.set("file", new File([PNG], "pixel.png", { type: "image/png" }));
    const { key } = await json(await call("/api/uploads", { method: "POST", cookie: admin, body: form }), 201);
    const post = (body: string, attachments?: Array<{ key: string }>) =>
      call(`/api/tickets/${ticket.id}/messages`, {
        method: "POST",
        cookie: admin,
        json: { clientId: crypto.randomUUID(), body, ...(attachments ? { attachments } : {}) },
      });
    await json(await post("Is this the hole?", [{ key }]), 201);
    await json(
      await call(`/api/tickets/${ticket.id}/notes`, { method: "POST", cookie: admin, json: { clientId: crypto.randomUUID(), body: "Send a new one" } }),
      201,
    );
    socket.send({ type: "end" });
    await socket.next((f) => f.type === "status" && f.status === "closed");
    await json(
      await call(`/api/widget/conversations/${ticket.id}/rating`, { method: "POST", token: shopper.token, json: { score: 4, comment: "Quick" } }),
      201,
    );
    const second = await startChat(shopper.token);

    const response = await eventually(async () => {
      const answer = await call(`/api/profiles/${shopper.profileId}/export`, { cookie: admin });
      const body = await json(answer.clone(), 200);
      expect(body.tickets[0]?.ticket.rating?.score).toBe(4);
      return answer;
    });
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="parley-profile-${shopper.profileId}.json"`);
    const data = await response.json<any>();
    expect(data.profile).toMatchObject({ id: shopper.profileId, externalId: shopper.externalId, name: shopper.name, email: "casey@example.com" });
    expect(data.events).toEqual([expect.objectContaining({ name: "Placed Order", value: 49, properties: { orderId: "#77" } })]);
    expect(data.tickets.map((t: any) => t.ticket.id)).toEqual([ticket.id, second.id]);
    expect(data.tickets[0].messages.map((m: any) => [m.author.kind, m.body])).toEqual([
      ["customer", "My scarf has a hole"],
      ["agent", "Is this the hole?"],
    ]);
    expect(data.tickets[0].notes.map((n: any) => n.body)).toEqual(["Send a new one"]);
    expect(data.tickets[0].ticket.rating).toMatchObject({ score: 4, comment: "Quick" });
    expect(data.tickets[1].messages).toEqual([]);
    expect(data.uploads).toEqual([{ ticketId: ticket.id, seq: 2, url: expect.stringContaining(key), contentType: "image/png", size: PNG.length }]);
    socket.close();
  });

  it("is for admins: an agent gets 403, no session 401, an unknown profile 404", async () => {
    const admin = await login();
    const shopper = await customer();
    const agent = await addAgent(admin);
    await expectError(await call(`/api/profiles/${shopper.profileId}/export`, { cookie: agent.cookie }), 403, "forbidden");
    await expectError(await call(`/api/profiles/${shopper.profileId}/export`), 401, "unauthorized");
    await expectError(await call("/api/profiles/prf_nobody/export", { cookie: admin }), 404, "not_found");
  });
});
