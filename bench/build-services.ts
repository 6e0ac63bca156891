/**
 * Compiles each service's `main.ts` to one plain ESM file (workspace packages inlined from their
 * sources, npm packages left as imports), the way production runs compiled JavaScript with plain
 * `node`. Running from source under tsx costs every process about 40 MB of loader memory, which
 * would be charged to the service's RSS. Output goes to `node_modules/.cache/lexbridge-bench/`:
 * inside node_modules, so the npm imports resolve and no linter or git sees it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = fileURLToPath(new URL('../node_modules/.cache/lexbridge-bench/', import.meta.url));

/** The entry points the benchmark starts, by service. */
export const SERVICE_ENTRIES = {
  sandbox: 'apps/sandbox/src/main.ts',
  poller: 'apps/poller/src/main.ts',
  processor: 'apps/processor/src/main.ts',
  receiver: 'apps/receiver/src/main.ts',
} as const;
export type ServiceKind = keyof typeof SERVICE_ENTRIES;

// npm packages stay imports (resolved from node_modules at run time); @lexbridge/* is bundled.
const externalNpm: Plugin = {
  name: 'external-npm',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@lexbridge/') ? undefined : { path: args.path, external: true }));
  },
};

// Each package's Redis scripts are read from the folder of its `commands/index.ts`
// (`new URL('./', import.meta.url)`), which inside one bundle would be the bundle's folder: point each
// at its source folder, where the .lua files are.
const scriptFolders: Plugin = {
  name: 'script-folders',
  setup(b) {
    b.onLoad({ filter: /[\\/]commands[\\/]index\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const here = "new URL('./', import.meta.url)";
      if (!source.includes(here)) throw new Error(`${args.path} no longer reads its scripts from ${here}: update bench/build-services.ts`);
      return { contents: source.replaceAll(here, `new URL(${JSON.stringify(`${pathToFileURL(dirname(args.path)).href}/`)})`), loader: 'ts' };
    });
  },
};

/** Bundles every service; returns the compiled file of each. */
export async function buildServices(): Promise<Record<ServiceKind, string>> {
  mkdirSync(OUT, { recursive: true });
  const out = {} as Record<ServiceKind, string>;
  await Promise.all(
    (Object.keys(SERVICE_ENTRIES) as ServiceKind[]).map(async (kind) => {
      const outfile = `${OUT}${kind}.mjs`;
      await build({
        absWorkingDir: ROOT,
        entryPoints: [SERVICE_ENTRIES[kind]],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        conditions: ['@lexbridge/source'],
        sourcemap: 'linked',
        logLevel: 'warning',
        plugins: [externalNpm, scriptFolders],
      });
      out[kind] = outfile;
    }),
  );
  return out;
}
