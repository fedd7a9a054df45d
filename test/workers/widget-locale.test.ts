// The shopper's language (spec v2 "Shopper language", docs/api.md and docs/widget.md): per-locale
// texts in the settings, validated like the default texts; `GET /api/widget/config?locale=`
// answering them, with BCP 47 tags mapped to a shipped locale; a chat's locale, given when it
// starts, choosing the language of the closed-hours reply.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { LOCALES, shippedLocale, type MessageT, type TicketT } from "../../contract";
import { call, customer, customerSocket, expectError, json, login, seen, sendAndWait } from "./helpers";

let admin: string;

beforeAll(async () => {
  admin = await login();
});

const getSettings = async () => json(await call("/api/settings", { cookie: admin }), 200);
const patchSettings = (patch: unknown) => call("/api/settings", { method: "PATCH", cookie: admin, json: patch });
const config = async (query = "") => json(await call(`/api/widget/config${query}`), 200);
const stubOf = (ticketId: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(ticketId));

const DEFAULT_WELCOME = "Hi! How can we help?";
const DEFAULT_CLOSED = "We're away right now.";
const SV = { welcomeMessage: "Hej! Hur kan vi hjälpa dig?", closedMessage: "Vi är inte här just nu.", csatQuestion: "Hur nöjd är du med hjälpen?" };
const NB_WELCOME = "Hei! Hva kan vi hjelpe deg med?";
const DE_CLOSED = "Wir sind gerade nicht da.";

/** Office hours on and always closed, the default texts, and Swedish, Norwegian and German versions of some. */
async function setUpTexts() {
  await json(
    await patchSettings({
      welcomeMessage: DEFAULT_WELCOME,
      officeHours: { enabled: true, weekly: [], closedMessage: DEFAULT_CLOSED },
      translations: { sv: SV, nb: { welcomeMessage: NB_WELCOME }, de: { closedMessage: DE_CLOSED } },
    }),
    200,
  );
}

describe("shippedLocale (contract/locales.ts)", () => {
  it("maps a language tag to a shipped locale by its language, in any case", () => {
    expect(LOCALES).toEqual(["en", "sv", "da", "nb", "fi", "de", "fr", "es", "nl"]);
    for (const [tag, locale] of [
      ["sv", "sv"],
      ["sv-SE", "sv"],
      ["SV-se", "sv"],
      ["sv_FI", "sv"],
      ["nb", "nb"],
      ["nb-NO", "nb"],
      ["no", "nb"],
      ["nn-NO", "nb"],
      ["de-AT", "de"],
      ["de-CH-1996", "de"],
      ["fr-CA", "fr"],
      ["es-419", "es"],
      ["nl-BE", "nl"],
      ["fi", "fi"],
      ["da-DK", "da"],
      ["en-GB", "en"],
      ["it", null],
      ["zh-Hant-TW", null],
      ["x-klingon", null],
      ["../x", null],
      ["", null],
      ["a".repeat(50), null],
      ["sv SE", null],
      ["en--US", null],
    ] as const) {
      expect(shippedLocale(tag), tag).toBe(locale);
    }
  });
});

