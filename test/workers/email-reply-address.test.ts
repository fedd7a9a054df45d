// Per-ticket reply addresses (worker/lib/email/reply-address.ts): only the Worker can make one, any
// case of it reads back, and anything else names no ticket.
import { describe, expect, it } from "vitest";
import { toHex } from "../../worker/lib/crypto";
import { replyAddress, ticketOfReplyAddress } from "../../worker/lib/email/reply-address";
import { newId } from "../../worker/lib/ids";

const SECRET = "test-identity-secret";
const TICKET = "tkt_0123456789abcdef0123456789abcdef";

async function hmacHexOf(key: string, message: string) {
  const imported = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(await crypto.subtle.sign("HMAC", imported, new TextEncoder().encode(message)));
}

describe("replyAddress", () => {
  it("signs the ticket id with a key derived for reply addresses: 80 bits of lowercase hex in a 63-character local part", async () => {
    const key = await hmacHexOf(SECRET, "parley email reply address key v1");
    const signature = (await hmacHexOf(key, TICKET)).slice(0, 20);
    const address = await replyAddress(SECRET, TICKET, "Mail.Shop.test");
    expect(address).toBe(`reply+${TICKET}.${signature}@mail.shop.test`);
    expect(address.split("@")[0]).toHaveLength(63);
    // Not the identity secret's own HMAC of the id, which a store's userHash of that id would be.
    expect(signature).not.toBe((await hmacHexOf(SECRET, TICKET)).slice(0, 20));
  });

  it("is the same address every time for a ticket, and another for another ticket", async () => {
    const other = newId("tkt");
    expect(await replyAddress(SECRET, TICKET, "shop.test")).toBe(await replyAddress(SECRET, TICKET, "shop.test"));
    expect((await replyAddress(SECRET, other, "shop.test")).split(".")[1]).not.toBe((await replyAddress(SECRET, TICKET, "shop.test")).split(".")[1]);
  });

  it("refuses ids a local part would not carry unchanged", async () => {
    for (const id of ["TKT_ABC", "tkt-abc", "tkt.abc", "tkt abc", "", `tkt_${"a".repeat(34)}`])
      await expect(replyAddress(SECRET, id, "shop.test"), id).rejects.toThrow(TypeError);
  });
});

describe("ticketOfReplyAddress", () => {
  it("reads back the ticket of every fresh id, as written, in capitals and with spaces around", async () => {
    for (const ticketId of [TICKET, newId("tkt"), newId("tkt")]) {
      const address = await replyAddress(SECRET, ticketId, "mail.shop.test");
      expect(await ticketOfReplyAddress(SECRET, address)).toBe(ticketId);
      expect(await ticketOfReplyAddress(SECRET, address.toUpperCase())).toBe(ticketId);
      expect(await ticketOfReplyAddress(SECRET, `  ${address}\n`)).toBe(ticketId);
    }
  });

  it("knows no ticket for a changed signature, another ticket's signature, another secret's address", async () => {
    const address = await replyAddress(SECRET, TICKET, "shop.test");
    const [local, domain] = address.split("@") as [string, string];
    const flipped = `${local.slice(0, -1)}${local.endsWith("0") ? "1" : "0"}@${domain}`;
    expect(await ticketOfReplyAddress(SECRET, flipped)).toBeNull();

    const otherTicket = newId("tkt");
    const otherSignature = (await replyAddress(SECRET, otherTicket, "shop.test")).split("@")[0]!.split(".")[1];
    expect(await ticketOfReplyAddress(SECRET, `reply+${TICKET}.${otherSignature}@shop.test`)).toBeNull();

    expect(await ticketOfReplyAddress("another-secret", address)).toBeNull();
    expect(await ticketOfReplyAddress(SECRET, await replyAddress("another-secret", TICKET, "shop.test"))).toBeNull();
  });

  it("knows no ticket for anything malformed", async () => {
    const address = await replyAddress(SECRET, TICKET, "shop.test");
    const signature = address.split("@")[0]!.split(".")[1]!;
    const malformed = [
      "",
      "@",
      "garbage",
      "reply+@shop.test",
      `reply+${TICKET}@shop.test`,
      `reply+${TICKET}.@shop.test`,
      `support+${TICKET}.${signature}@shop.test`,
      `reply-${TICKET}.${signature}@shop.test`,
      `reply+${TICKET}.${signature.slice(0, -1)}@shop.test`,
      `reply+${TICKET}.${signature}0@shop.test`,
      `reply+${TICKET}.${signature}`,
      `reply+${TICKET}.${signature}@`,
      `reply+${TICKET}.${signature}@shop.test@evil.test`,
      `<${address}>`,
      `Support <${address}>`,
      `reply+${TICKET}.${signature.replace(/./, "g")}@shop.test`,
    ];
    for (const candidate of malformed) expect(await ticketOfReplyAddress(SECRET, candidate), candidate).toBeNull();
  });
});
