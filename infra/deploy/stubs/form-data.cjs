'use strict';
/**
 * Bundles only (esbuild `alias` in serverless.yml custom.esbuild and infra/openfaas/build.ts):
 * axios's Node adapter imports `form-data` for multipart request bodies, which s3od never sends
 * (every Onedata call is JSON). The real module pulls in mime-types and mime-db, about 160 KB
 * (a sixth of the provision and import bundles) that every cold start would parse for nothing.
 * Should anything ever build a multipart body, it fails loudly here instead of sending garbage.
 */
class FormData {
  constructor() {
    throw new Error('multipart (form-data) request bodies are not bundled into s3od functions');
  }
}
module.exports = FormData;
module.exports.default = FormData;
