import { gzipSync } from "node:zlib";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig, type Plugin } from "vite";

/** The build fails when widget.js grows past this, gzipped: the budget sits just above its size. */
const GZIP_BUDGET_BYTES = 26 * 1024;

function sizeBudget(limit: number): Plugin {
  return {
    name: "parley-widget-size-budget",
    apply: "build",
    generateBundle(_, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== "chunk") continue;
        const gzipped = gzipSync(file.code, { level: 9 }).byteLength;
        console.log(`${file.fileName}: ${(gzipped / 1024).toFixed(1)} KiB gzipped (budget ${(limit / 1024).toFixed(1)} KiB)`);
        if (gzipped > limit) this.error(`${file.fileName} is ${gzipped} bytes gzipped, over its ${limit}-byte budget`);
      }
    },
  };
}

// The storefront script: one self-contained file at /widget.js, added after the inbox build.
export default defineConfig({
  plugins: [svelte({ compilerOptions: { css: "injected" } }), sizeBudget(GZIP_BUDGET_BYTES)],
  build: {
    outDir: "dist",
    emptyOutDir: false,
    target: "es2022",
    lib: { entry: "widget/src/main.ts", name: "ParleyWidget", formats: ["iife"], fileName: () => "widget.js" },
  },
});
