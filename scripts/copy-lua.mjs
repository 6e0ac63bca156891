#!/usr/bin/env node
// Copies a package's Redis scripts (src/**/*.lua) to the same places under dist/, after tsc: the
// loader (scriptSet, @lexbridge/infra/redis) reads them beside the compiled modules, so the build
// output and the image (which copies each dist/) carry them. Run from the package's folder.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

let copied = 0;
for (const entry of readdirSync('src', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.lua')) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join('dist', from.slice('src'.length)));
  copied++;
}
if (copied === 0) {
  console.error(`copy-lua: no .lua files under ${process.cwd()}/src; drop the copy step from this package's build`);
  process.exit(1);
}
