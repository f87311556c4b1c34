import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The Razor class library's static assets, served by a site at /App_Plugins/DynamicCot/. */
const outDir = here('../../src/Plugin/wwwroot/App_Plugins/DynamicCot');

// Entries have fixed names because umbraco-package.json and the demo page reference them; shared chunks are hashed.
const entries = {
  'dynamiccot-elements': here('src/elements/index.ts'),
  'dynamiccot-entry-point': here('src/backoffice/entry-point.ts'),
  'suggest-keyphrases-workspace-action': here('src/backoffice/suggest-keyphrases-workspace-action.api.ts'),
  'suggestion-modal': here('src/backoffice/suggestion-modal.element.ts'),
  'jobs-dashboard': here('src/backoffice/jobs-dashboard.element.ts'),
};

export default defineConfig({
  root: here('.'),
  publicDir: here('public'),
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Committed output: no source maps, so the bundle stays small and the up-to-date check compares little.
    sourcemap: false,
    lib: { entry: entries, formats: ['es'] },
    rollupOptions: {
      // The backoffice provides these at runtime through its import map; bundling them would load a second copy.
      external: [/^@umbraco-cms\//, /^@umbraco-ui\//],
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
      },
    },
  },
  test: {
    root: here('.'),
    include: ['tests/**/*.test.ts'],
    environment: 'happy-dom',
  },
});