describe("settings.translations", () => {
  it("stores texts per locale, trimmed, merging locale by locale and text by text", async () => {
    const before = await getSettings();
    expect(before.translations).toEqual({});
    const saved = await json(
      await patchSettings({ translations: { sv: { welcomeMessage: `  ${SV.welcomeMessage}\n`, closedMessage: SV.closedMessage } } }),
      200,
    );
    expect(saved.translations).toEqual({ sv: { welcomeMessage: SV.welcomeMessage, closedMessage: SV.closedMessage } });
    // The defaults stay where they were.
    expect(saved.welcomeMessage).toBe(before.welcomeMessage);
    expect(saved.officeHours.closedMessage).toBe(before.officeHours.closedMessage);

    await json(await patchSettings({ translations: { de: { csatQuestion: "Wie zufrieden waren Sie?" } } }), 200);
    await json(await patchSettings({ translations: { sv: { csatQuestion: SV.csatQuestion } } }), 200);
    expect((await getSettings()).translations).toEqual({ sv: SV, de: { csatQuestion: "Wie zufrieden waren Sie?" } });
  });

  it("refuses an unknown locale, an unknown text, and a text outside the rules with 400 invalid_request naming the field; nothing changes", async () => {
    await json(await patchSettings({ translations: { sv: SV } }), 200);
    const before = await getSettings();
    const refused: Array<[patch: unknown, field: string]> = [
      [{ translations: { it: { welcomeMessage: "Ciao!" } } }, "translations"],
      [{ translations: { SV: { welcomeMessage: "Hej!" } } }, "translations"],
      [{ translations: { "sv-SE": { welcomeMessage: "Hej!" } } }, "translations"],
      [{ translations: { sv: { greeting: "Hej!" } } }, "translations.sv"],
      [{ translations: { sv: { welcomeMessage: "\u200b\u200d\u2060" } } }, "translations.sv.welcomeMessage"],
      [{ translations: { sv: { closedMessage: "Hej \ud800" } } }, "translations.sv.closedMessage"],
      [{ translations: { sv: { csatQuestion: "x".repeat(4001) } } }, "translations.sv.csatQuestion"],
      [{ translations: { sv: { welcomeMessage: 42 } } }, "translations.sv.welcomeMessage"],
      [{ translations: { sv: "Hej!" } }, "translations.sv"],
      [{ translations: ["sv"] }, "translations"],
      // A bad text refuses the whole patch, the valid parts too.
      [{ welcomeMessage: "Changed", translations: { sv: { welcomeMessage: "Ändrat" }, fi: { closedMessage: " \u200b " } } }, "translations.fi.closedMessage"],
    ];
    for (const [patch, field] of refused) {
      const error = await expectError(await patchSettings(patch), 400, "invalid_request");
      expect(error.message.startsWith(`${field}:`), `${JSON.stringify(patch).slice(0, 120)} → ${error.message}`).toBe(true);
    }
    // 4,000 characters, the default texts' limit, is still fine.
    await json(await patchSettings({ translations: { fi: { closedMessage: "y".repeat(4000) } } }), 200);
    await json(await patchSettings({ translations: { fi: null } }), 200);
    expect(await getSettings()).toEqual(before);
  });

  it("removes a text given as an empty string or null, and a locale given as null: the default shows again", async () => {
    await setUpTexts();
    expect((await config("?locale=sv")).welcomeMessage).toBe(SV.welcomeMessage);

    const cleared = await json(await patchSettings({ translations: { sv: { welcomeMessage: "" } } }), 200);
    expect(cleared.translations.sv).toEqual({ closedMessage: SV.closedMessage, csatQuestion: SV.csatQuestion });
    expect(await config("?locale=sv")).toMatchObject({ welcomeMessage: DEFAULT_WELCOME, officeHours: { open: false, message: SV.closedMessage } });

    const nulled = await json(await patchSettings({ translations: { sv: { closedMessage: null, csatQuestion: "   " } } }), 200);
    // The last text gone, the locale goes too.
    expect(nulled.translations.sv).toBeUndefined();
    expect(await config("?locale=sv")).toMatchObject({ welcomeMessage: DEFAULT_WELCOME, officeHours: { open: false, message: DEFAULT_CLOSED } });

    const dropped = await json(await patchSettings({ translations: { nb: null } }), 200);
    expect(Object.keys(dropped.translations)).toEqual(["de"]);
    expect(dropped.translations.de.closedMessage).toBe(DE_CLOSED);
    expect((await config("?locale=nb")).welcomeMessage).toBe(DEFAULT_WELCOME);
  });
});

