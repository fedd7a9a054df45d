// `GET /api/widget/conversations/active`: the contract's `404 not_found` without an open chat stays
// the default (v1 clients), and `?missing=null` lets the widget ask for `200 {"ticket": null}`
// instead, so a shopper without a chat logs no failed request on every page view (docs/api.md).
import { describe, expect, it } from "vitest";
import { call, customer, customerSocket, expectError, json, startChat } from "./helpers";

const active = (token: string, query = "") => call(`/api/widget/conversations/active${query}`, { token });

describe("GET /api/widget/conversations/active", () => {
  it("answers 404 not_found without an open chat, as the contract says", async () => {
    const shopper = await customer();
    await expectError(await active(shopper.token), 404, "not_found");
  });

  it("answers 200 {ticket: null} with ?missing=null, to customers and anonymous visitors alike", async () => {
    const shopper = await customer();
    expect(await json(await active(shopper.token, "?missing=null"), 200)).toEqual({ ticket: null });
    const { token } = await json(await call("/api/widget/session", { method: "POST", json: {} }), 200);
    expect(await json(await active(token, "?missing=null"), 200)).toEqual({ ticket: null });
    // The token is still required.
    await expectError(await call("/api/widget/conversations/active?missing=null"), 401, "unauthorized");
  });

  it("answers 200 {ticket} with the open chat, with or without ?missing=null", async () => {
    const shopper = await customer();
    const ticket = await startChat(shopper.token);
    for (const query of ["", "?missing=null"]) {
      const body = await json(await active(shopper.token, query), 200);
      expect(body.ticket, query).toMatchObject({ id: ticket.id, status: "open", channel: "webchat", profileId: shopper.profileId });
    }
    // Ended, it is no longer the open chat.
    const socket = await customerSocket(ticket.id, shopper.token);
    await socket.nextOfType("hello");
    socket.send({ type: "end" });
    await socket.next((f) => f.type === "status" && f.status === "closed");
    socket.close();
    expect(await json(await active(shopper.token, "?missing=null"), 200)).toEqual({ ticket: null });
    await expectError(await active(shopper.token), 404, "not_found");
  });

  it("refuses any other value of missing with 400 invalid_request naming it", async () => {
    const shopper = await customer();
    await startChat(shopper.token);
    for (const query of ["?missing=", "?missing=NULL", "?missing=404", "?missing=true", "?missing=null&missing=null"]) {
      const error = await expectError(await active(shopper.token, query), 400, "invalid_request");
      expect(error.message, query).toMatch(/^missing/);
    }
  });

  it("documents the query and the nullable ticket in the OpenAPI document", async () => {
    const doc = await json(await call("/api/openapi.json"), 200);
    const operation = doc.paths["/api/widget/conversations/active"].get;
    expect(operation.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "missing", in: "query" })]));
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "404"]));
    const schema = operation.responses["200"].content["application/json"].schema;
    expect(schema.$ref).toBe("#/components/schemas/ActiveTicketResponse");
    const ticket = doc.components.schemas.ActiveTicketResponse.properties.ticket;
    expect(JSON.stringify(ticket)).toContain("null");
  });
});
