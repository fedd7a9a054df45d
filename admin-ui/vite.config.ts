import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

// The inbox is the Worker's static site: built into dist/, served at /.
export default defineConfig({
  root: "admin-ui",
  plugins: [svelte()],
  build: { outDir: "../dist", emptyOutDir: true },
});
