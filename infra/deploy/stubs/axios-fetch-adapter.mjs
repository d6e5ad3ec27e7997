/**
 * Bundles only (infra/deploy/esbuild-plugins.cjs, applied by serverless.yml custom.esbuild,
 * infra/openfaas/build.ts and bench/cold-start.ts): axios's fetch adapter in place of
 * node_modules/axios/lib/adapters/fetch.js. s3od's axios instances use the Node http adapter
 * (axios picks it before fetch on Node), but the real module probes the globals Request and
 * Response when it is evaluated, and on Node those getters load undici (~25 ms of every cold
 * start) for an adapter nothing calls. Here "fetch" is an adapter the environment does not
 * support: asking for it (`adapter: 'fetch'`) fails loudly with axios's own ERR_NOT_SUPPORT.
 */
export const getFetch = () => false;
export default false;
