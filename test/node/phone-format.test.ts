// How a phone number is shown where no name is known yet (contract/phone.ts): grouped as the
// number's country writes it for the common Nordic, European and North American numbers, and
// the E.164 string itself for anything else.
import { describe, expect, it } from "vitest";
import { formatPhone } from "../../contract/phone";

describe("formatPhone", () => {
  it.each([
    ["+46701234567", "+46 70 123 45 67"],
    ["+4681234567", "+46 8 123 45 67"],
    ["+46812345678", "+46 8 123 456 78"],
    ["+46311234567", "+46 31 123 45 67"],
    ["+4741234567", "+47 412 34 567"],
    ["+4721234567", "+47 21 23 45 67"],
    ["+4512345678", "+45 12 34 56 78"],
    ["+358401234567", "+358 40 123 4567"],
    ["+3545512345", "+354 551 2345"],
    ["+15551234567", "+1 555 123 4567"],
    ["+447700900123", "+44 7700 900123"],
    ["+442079460958", "+44 20 7946 0958"],
    ["+4915123456789", "+49 151 23456789"],
    ["+33612345678", "+33 6 12 34 56 78"],
    ["+31612345678", "+31 6 12345678"],
    ["+34612345678", "+34 612 34 56 78"],
    ["+41791234567", "+41 79 123 45 67"],
    ["+353851234567", "+353 85 123 4567"],
  ])("shows %s as %s", (e164, shown) => {
    expect(formatPhone(e164)).toBe(shown);
  });

  it.each([
    ["a number of a country without a rule", "+8613812345678"],
    ["a length its country's rules don't know", "+467012345"],
    ["a German landline (area codes vary in length)", "+49301234567"],
    ["something that is no E.164 number", "0701234567"],
  ])("keeps %s as it is", (_, value) => {
    expect(formatPhone(value)).toBe(value);
  });

  it("tells two numbers apart however they are grouped", () => {
    expect(formatPhone("+46701234567")).not.toBe(formatPhone("+46701234568"));
  });
});
