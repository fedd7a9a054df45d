// A Vite plugin that fails the build when what a first visit downloads grows past a budget:
// the entry chunks, the chunks they import statically, and the CSS those chunks bring, gzipped.
// Chunks loaded later (dynamic imports, such as the inbox's settings) do not count.
import { gzipSync } from "node:zlib";
import type { Plugin, Rolldown } from "vite";

type OutputBundle = Rolldown.OutputBundle;
type OutputChunk = Rolldown.OutputChunk;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** The files loading `entries` brings in: themselves, what they import statically, and their CSS. */
function firstLoadFiles(bundle: OutputBundle, entries: OutputChunk[]): string[] {
  const files = new Set<string>();
  const visit = (chunk: OutputChunk) => {
    if (files.has(chunk.fileName)) return;
    files.add(chunk.fileName);
    for (const css of chunk.viteMetadata?.importedCss ?? []) files.add(css);
    for (const imported of chunk.imports) {
      const next = bundle[imported];
      if (next?.type === "chunk") visit(next);
    }
  };
  for (const entry of entries) visit(entry);
  return [...files];
}

const gzipped = (bundle: OutputBundle, fileName: string) => {
  const file = bundle[fileName]!;
  return gzipSync(file.type === "chunk" ? file.code : file.source, { level: 9 }).byteLength;
};

/**
 * `entries`: the entry chunks that make the first load (all entries by default). `oneOf`: entries
 * of which a visit loads exactly one, such as the locales: the largest counts. `missed`: why a
 * budget the code does not meet yet is reported instead of failing the build (the budget stays
 * at the goal, and the report says by how much it is missed).
 */
export function sizeBudget(
  name: string,
  budgetBytes: number,
  { entries, oneOf = [], missed }: { entries?: string[]; oneOf?: string[]; missed?: string } = {},
): Plugin {
  return {
    name: "parley-size-budget",
    apply: "build",
    generateBundle(_, bundle) {
      const chunks = Object.values(bundle).filter((file): file is OutputChunk => file.type === "chunk" && file.isEntry);
      const counted = chunks.filter((chunk) => (entries ? entries.includes(chunk.name) : !oneOf.includes(chunk.name)));
      let total = 0;
      for (const fileName of firstLoadFiles(bundle, counted)) {
        const size = gzipped(bundle, fileName);
        total += size;
        console.log(`  ${fileName}: ${kib(size)} gzipped`);
      }
      const alternatives = chunks
        .filter((chunk) => oneOf.includes(chunk.name))
        .map((chunk) => ({ fileName: chunk.fileName, size: gzipped(bundle, chunk.fileName) }));
      const largest = alternatives.sort((a, b) => b.size - a.size)[0];
      if (largest) {
        total += largest.size;
        console.log(`  ${largest.fileName}: ${kib(largest.size)} gzipped (the largest of ${alternatives.length}, one of which is loaded)`);
      }
      console.log(`${name} first load: ${kib(total)} gzipped (budget ${kib(budgetBytes)})`);
      if (total <= budgetBytes) return;
      const over = `${name}'s first load is ${total} bytes gzipped, over its ${budgetBytes}-byte budget`;
      if (missed) console.warn(`OVER BUDGET: ${over} (${missed})`);
      else this.error(over);
    },
  };
}
