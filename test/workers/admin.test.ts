// Settings, FAQs and macros: admin-only writes, validation that names the field and changes
// nothing, and the public widget config that reflects every change at once.
import { beforeAll, describe, expect, it } from "vitest";
import { addAgent, call, expectError, json, login } from "./helpers";

let admin: string;
let agent: string;

beforeAll(async () => {
  admin = await login();
  agent = (await addAgent(admin, "agent")).cookie;
});

const getSettings = async () => json(await call("/api/settings", { cookie: admin }), 200);
const patchSettings = (patch: unknown, cookie = admin) => call("/api/settings", { method: "PATCH", cookie, json: patch });
const widgetConfig = async () => json(await call("/api/widget/config"), 200);

describe("settings", () => {
  it("GET returns the whole settings object to an admin; agents get 403 forbidden, no session 401", async () => {
    const settings = await getSettings();
    expect(Object.keys(settings).sort()).toEqual(
      [
        "ai",
        "allowedOrigins",
        "csat",
        "emailContinuity",
        "links",
        "loginStatus",
        "notifyEmails",
        "notifyFrom",
        "officeHours",
        "sms",
        "translations",
        "webchatEnabled",
        "welcomeMessage",
      ].sort(),
    );
    expect(settings).toMatchObject({
      webchatEnabled: true,
      loginStatus: expect.stringMatching(/^(all|logged_in)$/),
      links: { privacy: null, terms: null },
      officeHours: { enabled: expect.any(Boolean), timezone: expect.any(String), weekly: expect.any(Array), closedMessage: expect.any(String) },
      allowedOrigins: [],
      notifyEmails: [],
      emailContinuity: { enabled: true, delayMinutes: 5, teamName: null, chatUrl: null, color: null },
      ai: { enabled: expect.any(Boolean), handoff: expect.stringMatching(/^(inbox|zendesk|gorgias|message)$/), handoffMessage: expect.any(String) },
    });

    await expectError(await call("/api/settings", { cookie: agent }), 403, "forbidden");
    await expectError(await call("/api/settings"), 401, "unauthorized");
    await expectError(await patchSettings({ welcomeMessage: "agent was here" }, agent), 403, "forbidden");
    await expectError(await call("/api/settings", { method: "PATCH", json: { welcomeMessage: "nobody was here" } }), 401, "unauthorized");
    expect(await getSettings()).toEqual(settings);
  });

  it("PATCH returns the whole settings object and merges partial nested objects", async () => {
    const before = await getSettings();
    const both = await json(await patchSettings({ links: { privacy: "https://shop.example/privacy", terms: "https://shop.example/terms" } }), 200);
    expect(both).toEqual({ ...before, links: { privacy: "https://shop.example/privacy", terms: "https://shop.example/terms" } });

    const onlyPrivacy = await json(await patchSettings({ links: { privacy: "https://shop.example/privacy-v2" } }), 200);
    expect(onlyPrivacy.links).toEqual({ privacy: "https://shop.example/privacy-v2", terms: "https://shop.example/terms" });

    const hours = await json(await patchSettings({ officeHours: { timezone: "Europe/Stockholm" } }), 200);
    expect(hours.officeHours).toEqual({ ...before.officeHours, timezone: "Europe/Stockholm" });

    const ai = await json(await patchSettings({ ai: { handoff: "message" } }), 200);
    expect(ai.ai).toEqual({ ...before.ai, handoff: "message" });

    // Arrays replace rather than merge.
    await json(await patchSettings({ notifyEmails: ["a@example.com", "b@example.com"] }), 200);
    expect((await json(await patchSettings({ notifyEmails: ["c@example.com"] }), 200)).notifyEmails).toEqual(["c@example.com"]);

    const stored = await getSettings();
    expect(stored).toEqual({
      ...before,
      links: { privacy: "https://shop.example/privacy-v2", terms: "https://shop.example/terms" },
      officeHours: { ...before.officeHours, timezone: "Europe/Stockholm" },
      ai: { ...before.ai, handoff: "message" },
      notifyEmails: ["c@example.com"],
    });
    // A null link clears it.
    expect((await json(await patchSettings({ links: { terms: null } }), 200)).links).toEqual({ privacy: "https://shop.example/privacy-v2", terms: null });
  });

  const invalid: Array<[string, unknown, string]> = [
    ["a loginStatus outside all|logged_in", { loginStatus: "sometimes" }, "loginStatus"],
    ["an allowed origin with a path", { allowedOrigins: ["https://shop.example/checkout"] }, "allowedOrigins"],
    ["an allowed origin that is no URL", { allowedOrigins: ["shop.example"] }, "allowedOrigins"],
    ["a bad email in notifyEmails", { notifyEmails: ["ops@example.com", "not-an-email"] }, "notifyEmails"],
    ["an office hour not in HH:MM", { officeHours: { weekly: [{ day: 1, open: "9:00", close: "17:00" }] } }, "officeHours.weekly"],
    ["an office hour past 23:59", { officeHours: { weekly: [{ day: 1, open: "09:00", close: "24:30" }] } }, "officeHours.weekly"],
    ["a weekday outside 0-6", { officeHours: { weekly: [{ day: 7, open: "09:00", close: "17:00" }] } }, "officeHours.weekly"],
    ["an unknown time zone", { officeHours: { timezone: "Mars/Olympus_Mons" } }, "officeHours.timezone"],
    ["an unknown top-level field", { welcomeMesage: "typo" }, "welcomeMesage"],
    ["an unknown nested field", { officeHours: { timeZone: "Europe/Stockholm" } }, "timeZone"],
    ["a link that is not http(s)", { links: { privacy: "javascript:alert(1)" } }, "links.privacy"],
    ["a non-boolean webchatEnabled", { webchatEnabled: "yes" }, "webchatEnabled"],
    ["an unknown AI handoff", { ai: { handoff: "carrier-pigeon" } }, "ai.handoff"],
  ];

  for (const [what, patch, field] of invalid) {
    it(`refuses ${what} with 400 invalid_request naming ${field}, and changes nothing`, async () => {
      const before = await getSettings();
      const configBefore = await widgetConfig();
      // Valid fields next to the bad one must not be applied either.
      const error = await expectError(await patchSettings({ ...(patch as object), welcomeMessage: "SHOULD NOT BE STORED" }), 400, "invalid_request");
      expect(error.message).toContain(field);
      expect(await getSettings()).toEqual(before);
      expect(await widgetConfig()).toEqual(configBefore);
    });
  }

  it("refuses malformed JSON and a non-object body with 400 invalid_request", async () => {
    const before = await getSettings();
    await expectError(
      await call("/api/settings", { method: "PATCH", cookie: admin, body: '{"welcomeMessage": "x"', headers: { "Content-Type": "application/json" } }),
      400,
      "invalid_request",
    );
    await expectError(await patchSettings(["welcomeMessage"]), 400, "invalid_request");
    expect(await getSettings()).toEqual(before);
  });
});

