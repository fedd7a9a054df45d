// Text from HTML-only emails (worker/lib/email/html-text.ts): lines and paragraphs as a reader sees
// them, quotes as "> " lines, entities decoded, and nothing of what a reader does not see.
import { describe, expect, it } from "vitest";
import { decodeEntities, htmlToText } from "../../worker/lib/email/html-text";

const CASES: Array<[name: string, html: string, text: string]> = [
  [
    "Gmail: a div per line, <div><br></div> for a blank one, the quote in a blockquote",
    `<div dir="ltr">Hi,<div><br></div><div>Size M works for me.</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Tue, Mar 4, 2025 at 9:12 AM Parley Support &lt;<a href="mailto:reply+tkt_1.ab@shop.test">reply+tkt_1.ab@shop.test</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"><div>Hi Ada,</div><div>Would size M work?</div></blockquote></div>`,
    "Hi,\n\nSize M works for me.\n\nOn Tue, Mar 4, 2025 at 9:12 AM Parley Support <reply+tkt_1.ab@shop.test> wrote:\n> Hi Ada,\n> Would size M work?",
  ],
  [
    "Outlook: styles in the head, conditional comments, MsoNormal paragraphs with &nbsp; blank ones",
    `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8"><style><!-- p.MsoNormal {margin:0cm;} --></style><!--[if gte mso 9]><xml><o:shapedefaults v:ext="edit" spidmax="1026" /></xml><![endif]--></head><body lang="SV"><div class="WordSection1"><p class="MsoNormal">Hej,<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">Paketet kom fram trasigt.<o:p></o:p></p></div><div id="divRplyFwdMsg"><hr style="display:inline-block;width:98%"><b>Från:</b> Parley Support &lt;reply@shop.test&gt;<br><b>Skickat:</b> den 4 mars 2025 09:12<br><b>Ämne:</b> Nytt svar</div></body></html>`,
    "Hej,\n\nPaketet kom fram trasigt.\n\nFrån: Parley Support <reply@shop.test>\nSkickat: den 4 mars 2025 09:12\nÄmne: Nytt svar",
  ],
  [
    "paragraphs set apart by a blank line, line breaks kept, spaces collapsed",
    "<p>First   line<br>\n  second line</p>\n<p>Next\tparagraph</p>",
    "First line\nsecond line\n\nNext paragraph",
  ],
  [
    "a link's address follows its text, unless the text is the address or it is no web link",
    `<p>See <a href="https://shop.test/orders/1?a=1&amp;b=2">my order</a>, <a href="https://shop.test/x">https://shop.test/x</a> and <a href="mailto:ada@example.com">me</a>.</p>`,
    "See my order (https://shop.test/orders/1?a=1&b=2), https://shop.test/x and me.",
  ],
  [
    "lists, headings and table cells",
    "<h1>Order</h1><ul><li>Shirt</li><li>Socks</li></ul><table><tr><td>Total</td><td>199 kr</td></tr></table>",
    "Order\n\n- Shirt\n- Socks\n\nTotal 199 kr",
  ],
  ["nested quotes", "<div>Yes</div><blockquote><div>Are you sure?</div><blockquote>I want M</blockquote></blockquote>", "Yes\n> Are you sure?\n>> I want M"],
  ["preformatted text keeps its lines", "<pre>Order 1042\n  2 x shirt</pre>", "Order 1042\n2 x shirt"],
  ["scripts, titles, comments and doctype are no text", "<!doctype html><title>x</title><script>alert(1)</script><!-- hidden --><p>Visible</p>", "Visible"],
  ["an unclosed comment hides the rest", "<p>Before</p><!-- never closed <p>After</p>", "Before"],
  ["an unclosed style hides the rest", "<p>Before</p><STYLE>p { color: red } <p>After</p>", "Before"],
  ["a stray < is text", "<p>1 < 2 and 3 > 2</p>", "1 < 2 and 3 > 2"],
];

describe("htmlToText", () => {
  for (const [name, html, text] of CASES) it(name, () => expect(htmlToText(html)).toBe(text));

  it("takes linear time on markup made to make it rescan", () => {
    const started = Date.now();
    const inputs = [
      "<".repeat(200_000),
      "<a".repeat(100_000),
      "<td>x".repeat(50_000),
      "<a href=x>y".repeat(50_000),
      "<style>".repeat(50_000),
      "<!--".repeat(50_000),
    ];
    for (const html of inputs) htmlToText(html);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("decodeEntities", () => {
  it("decodes numeric entities, HTML's Latin-1 names and the usual punctuation; leaves unknown names", () => {
    expect(decodeEntities("Bor&aring;s &Auml;&ouml; &eacute;&szlig;&yuml; &nbsp;|&#228;&#xE5;&#X1F600; &hellip;&rsquo;&euro; &amp;lt; &bogus; &amp")).toBe(
      "Borås Äö éßÿ \u00a0|äå😀 …’€ &lt; &bogus; &amp",
    );
  });

  it("makes NUL, surrogates and code points past Unicode into U+FFFD", () => {
    expect(decodeEntities("&#0;&#xD800;&#1114112;")).toBe("\uFFFD\uFFFD\uFFFD");
  });
});