describe("GET /api/widget/config?locale=", () => {
  it("answers the welcome and closed-hours messages in the locale the tag maps to, each falling back to the default", async () => {
    await setUpTexts();
    const swedish = { welcomeMessage: SV.welcomeMessage, officeHours: { open: false, message: SV.closedMessage } };
    for (const tag of ["sv", "sv-SE", "SV-se", "sv_SE"]) expect(await config(`?locale=${tag}`), tag).toMatchObject(swedish);
    // Norwegian in any of its tags is bokmål; its closed message is the default one.
    for (const tag of ["nb", "nb-NO", "no", "nn"]) {
      expect(await config(`?locale=${tag}`), tag).toMatchObject({ welcomeMessage: NB_WELCOME, officeHours: { open: false, message: DEFAULT_CLOSED } });
    }
    expect(await config("?locale=de-AT")).toMatchObject({ welcomeMessage: DEFAULT_WELCOME, officeHours: { open: false, message: DE_CLOSED } });
  });

  it("answers the default texts without a locale, for a shipped locale without texts, and for a language Parley does not ship", async () => {
    await setUpTexts();
    const defaults = await config();
    expect(defaults).toMatchObject({ welcomeMessage: DEFAULT_WELCOME, officeHours: { open: false, message: DEFAULT_CLOSED } });
    for (const tag of ["en", "en-US", "fr", "it", "it-IT", "zh-Hant-TW", "x-klingon"]) expect(await config(`?locale=${tag}`), tag).toEqual(defaults);
  });

  it("refuses a locale that is not a language tag with 400 invalid_request naming it", async () => {
    for (const value of ["../x", "a".repeat(50), "", "sv SE", "en--US", "12", "sv-", "<script>", "sv;q=0.9"]) {
      const error = await expectError(await call(`/api/widget/config?locale=${encodeURIComponent(value)}`), 400, "invalid_request");
      expect(error.message, value).toMatch(/^locale: /);
    }
  });

  it("keeps the WidgetConfig shape and its caching: revalidated, with an ETag of its own per language", async () => {
    await setUpTexts();
    const swedish = await call("/api/widget/config?locale=sv");
    const english = await call("/api/widget/config?locale=en");
    const body = await json(swedish, 200);
    await english.text();
    expect(Object.keys(body).sort()).toEqual(["ai", "csat", "enabled", "faqs", "links", "loginStatus", "officeHours", "welcomeMessage"]);
    expect(swedish.headers.get("Cache-Control")).toBe("public, no-cache");
    expect(swedish.headers.get("ETag")).toBeTruthy();
    expect(swedish.headers.get("ETag")).not.toBe(english.headers.get("ETag"));
    const revalidated = await call("/api/widget/config?locale=sv", { headers: { "If-None-Match": swedish.headers.get("ETag")! } });
    expect(revalidated.status).toBe(304);
  });
});

// ---- a chat's locale and the closed-hours reply -----------------------------------------------

/** A shopper who starts a chat with `body` as the JSON body (none when undefined), and their socket. */
async function startWith(body?: unknown, status = 201) {
  const shopper = await customer();
  const response = await call("/api/widget/conversations", { method: "POST", token: shopper.token, ...(body === undefined ? {} : { json: body }) });
  const { ticket } = await json<{ ticket: TicketT }>(response, status);
  const socket = await customerSocket(ticket.id, shopper.token);
  await socket.nextOfType("hello");
  return { shopper, ticket, socket };
}

/** The closed-hours reply to the customer's first message. */
async function closedReply(socket: Awaited<ReturnType<typeof startWith>>["socket"]): Promise<MessageT> {
  expect(await sendAndWait(socket, "c-1", "Hello, anyone there?")).toMatchObject({ type: "ack", seq: 1 });
  return seen(socket, (f) => f.type === "message" && f.author.kind === "bot");
}

