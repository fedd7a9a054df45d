// A Vite plugin that fails the build when what a first visit downloads grows past a budget:
// the entry chunks, the chunks they import statically, and the CSS those chunks bring, gzipped.
// Chunks loaded later (dynamic imports, such as the inbox's settings) do not count.
import { gzipSync } from "node:zlib";
import type { Plugin, Rolldown } from "vite";

type OutputBundle = Rolldown.OutputBundle;
type OutputChunk = Rolldown.OutputChunk;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function firstLoadFiles(bundle: OutputBundle): string[] {
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
  for (const file of Object.values(bundle)) if (file.type === "chunk" && file.isEntry) visit(file);
  return [...files];
}

export function sizeBudget(name: string, budgetBytes: number): Plugin {
  return {
    name: "parley-size-budget",
    apply: "build",
    generateBundle(_, bundle) {
      let total = 0;
      for (const fileName of firstLoadFiles(bundle)) {
        const file = bundle[fileName]!;
        const gzipped = gzipSync(file.type === "chunk" ? file.code : file.source, { level: 9 }).byteLength;
        total += gzipped;
        console.log(`  ${fileName}: ${kib(gzipped)} gzipped`);
      }
      console.log(`${name} first load: ${kib(total)} gzipped (budget ${kib(budgetBytes)})`);
      if (total > budgetBytes) this.error(`${name}'s first load is ${total} bytes gzipped, over its ${budgetBytes}-byte budget`);
    },
  };
}