describe("GET /api/widget/config reflects settings at once", () => {
  it("shows welcomeMessage, webchatEnabled, loginStatus and links as soon as they change", async () => {
    await json(
      await patchSettings({
        welcomeMessage: "Hej! Questions about sizing?",
        webchatEnabled: false,
        loginStatus: "logged_in",
        links: { privacy: "https://shop.example/p", terms: "https://shop.example/t" },
      }),
      200,
    );
    const config = await widgetConfig();
    expect(config).toMatchObject({
      enabled: false,
      loginStatus: "logged_in",
      welcomeMessage: "Hej! Questions about sizing?",
      links: { privacy: "https://shop.example/p", terms: "https://shop.example/t" },
    });
    expect(Object.keys(config).sort()).toEqual(["ai", "csat", "enabled", "faqs", "links", "loginStatus", "officeHours", "welcomeMessage"]);

    // A client revalidating with the old ETag must get the new config, not 304.
    const first = await call("/api/widget/config");
    const etag = first.headers.get("ETag");
    await first.text();
    await json(await patchSettings({ welcomeMessage: "Changed again", webchatEnabled: true, loginStatus: "all" }), 200);
    const revalidated = await call("/api/widget/config", { headers: etag ? { "If-None-Match": etag } : {} });
    const next = await json(revalidated, 200);
    expect(next).toMatchObject({ enabled: true, loginStatus: "all", welcomeMessage: "Changed again" });
  });

  it("office hours: enabled with no weekly window is closed with the closed message; disabled is open", async () => {
    await json(await patchSettings({ officeHours: { enabled: true, weekly: [], closedMessage: "We are closed; back Monday." } }), 200);
    expect((await widgetConfig()).officeHours).toEqual({ open: false, message: "We are closed; back Monday." });

    await json(await patchSettings({ officeHours: { closedMessage: "Away for the holidays." } }), 200);
    expect((await widgetConfig()).officeHours).toEqual({ open: false, message: "Away for the holidays." });

    // Open around the clock: every day from 00:00 to 23:59 and 23:59 to 00:00 (past midnight).
    const allDay = [0, 1, 2, 3, 4, 5, 6].flatMap((day) => [
      { day, open: "00:00", close: "23:59" },
      { day, open: "23:59", close: "00:00" },
    ]);
    await json(await patchSettings({ officeHours: { weekly: allDay } }), 200);
    expect((await widgetConfig()).officeHours).toEqual({ open: true, message: null });

    await json(await patchSettings({ officeHours: { enabled: false, weekly: [] } }), 200);
    expect((await widgetConfig()).officeHours).toEqual({ open: true, message: null });
  });
});

