'use strict';
/**
 * esbuild plugins of every s3od bundle: serverless.yml custom.esbuild (`plugins:`, which
 * serverless-esbuild require()s), infra/openfaas/build.ts and bench/cold-start.ts load this file,
 * so the deployed bundles and the measured ones are built alike. Both exist for cold starts
 * (issue #12): what Node need not parse or run at a function's start.
 *
 * axios-node-only: s3od's axios instances (shared/http/json-api-axios.ts) always
 * run on Node's http adapter. Evaluating axios as published still touches Node's lazy web globals,
 * which load undici (~25 ms of every cold start) for nothing:
 * - lib/adapters/fetch.js reads `Request` and `Response` at module evaluation to probe fetch
 *   support: replaced by stubs/axios-fetch-adapter.mjs ("fetch" not supported here);
 * - lib/utils.js caches `globalThis.FormData` for `isFormData`: the cached constructor becomes
 *   `undefined`. `isFormData` then recognises a native FormData by its
 *   `Object.prototype.toString` tag ("[object FormData]"), which axios already checks next, so
 *   its answers do not change.
 * Either rewrite fails the build when axios's source no longer matches (an upgrade must look
 * again) rather than silently leaving undici in the cold start.
 *
 * sdk-schema-tree-shaking: an AWS SDK client's schemas/schemas_0.js declares the schema of every
 * operation of the service (S3: ~100), e.g. `var PutBucketWebsite$ = [9, n0, _PBW, { [_hC]: "-" },
 * ...]`. esbuild drops unused declarations only when they cannot have side effects, and a computed
 * key naming a variable (`[_hC]`) might, so it keeps them all: 67 KB of the S3 client's 103 KB,
 * built and evaluated at every start for the handful of operations s3od calls. Each such key is
 * replaced by the string the module's own `const _hC = "httpChecksum";` holds (the same value, so
 * the same object); esbuild then drops what nothing references. Nothing else changes: the error
 * schemas stay registered, the operations s3od uses keep their schemas and what they reference.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const FETCH_STUB = join(__dirname, 'stubs', 'axios-fetch-adapter.mjs');
const FORMDATA_LOOKUP = "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;";

const axiosNodeOnly = {
  name: 's3od-axios-node-only',
  setup(build) {
    let utilsPatched = false;
    let fetchStubbed = false;
    build.onStart(() => {
      utilsPatched = false;
      fetchStubbed = false;
    });
    build.onResolve({ filter: /^\.\/fetch\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]axios[\\/]lib[\\/]adapters$/.test(args.resolveDir)) return undefined;
      fetchStubbed = true;
      return { path: FETCH_STUB };
    });
    build.onLoad({ filter: /[\\/]node_modules[\\/]axios[\\/]lib[\\/]utils\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(FORMDATA_LOOKUP))
        return { errors: [{ text: `${args.path}: the FormData lookup infra/deploy/esbuild-plugins.cjs rewrites is gone (axios changed): look again` }] };
      utilsPatched = true;
      return { contents: source.replace(FORMDATA_LOOKUP, 'const FormDataCtor = undefined;'), loader: 'js' };
    });
    build.onEnd((result) => {
      if (utilsPatched && !fetchStubbed && result.errors.length === 0)
        throw new Error('axios is bundled but its lib/adapters/fetch.js was not replaced (axios changed): look again at infra/deploy/esbuild-plugins.cjs');
    });
  },
};

/** `const _x = "literal";` at the start of a line: a module-level string constant of the SDK's codegen. */
const STRING_CONST = /^const (_\w+) = ("[^"\\\n]*");$/gm;

const sdkSchemaTreeShaking = {
  name: 's3od-sdk-schema-tree-shaking',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/].+[\\/]schemas[\\/]schemas_\d+\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const values = new Map();
      for (const [, name, literal] of source.matchAll(STRING_CONST)) {
        // Only names bound once in the module: a reference can then mean nothing but this constant.
        const bindings = source.match(new RegExp(`(?:\\b(?:const|let|var|function|class)\\s+|[(,]\\s*)${name.replace(/\$/g, '\\$')}\\b`, 'g'));
        if (bindings?.length === 1) values.set(name, literal);
      }
      let replaced = 0;
      const contents = source.replace(/\[(_\w+)\]:/g, (key, name) => (values.has(name) ? (replaced++, `[${values.get(name)}]:`) : key));
      const warnings = replaced
        ? []
        : [{ text: `${args.path}: no computed schema keys to inline (the SDK changed?): unused operation schemas stay in the bundle` }];
      return { contents, loader: 'js', warnings };
    });
  },
};

module.exports = [axiosNodeOnly, sdkSchemaTreeShaking];
