/**
 * The web UI's build: `vite build --config src/ui/vite.config.ts` writes dist/ui, which every
 * agent serves under its content path (`/ui/` by default). Asset URLs are relative to a
 * `<base href>` the agent sets in index.html, so one build serves any content path.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: '../../dist/ui',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    reportCompressedSize: false,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
