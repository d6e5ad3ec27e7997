import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

/**
 * Builds what `faas-cli build` packs into the node20 template, plus the queue worker:
 *
 *   infra/openfaas/build/<function>/handler.js    module.exports = the template handler
 *                                  /s3od.cjs      the bundle (CommonJS: the template require()s it)
 *                                  /package.json  no dependencies; `npm test` checks the bundle loads
 *   infra/openfaas/build/queue-worker/worker.cjs  the queue worker (worker.Dockerfile)
 *
 *   npx tsx infra/openfaas/build.ts [outDir]
 */
export const OPENFAAS_FUNCTIONS = ['on-object-event', 'provision', 'import', 'reconcile', 'lifecycle'] as const;

const HERE = dirname(fileURLToPath(import.meta.url));

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  // The SDK's ESM builds tree-shake better; esbuild turns them into CommonJS here.
  mainFields: ['module', 'main'],
  // As serverless.yml's custom.esbuild: no form-data/mime-db in the bundles (see the stub).
  alias: { 'form-data': join(dirname(fileURLToPath(import.meta.url)), '../deploy/stubs/form-data.cjs') },
  // As serverless.yml's custom.esbuild `plugins`: axios without its fetch adapter and FormData probe,
  // the SDK clients without unused operation schemas. (Its `splitting` needs ESM output: these
  // CommonJS bundles keep nodemailer and the SDK's SSO/STS credential providers inline.)
  plugins: createRequire(import.meta.url)('../deploy/esbuild-plugins.cjs') as NonNullable<BuildOptions['plugins']>,
  legalComments: 'none',
  logLevel: 'warning',
};

export interface BuiltFunction {
  name: string;
  dir: string;
  bundleBytes: number;
}

export interface BuildOpenFaasOptions {
  /** Source maps (default true): stack traces with --enable-source-maps. Tests skip them for speed. */
  sourcemap?: boolean;
  /** Also bundle the queue worker (default true). */
  worker?: boolean;
}

export async function buildOpenFaas(outDir = join(HERE, 'build'), opts: BuildOpenFaasOptions = {}): Promise<BuiltFunction[]> {
  rmSync(outDir, { recursive: true, force: true });
  const options: BuildOptions = { ...common, ...(opts.sourcemap === false ? { sourcemap: false } : {}) };
  const built: BuiltFunction[] = [];
  for (const name of OPENFAAS_FUNCTIONS) {
    const dir = join(outDir, name);
    mkdirSync(dir, { recursive: true });
    await build({ ...options, entryPoints: [join(HERE, 'handlers', `${name}.ts`)], outfile: join(dir, 's3od.cjs') });
    writeFileSync(
      join(dir, 'handler.js'),
      "'use strict';\n// OpenFaaS node20 template: index.js calls require('./function/handler')(event, context).\nmodule.exports = require('./s3od.cjs').default;\n",
    );
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        {
          name: `s3od-${name}`,
          version: '0.1.0',
          private: true,
          description: `s3od ${name} for the OpenFaaS node20 template (built by infra/openfaas/build.ts)`,
          main: 'handler.js',
          scripts: { test: "node -e \"if (typeof require('./handler.js') !== 'function') process.exit(1)\"" },
        },
        null,
        2,
      ) + '\n',
    );
    built.push({ name, dir, bundleBytes: statSync(join(dir, 's3od.cjs')).size });
  }
  if (opts.worker === false) return built;
  const workerDir = join(outDir, 'queue-worker');
  mkdirSync(workerDir, { recursive: true });
  await build({ ...options, entryPoints: [join(HERE, 'queue-worker-main.ts')], outfile: join(workerDir, 'worker.cjs') });
  built.push({ name: 'queue-worker', dir: workerDir, bundleBytes: statSync(join(workerDir, 'worker.cjs')).size });
  return built;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
  for (const b of await buildOpenFaas(out)) console.log(`${b.name.padEnd(16)} ${(b.bundleBytes / 1024).toFixed(0).padStart(6)} KiB  ${b.dir}`);
}
