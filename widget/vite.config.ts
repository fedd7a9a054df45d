import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

// The storefront script: one self-contained file at /widget.js, added after the inbox build.
export default defineConfig({
  plugins: [svelte({ compilerOptions: { css: "injected" } })],
  build: {
    outDir: "dist",
    emptyOutDir: false,
    lib: { entry: "widget/src/main.ts", name: "ParleyWidget", formats: ["iife"], fileName: () => "widget.js" },
  },
});
