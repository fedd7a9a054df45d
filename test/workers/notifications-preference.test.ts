// The agent's own notification preference: an email when a customer replies on a ticket
// assigned to them (PATCH /api/me).
import { describe, expect, it } from "vitest";
import { addAgent, call, expectError, json, login } from "./helpers";
import { admin, useNotificationsAdmin } from "./notifications-fixtures";

useNotificationsAdmin();

describe("PATCH /api/me", () => {
  it("sets the agent's own reply preference and returns the agent as stored; GET /api/me agrees at once", async () => {
    const { agent, cookie } = await addAgent(admin);
    expect(agent.notifyOnAssignedReply).toBe(false);
    const on = await json(await call("/api/me", { method: "PATCH", cookie, json: { notifyOnAssignedReply: true } }), 200);
    expect(on.agent).toEqual({ ...agent, notifyOnAssignedReply: true });
    expect((await json(await call("/api/me", { cookie }), 200)).agent).toEqual(on.agent);
    const off = await json(await call("/api/me", { method: "PATCH", cookie, json: { notifyOnAssignedReply: false } }), 200);
    expect(off.agent.notifyOnAssignedReply).toBe(false);
    expect((await json(await call("/api/me", { cookie }), 200)).agent.notifyOnAssignedReply).toBe(false);
  });

  it("is what GET /api/me answers at once in the agent's other sessions too (another browser), though they were checked just before", async () => {
    const { agent, cookie } = await addAgent(admin);
    const otherBrowser = await login(agent.email, "agent-password-123");
    expect((await json(await call("/api/me", { cookie: otherBrowser }), 200)).agent.notifyOnAssignedReply).toBe(false);
    await json(await call("/api/me", { method: "PATCH", cookie, json: { notifyOnAssignedReply: true } }), 200);
    expect((await json(await call("/api/me", { cookie: otherBrowser }), 200)).agent.notifyOnAssignedReply).toBe(true);
    await json(await call("/api/me", { method: "PATCH", cookie: otherBrowser, json: { notifyOnAssignedReply: false } }), 200);
    expect((await json(await call("/api/me", { cookie }), 200)).agent.notifyOnAssignedReply).toBe(false);
  });

  it("refuses an unknown field, a non-boolean or an empty body with 400 naming the field, changing nothing; 401 without a session", async () => {
    const { agent, cookie } = await addAgent(admin);
    for (const [body, field] of [
      [{ notifyOnAssignedReply: true, role: "admin" }, /^body: .*role/],
      [{ notifyOnAssignedReply: "yes" }, /^notifyOnAssignedReply:/],
      [{}, /^notifyOnAssignedReply:/],
    ] as const) {
      const error = await expectError(await call("/api/me", { method: "PATCH", cookie, json: body }), 400, "invalid_request");
      expect(error.message, JSON.stringify(body)).toMatch(field);
    }
    expect((await json(await call("/api/me", { cookie }), 200)).agent).toEqual(agent);
    await expectError(await call("/api/me", { method: "PATCH", json: { notifyOnAssignedReply: true } }), 401, "unauthorized");
  });
});