describe("POST /api/widget/conversations {locale}", () => {
  it("writes the closed-hours reply in the chat's locale where the store has it", async () => {
    await setUpTexts();
    expect(await closedReply((await startWith({ locale: "sv-SE" })).socket)).toMatchObject({ seq: 2, body: SV.closedMessage, author: { kind: "bot" } });
    expect((await closedReply((await startWith({ locale: "de" })).socket)).body).toBe(DE_CLOSED);
  });

  it("writes the default reply without a locale, for a locale without that text, and for a language Parley does not ship", async () => {
    await setUpTexts();
    for (const body of [undefined, {}, { locale: "nb-NO" }, { locale: "it" }, { locale: "en" }]) {
      expect((await closedReply((await startWith(body)).socket)).body, JSON.stringify(body)).toBe(DEFAULT_CLOSED);
    }
  });

  it("takes an empty body as no body, whatever its Content-Type says (as v1 clients send it)", async () => {
    const shopper = await customer();
    const { ticket } = await json(
      await call("/api/widget/conversations", { method: "POST", token: shopper.token, headers: { "Content-Type": "application/json", "Content-Length": "0" } }),
      201,
    );
    expect(ticket.status).toBe("open");
  });

  it("takes the locale given again on the already-open chat", async () => {
    await setUpTexts();
    const { shopper, ticket, socket } = await startWith({ locale: "it" });
    const again = await json(await call("/api/widget/conversations", { method: "POST", token: shopper.token, json: { locale: "sv" } }), 200);
    expect(again.ticket.id).toBe(ticket.id);
    // Asked again without a locale, the chat keeps the one it has.
    await json(await call("/api/widget/conversations", { method: "POST", token: shopper.token }), 200);
    expect((await closedReply(socket)).body).toBe(SV.closedMessage);
  });

  it("refuses a locale that is not a language tag with 400 invalid_request, and opens no chat", async () => {
    const shopper = await customer();
    for (const body of [{ locale: "../x" }, { locale: "a".repeat(50) }, { locale: 5 }, { locale: "" }]) {
      const error = await expectError(await call("/api/widget/conversations", { method: "POST", token: shopper.token, json: body }), 400, "invalid_request");
      expect(error.message, JSON.stringify(body)).toMatch(/^locale: /);
    }
    await expectError(
      await call("/api/widget/conversations", { method: "POST", token: shopper.token, body: "{not json", headers: { "Content-Type": "application/json" } }),
      400,
      "invalid_request",
    );
    await expectError(await call("/api/widget/conversations/active", { token: shopper.token }), 404, "not_found");
  });

  it("loads a conversation stored before chats had a locale: its reply is in the default language", async () => {
    await setUpTexts();
    const { ticket, socket } = await startWith({ locale: "sv" });
    const stub = stubOf(ticket.id);
    await runInDurableObject(stub, (_instance, state) => {
      const data = JSON.parse(state.storage.sql.exec<{ data: string }>("SELECT data FROM state WHERE id = 1").one().data);
      expect(data.locale).toBe("sv");
      delete data.locale;
      state.storage.sql.exec("UPDATE state SET data = ? WHERE id = 1", JSON.stringify(data));
    });
    await evictDurableObject(stub, { webSockets: "hibernate" });
    expect((await closedReply(socket)).body).toBe(DEFAULT_CLOSED);
  });
});

describe("the OpenAPI document", () => {
  it("documents ?locale on the config, the optional start body, and translations in the settings", async () => {
    const doc = await json(await call("/api/openapi.json"), 200);
    const config = doc.paths["/api/widget/config"].get;
    expect(config.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "locale", in: "query" })]));
    expect(Object.keys(config.responses)).toEqual(expect.arrayContaining(["200", "400"]));
    const start = doc.paths["/api/widget/conversations"].post;
    expect(start.requestBody.required).not.toBe(true);
    expect(start.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/StartConversationRequest");
    expect(Object.keys(doc.components.schemas.StartConversationRequest.properties)).toEqual(["locale"]);
    expect(doc.components.schemas.Settings.properties.translations.$ref).toBe("#/components/schemas/Translations");
    expect(Object.keys(doc.components.schemas.Translations.properties)).toEqual([...LOCALES]);
  });
});
