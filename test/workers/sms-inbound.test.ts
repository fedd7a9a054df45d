// Inbound SMS through Twilio's signed webhook (against the local stand-in, wire-services.ts): the
// profile and ticket a number's texts go to, refusals, duplicates, and MMS media.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TicketT } from "../../contract";
import { db } from "../../worker/db/client";
import { findOrCreateProfileByPhone, inboundBody, storeInboundMedia } from "../../worker/lib/sms/inbound";
import { BASE, call, customer, customerSocket, eventually, expectError, json, sendAndWait, startChat } from "./helpers";
import {
  admin,
  authToken,
  config,
  configureSms,
  conversation,
  EMPTY_TWIML,
  history,
  inbound,
  newPhone,
  postTwilio,
  profilesWithPhone,
  text,
  ticketOfSid,
  useSmsAccount,
  wire,
} from "./sms-fixtures";
import { signedTwilioRequest } from "./wire-control";

useSmsAccount();

const smsTicketsOf = async (profileId: string) =>
  (await env.DB.prepare("SELECT id, status FROM tickets WHERE profile_id = ? AND channel = 'sms'").bind(profileId).all<{ id: string; status: string }>())
    .results;

describe("inbound pieces", () => {
  it("makes one profile for a new number even when its first texts race", async () => {
    const phone = newPhone();
    const database = db(env.DB);
    const profiles = await Promise.all([1, 2, 3, 4].map(() => findOrCreateProfileByPhone(database, phone)));
    expect(new Set(profiles.map((profile) => profile.id)).size).toBe(1);
    expect(profiles[0]).toMatchObject({ phone, externalId: null, name: null });
    expect(await profilesWithPhone(phone)).toHaveLength(1);
  });

  it("finds the oldest profile the store gave that number", async () => {
    const phone = newPhone();
    for (const externalId of [`first-${phone}`, `second-${phone}`]) {
      await json(
        await call("/api/events", { method: "POST", token: env.API_KEY, json: { profile: { externalId, phone }, event: { name: "Signed Up" } } }),
        202,
      );
    }
    expect((await findOrCreateProfileByPhone(db(env.DB), phone)).externalId).toBe(`first-${phone}`);
  });

  it("keeps images from MMS media as the customer's uploads and names the rest in the text", async () => {
    const media = [
      { url: wire.twilioMedia("photo.png"), contentType: "image/png" },
      { url: wire.twilioMedia("notes.txt"), contentType: "text/plain" },
      { url: wire.twilioMedia("fake.jpg"), contentType: "image/jpeg" },
      { url: wire.twilioMedia("huge.png"), contentType: "image/png" },
      { url: wire.twilioMedia("missing.gif"), contentType: "image/gif" },
      // Not Twilio's host: the account's credentials are never sent there.
      { url: "http://127.0.0.1:9/elsewhere.png", contentType: "image/png" },
    ];
    const { attachments, notes } = await storeInboundMedia(env.UPLOADS, config(), "prf_test", media);
    expect(attachments).toHaveLength(1);
    const stored = await env.UPLOADS.head(attachments[0]!.key);
    expect(stored?.httpMetadata?.contentType).toBe("image/png");
    expect(stored?.customMetadata).toEqual({ owner: "customer:prf_test" });
    expect(attachments[0]!.key).toMatch(/^[0-9a-f]{32}$/);
    expect(notes).toEqual([
      "[text/plain attachment not shown: only png, jpeg, gif and webp images are kept]",
      "[image/jpeg attachment not shown: only png, jpeg, gif and webp images are kept]",
      "[image/png attachment not shown: it is over 10 MiB]",
      "[image/gif attachment not shown: it could not be fetched]",
      "[image/png attachment not shown: it could not be fetched]",
    ]);

    const wrongToken = await storeInboundMedia(env.UPLOADS, { ...config(), authToken: "nope" }, "prf_test", media.slice(0, 1));
    expect(wrongToken).toEqual({ attachments: [], notes: ["[image/png attachment not shown: it could not be fetched]"] });
  });

  it("writes the stored text of a message: media alone, notes, and the length limit", () => {
    expect(inboundBody("", [], 1)).toBe("(image)");
    expect(inboundBody("  ", [], 0)).toBe("(empty message)");
    expect(inboundBody("Look", ["[video/mp4 attachment not shown: …]"], 0)).toBe("Look\n[video/mp4 attachment not shown: …]");
    const long = inboundBody("x".repeat(5000), [], 0);
    expect(long).toHaveLength(4000);
    expect(long.endsWith("x…")).toBe(true);
  });
});

