// Bundles the browser page that every agent serves on 127.0.0.1 into dist/ui/: app.js (one
// minified bundle: the server serves exactly app.js, app.css and index.html, so no code
// splitting), app.css and index.html. Type checking is done before this by
// `tsc -p src/ui/web/tsconfig.json`; esbuild only strips types.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/ui/web');
const out = join(root, 'dist/ui');

// Files are overwritten in place rather than the folder wiped first: a running agent or test
// may be reading the folder while another build runs.
await mkdir(out, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'eof',
};

await build({
  ...common,
  entryPoints: [join(source, 'main.ts')],
  outfile: join(out, 'app.js'),
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  tsconfig: join(source, 'tsconfig.json'),
  // Libraries that look at NODE_ENV get their production paths.
  define: { 'process.env.NODE_ENV': '"production"' },
});

await build({
  ...common,
  entryPoints: [join(source, 'app.css')],
  outfile: join(out, 'app.css'),
});

await copyFile(join(source, 'index.html'), join(out, 'index.html'));