describe("FAQs", () => {
  const createFaq = async (input: Record<string, unknown>) => json(await call("/api/faqs", { method: "POST", cookie: admin, json: input }), 201);
  const publishedQuestions = async () => (await widgetConfig()).faqs.map((f: { question: string }) => f.question);

  it("lets admins create, edit and delete; agents may only read; no session gets 401", async () => {
    const faq = await createFaq({ question: "Do you ship abroad?", answer: "Yes, to all of the EU.", published: true });
    expect(faq).toEqual({
      id: expect.any(String),
      question: "Do you ship abroad?",
      answer: "Yes, to all of the EU.",
      published: true,
      position: expect.any(Number),
      translations: {},
    });

    const listed = await json(await call("/api/faqs", { cookie: agent }), 200);
    expect(listed.faqs.map((f: { id: string }) => f.id)).toContain(faq.id);
    await expectError(await call("/api/faqs"), 401, "unauthorized");

    await expectError(await call("/api/faqs", { method: "POST", cookie: agent, json: { question: "Q", answer: "A", published: true } }), 403, "forbidden");
    await expectError(await call(`/api/faqs/${faq.id}`, { method: "PATCH", cookie: agent, json: { answer: "Agent edit" } }), 403, "forbidden");
    await expectError(await call(`/api/faqs/${faq.id}`, { method: "DELETE", cookie: agent }), 403, "forbidden");
    await expectError(await call("/api/faqs", { method: "POST", json: { question: "Q", answer: "A", published: true } }), 401, "unauthorized");
    await expectError(await call(`/api/faqs/${faq.id}`, { method: "DELETE" }), 401, "unauthorized");
    const afterRefusals = await json(await call("/api/faqs", { cookie: admin }), 200);
    expect(afterRefusals.faqs).toEqual(listed.faqs);

    const edited = await json(await call(`/api/faqs/${faq.id}`, { method: "PATCH", cookie: admin, json: { answer: "Yes, worldwide." } }), 200);
    expect(edited).toEqual({ ...faq, answer: "Yes, worldwide." });

    const deleted = await call(`/api/faqs/${faq.id}`, { method: "DELETE", cookie: admin });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    await expectError(await call(`/api/faqs/${faq.id}`, { method: "DELETE", cookie: admin }), 404, "not_found");
    await expectError(await call(`/api/faqs/${faq.id}`, { method: "PATCH", cookie: admin, json: { answer: "ghost" } }), 404, "not_found");
    expect((await json(await call("/api/faqs", { cookie: admin }), 200)).faqs.map((f: { id: string }) => f.id)).not.toContain(faq.id);
  });

  it("validates FAQ bodies with 400 invalid_request naming the field", async () => {
    const before = await json(await call("/api/faqs", { cookie: admin }), 200);
    const cases: Array<[unknown, string]> = [
      [{ question: "Q?", answer: "A." }, "published"],
      [{ question: "", answer: "A.", published: true }, "question"],
      [{ question: "Q?", answer: "A.", published: "yes" }, "published"],
      [{ question: "Q?", answer: "A.", published: true, position: -1 }, "position"],
      [{ question: "Q?", answer: "A.", published: true, colour: "red" }, "colour"],
    ];
    for (const [body, field] of cases) {
      const error = await expectError(await call("/api/faqs", { method: "POST", cookie: admin, json: body }), 400, "invalid_request");
      expect(error.message, JSON.stringify(body)).toContain(field);
    }
    const faq = await createFaq({ question: "Valid?", answer: "Yes.", published: false });
    await expectError(await call(`/api/faqs/${faq.id}`, { method: "PATCH", cookie: admin, json: {} }), 400, "invalid_request");
    const error = await expectError(await call(`/api/faqs/${faq.id}`, { method: "PATCH", cookie: admin, json: { published: 1 } }), 400, "invalid_request");
    expect(error.message).toContain("published");
    await expectError(
      await call(`/api/faqs/${faq.id}`, { method: "PATCH", cookie: admin, body: "{oops", headers: { "Content-Type": "application/json" } }),
      400,
      "invalid_request",
    );
    const after = await json(await call("/api/faqs", { cookie: admin }), 200);
    expect(after.faqs).toEqual([...before.faqs, faq]);
    expect(after.faqs.find((f: { id: string }) => f.id === faq.id)).toEqual(faq);
    expect((await call(`/api/faqs/${faq.id}`, { method: "DELETE", cookie: admin })).status).toBe(204);
  });

  it("sends only published FAQs to the widget, in position order, and follows a reorder", async () => {
    const start = await json(await call("/api/faqs", { cookie: admin }), 200);
    for (const old of start.faqs) expect((await call(`/api/faqs/${old.id}`, { method: "DELETE", cookie: admin })).status).toBe(204);

    const first = await createFaq({ question: "First?", answer: "1", published: true });
    const hidden = await createFaq({ question: "Draft?", answer: "secret draft", published: false });
    const second = await createFaq({ question: "Second?", answer: "2", published: true });
    // New FAQs go last.
    expect(first.position).toBeLessThan(hidden.position);
    expect(hidden.position).toBeLessThan(second.position);

    const config = await widgetConfig();
    expect(config.faqs).toEqual([
      { id: first.id, question: "First?", answer: "1" },
      { id: second.id, question: "Second?", answer: "2" },
    ]);
    expect(JSON.stringify(config)).not.toContain("secret draft");

    // Reorder: "Second?" moves to the top.
    await json(await call(`/api/faqs/${second.id}`, { method: "PATCH", cookie: admin, json: { position: 0 } }), 200);
    await json(await call(`/api/faqs/${first.id}`, { method: "PATCH", cookie: admin, json: { position: 5 } }), 200);
    expect(await publishedQuestions()).toEqual(["Second?", "First?"]);
    const adminList = await json(await call("/api/faqs", { cookie: admin }), 200);
    expect(adminList.faqs.map((f: { question: string }) => f.question)).toEqual(["Second?", "Draft?", "First?"]);

    // Publishing the draft shows it at once, at its position; unpublishing hides it again.
    await json(await call(`/api/faqs/${hidden.id}`, { method: "PATCH", cookie: admin, json: { published: true } }), 200);
    expect(await publishedQuestions()).toEqual(["Second?", "Draft?", "First?"]);
    await json(await call(`/api/faqs/${hidden.id}`, { method: "PATCH", cookie: admin, json: { published: false } }), 200);
    expect(await publishedQuestions()).toEqual(["Second?", "First?"]);

    // A deleted FAQ leaves the widget.
    expect((await call(`/api/faqs/${second.id}`, { method: "DELETE", cookie: admin })).status).toBe(204);
    expect(await publishedQuestions()).toEqual(["First?"]);
  });
});