describe("POST /api/sms/twilio", () => {
  it("opens an SMS ticket in the inbox for a new number, with a new profile", async () => {
    const phone = newPhone();
    const params = inbound(phone, "Do you ship to Canada?");
    expect(await text(params)).toBe(EMPTY_TWIML);
    const [profile] = await profilesWithPhone(phone);
    expect(profile).toBeDefined();
    const ticketId = (await ticketOfSid(params.MessageSid))!;
    const listed = await eventually(async () => {
      const { tickets } = await json<{ tickets: TicketT[] }>(await call("/api/tickets?channel=sms", { cookie: admin }), 200);
      const ticket = tickets.find((candidate) => candidate.id === ticketId);
      expect(ticket).toBeDefined();
      return ticket!;
    });
    expect(listed).toMatchObject({ channel: "sms", status: "open", unread: true, preview: "Do you ship to Canada?", profileId: profile!.id });
    const [message] = await history(ticketId);
    expect(message).toMatchObject({ clientId: params.MessageSid, body: "Do you ship to Canada?", author: { kind: "customer", id: profile!.id } });
  });

  it("refuses a forged or missing signature with 403 and stores nothing", async () => {
    const phone = newPhone();
    const params = inbound(phone, "let me in");
    await expectError(await postTwilio("/api/sms/twilio", params, "not-the-auth-token"), 403, "forbidden");
    const unsigned = await exports.default.fetch(
      new Request(`${BASE}/api/sms/twilio`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(params),
      }),
    );
    await expectError(unsigned, 403, "forbidden");
    // Signed for another URL: the query is part of what Twilio signs.
    const moved = await signedTwilioRequest(`${BASE}/api/sms/twilio?campaign=1`, params, authToken);
    await expectError(
      await exports.default.fetch(new Request(`${BASE}/api/sms/twilio`, { method: "POST", headers: moved.headers, body: new URLSearchParams(params) })),
      403,
      "forbidden",
    );
    // A parameter changed after signing.
    const signed = await signedTwilioRequest(`${BASE}/api/sms/twilio`, params, authToken);
    await expectError(
      await exports.default.fetch(
        new Request(signed.url, { method: "POST", headers: signed.headers, body: new URLSearchParams({ ...params, Body: "something else" }) }),
      ),
      403,
      "forbidden",
    );
    expect(await profilesWithPhone(phone)).toEqual([]);
    expect(await ticketOfSid(params.MessageSid)).toBeNull();
  });

  it("refuses malformed webhooks with 400 naming the field", async () => {
    const phone = newPhone();
    const { MessageSid: _, ...noSid } = inbound(phone, "hi");
    expect((await expectError(await postTwilio("/api/sms/twilio", noSid), 400, "invalid_request")).message).toMatch(/^MessageSid/);
    expect((await expectError(await postTwilio("/api/sms/twilio", inbound("5551234", "hi")), 400, "invalid_request")).message).toMatch(
      /^From: must be a phone number in E\.164/,
    );
    const { From: __, ...noFrom } = inbound(phone, "hi");
    expect((await expectError(await postTwilio("/api/sms/twilio", noFrom), 400, "invalid_request")).message).toMatch(/^From/);
    expect(await profilesWithPhone(phone)).toEqual([]);
  });

  it("says so, with 403, while SMS is not set up", async () => {
    await configureSms({ enabled: false });
    try {
      const phone = newPhone();
      const error = await expectError(await postTwilio("/api/sms/twilio", inbound(phone, "hello?")), 403, "forbidden");
      expect(error.message).toContain("SMS is not set up");
      expect(await profilesWithPhone(phone)).toEqual([]);
    } finally {
      await configureSms();
    }
  });

  it("stores a retried MessageSid once, also after its ticket closed", async () => {
    const phone = newPhone();
    const params = inbound(phone, "Where is order 1001?");
    expect(await text(params)).toBe(EMPTY_TWIML);
    expect(await text(params)).toBe(EMPTY_TWIML);
    const ticketId = (await ticketOfSid(params.MessageSid))!;
    expect((await history(ticketId)).filter((message) => message.author.kind === "customer")).toHaveLength(1);

    await json(await call(`/api/tickets/${ticketId}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
    expect(await text(params)).toBe(EMPTY_TWIML);
    const [profile] = await profilesWithPhone(phone);
    // The close reaches D1's index a moment later; no second ticket is ever opened.
    await eventually(async () => expect(await smsTicketsOf(profile!.id)).toEqual([{ id: ticketId, status: "closed" }]));
  });

  it("keeps a number's texts in its open ticket, and starts a new ticket once that one closed", async () => {
    const { phone, ticketId } = await conversation("First");
    const second = inbound(phone, "Second");
    await text(second);
    expect(await ticketOfSid(second.MessageSid)).toBe(ticketId);
    expect((await history(ticketId)).map((message) => message.body)).toEqual(["First", "Second"]);

    await json(await call(`/api/tickets/${ticketId}`, { method: "PATCH", cookie: admin, json: { status: "closed" } }), 200);
    const third = inbound(phone, "Third, after you closed it");
    await text(third);
    const next = await ticketOfSid(third.MessageSid);
    expect(next).not.toBe(ticketId);
    expect((await history(next!)).map((message) => message.body)).toEqual(["Third, after you closed it"]);
  });

  it("puts two racing first texts from one number into one ticket of one profile", async () => {
    const phone = newPhone();
    const texts = [inbound(phone, "one"), inbound(phone, "two")];
    await Promise.all(texts.map(text));
    expect(await profilesWithPhone(phone)).toHaveLength(1);
    const [first, second] = await Promise.all(texts.map((params) => ticketOfSid(params.MessageSid)));
    expect(first).toBe(second);
    expect((await history(first!)).map((message) => message.body).sort()).toEqual(["one", "two"]);
  });

  it("gives the store's customer an SMS ticket beside their open web chat", async () => {
    const phone = newPhone();
    const externalId = `cust-${crypto.randomUUID()}`;
    await json(
      await call("/api/events", {
        method: "POST",
        token: env.API_KEY,
        json: { profile: { externalId, phone, name: "Ada Phone" }, event: { name: "Signed Up" } },
      }),
      202,
    );
    const shopper = await customer(externalId, "Ada Phone");
    const webchat = await startChat(shopper.token);
    const socket = await customerSocket(webchat.id, shopper.token);
    expect((await sendAndWait(socket, crypto.randomUUID(), "Chatting on the web")).type).toBe("ack");
    socket.close();

    const params = inbound(phone, "And texting too");
    await text(params);
    const smsTicket = (await ticketOfSid(params.MessageSid))!;
    expect(await profilesWithPhone(phone)).toEqual([{ id: shopper.profileId }]);
    await eventually(async () => {
      const { tickets } = await json<{ tickets: TicketT[] }>(await call("/api/tickets?status=open", { cookie: admin }), 200);
      const mine = tickets.filter((ticket) => ticket.profileId === shopper.profileId).map((ticket) => [ticket.id, ticket.channel]);
      expect(mine.sort()).toEqual(
        [
          [webchat.id, "webchat"],
          [smsTicket, "sms"],
        ].sort(),
      );
    });
  });

  it("stores MMS images with the text and serves them", async () => {
    const phone = newPhone();
    const params = inbound(phone, "", {
      NumMedia: "2",
      MediaUrl0: wire.twilioMedia("photo.png"),
      MediaContentType0: "image/png",
      MediaUrl1: wire.twilioMedia("notes.txt"),
      MediaContentType1: "text/plain",
    });
    await text(params);
    const [message] = await history((await ticketOfSid(params.MessageSid))!);
    expect(message!.body).toBe("[text/plain attachment not shown: only png, jpeg, gif and webp images are kept]");
    expect(message!.attachments).toHaveLength(1);
    expect(message!.attachments[0]).toMatchObject({ contentType: "image/png", url: `${BASE}/api/uploads/${message!.attachments[0]!.key}` });
    const served = await call(`/api/uploads/${message!.attachments[0]!.key}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("Content-Type")).toBe("image/png");
    expect([...new Uint8Array(await served.arrayBuffer()).slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);

    const onlyImage = inbound(phone, "", { NumMedia: "1", MediaUrl0: wire.twilioMedia("photo.png"), MediaContentType0: "image/png" });
    await text(onlyImage);
    expect((await history((await ticketOfSid(onlyImage.MessageSid))!)).at(-1)!.body).toBe("(image)");
  });

  it("cuts a body past the message limit", async () => {
    const phone = newPhone();
    const params = inbound(phone, "y".repeat(4500));
    await text(params);
    const [message] = await history((await ticketOfSid(params.MessageSid))!);
    expect(message!.body).toBe(`${"y".repeat(3999)}…`);
  });
});
