// A phone number as people read it, for where no name is known yet (an SMS from a new number):
// digits grouped the way the number's country writes them, for the common Nordic, European and
// North American numbers. Anything else stays the E.164 string, which is unambiguous if plain.
// A table rather than a numbering-plan library: the inbox bundles it, and a few kilobytes of
// rules cover the stores Parley serves.
import { E164_PATTERN } from "./sms";

/** A shape of national number, and the sizes of its leading groups (the rest is the last group). */
type Rule = [national: RegExp, groups: number[]];

const RULES: Record<string, Rule[]> = {
  // United States, Canada and the rest of the North American plan: +1 555 123 4567
  "1": [[/^[2-9]\d{9}$/, [3, 3]]],
  // Sweden: mobiles 70 123 45 67, Stockholm 8 123 45 67, other areas 31 123 45 67
  "46": [
    [/^7\d{8}$/, [2, 3, 2]],
    [/^8\d{6}$/, [1, 2, 2]],
    [/^8\d{7}$/, [1, 3, 2]],
    [/^8\d{8}$/, [1, 3, 3]],
    [/^[1-9]\d{8}$/, [2, 3, 2]],
  ],
  // Norway: mobiles 412 34 567, landlines 21 23 45 67
  "47": [
    [/^[49]\d{7}$/, [3, 2]],
    [/^\d{8}$/, [2, 2, 2]],
  ],
  "45": [[/^\d{8}$/, [2, 2, 2]]],
  // Finland's mobiles: 40 123 4567
  "358": [[/^(4\d|50)\d{7}$/, [2, 3]]],
  "354": [[/^\d{7}$/, [3]]],
  // United Kingdom: mobiles 7700 900123, London 20 7946 0958
  "44": [
    [/^7\d{9}$/, [4]],
    [/^2\d{9}$/, [2, 4]],
    [/^1\d{9}$/, [4]],
    [/^[3589]\d{9}$/, [3, 3]],
  ],
  "353": [[/^8\d{8}$/, [2, 3]]],
  // Germany's and Austria's mobiles (their area codes vary in length: landlines stay E.164)
  "49": [[/^1[5-7]\d{8,9}$/, [3]]],
  "43": [[/^6\d{9,11}$/, [3]]],
  "31": [[/^6\d{8}$/, [1]]],
  "32": [[/^4\d{8}$/, [3, 2, 2]]],
  "33": [[/^[1-9]\d{8}$/, [1, 2, 2, 2]]],
  "34": [[/^[6-9]\d{8}$/, [3, 2, 2]]],
  "39": [[/^3\d{8,9}$/, [3, 3]]],
  "41": [[/^\d{9}$/, [2, 3, 2]]],
  "48": [[/^\d{9}$/, [3, 3]]],
  "351": [[/^9\d{8}$/, [3, 3]]],
};

/** `+46701234567` as `+46 70 123 45 67`; a number no rule knows as it came. */
export function formatPhone(e164: string): string {
  if (!E164_PATTERN.test(e164)) return e164;
  const digits = e164.slice(1);
  for (const length of [1, 2, 3]) {
    const country = digits.slice(0, length);
    const national = digits.slice(length);
    const rule = RULES[country]?.find(([shape]) => shape.test(national));
    if (!rule) continue;
    const parts: string[] = [];
    let at = 0;
    for (const size of rule[1]) parts.push(national.slice(at, (at += size)));
    if (at < national.length) parts.push(national.slice(at));
    return `+${country} ${parts.join(" ")}`;
  }
  return e164;
}