describe("macros", () => {
  it("lets admins create, edit and delete; agents may only read; no session gets 401", async () => {
    const created = await json(
      await call("/api/macros", { method: "POST", cookie: admin, json: { name: "Shipping times", body: "We ship within 2 days." } }),
      201,
    );
    expect(created).toEqual({ id: expect.any(String), name: "Shipping times", body: "We ship within 2 days." });
    const other = await json(await call("/api/macros", { method: "POST", cookie: admin, json: { name: "Apology", body: "Sorry about that!" } }), 201);

    const listed = await json(await call("/api/macros", { cookie: agent }), 200);
    expect(listed.macros.map((m: { name: string }) => m.name)).toEqual(["Apology", "Shipping times"]);
    await expectError(await call("/api/macros"), 401, "unauthorized");

    await expectError(await call("/api/macros", { method: "POST", cookie: agent, json: { name: "X", body: "Y" } }), 403, "forbidden");
    await expectError(await call(`/api/macros/${created.id}`, { method: "PATCH", cookie: agent, json: { body: "Agent edit" } }), 403, "forbidden");
    await expectError(await call(`/api/macros/${created.id}`, { method: "DELETE", cookie: agent }), 403, "forbidden");
    await expectError(await call("/api/macros", { method: "POST", json: { name: "X", body: "Y" } }), 401, "unauthorized");
    await expectError(await call(`/api/macros/${created.id}`, { method: "PATCH", json: { body: "Z" } }), 401, "unauthorized");
    expect((await json(await call("/api/macros", { cookie: admin }), 200)).macros).toEqual(listed.macros);

    const edited = await json(await call(`/api/macros/${created.id}`, { method: "PATCH", cookie: admin, json: { body: "We ship within 1 day." } }), 200);
    expect(edited).toEqual({ ...created, body: "We ship within 1 day." });

    expect((await call(`/api/macros/${created.id}`, { method: "DELETE", cookie: admin })).status).toBe(204);
    await expectError(await call(`/api/macros/${created.id}`, { method: "DELETE", cookie: admin }), 404, "not_found");
    await expectError(await call(`/api/macros/${created.id}`, { method: "PATCH", cookie: admin, json: { body: "ghost" } }), 404, "not_found");
    expect((await json(await call("/api/macros", { cookie: agent }), 200)).macros).toEqual([other]);
  });

  it("validates macro bodies with 400 invalid_request naming the field, and changes nothing", async () => {
    const macro = await json(await call("/api/macros", { method: "POST", cookie: admin, json: { name: "Returns", body: "30 days." } }), 201);
    const before = await json(await call("/api/macros", { cookie: admin }), 200);
    const cases: Array<[unknown, string]> = [
      [{ name: "No body" }, "body"],
      [{ name: "   ", body: "x" }, "name"],
      [{ name: "Long", body: "x".repeat(4001) }, "body"],
      [{ name: "Extra", body: "x", shortcut: "/x" }, "shortcut"],
    ];
    for (const [body, field] of cases) {
      const error = await expectError(await call("/api/macros", { method: "POST", cookie: admin, json: body }), 400, "invalid_request");
      expect(error.message, JSON.stringify(body)).toContain(field);
    }
    const patchError = await expectError(await call(`/api/macros/${macro.id}`, { method: "PATCH", cookie: admin, json: { name: "" } }), 400, "invalid_request");
    expect(patchError.message).toContain("name");
    await expectError(
      await call("/api/macros", { method: "POST", cookie: admin, body: "not json at all", headers: { "Content-Type": "application/json" } }),
      400,
      "invalid_request",
    );
    expect(await json(await call("/api/macros", { cookie: admin }), 200)).toEqual(before);
  });
});
