'use strict';
/**
 * serverless.yml variable source: `${file(infra/deploy/iam-scope.cjs)}`.
 *
 * Reads the stage's s3od config file (custom.configFile) and derives what the IAM roles and the
 * Events queue policy need: the bucket, and the object ARNs each function may read or write.
 * The config file stays the single source of truth for the bucket, the watched directories and
 * the file names s3od writes, so a policy can never drift from what the functions do.
 *
 * Plain CommonJS because osls loads `.js`/`.cjs` variable files with require(); it runs at
 * `serverless package|deploy|print` time only, never inside a function.
 *
 * Object keys s3od touches (see shared/state, shared/provisioning/write-back.ts):
 *   .s3od/*                                  dataset records (read/write: provision, import; read: reconcile)
 *   <watched>/<dataset>/<metadataFile>       the operator's file (read: all; write-back: provision)
 *   <watched>/<dataset>/.s3od-status.yml     the status object (read/write: provision)
 *   <watched>/<dataset>/<fs2od filename>     only with fs2odMetadataFile.enabled (read/write: provision)
 * Data objects are never read or written by s3od (the Oneprovider reads them with its own keys);
 * the lifecycle deletes them from the facility (dataReplication.removeFromFilesystem) only.
 */
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const yaml = require('js-yaml');

const STATUS_OBJECT_NAME = '.s3od-status.yml'; // shared/events/classify.ts
const RESERVED_PREFIX = '.s3od/'; // shared/events/classify.ts
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** fs2od's glob components → IAM wildcards: `[…]` becomes `?` (one character); `*`, `?` stay. */
function globToIam(pattern) {
  return pattern.replace(/\[!?[^\]]+\]/g, '?');
}

function fail(file, message) {
  throw new Error(`${file}: ${message} (see infra/config/s3od.example.yml and docs/operations.md)`);
}

/** Pure part, exported for tests: config document → IAM scope. */
function scopeFromConfig(doc, file = 'config') {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail(file, 'must be a YAML mapping');
  const bucket = doc.bucket;
  if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) fail(file, 'bucket must be a valid S3 bucket name');
  const watched = doc.watchedDirectories;
  if (!Array.isArray(watched) || watched.length === 0 || watched.some((w) => typeof w !== 'string'))
    fail(file, 'watchedDirectories must list at least one key prefix');
  const metadataFiles = doc.metadataFiles === undefined ? ['SPA.yml'] : doc.metadataFiles;
  if (!Array.isArray(metadataFiles) || metadataFiles.some((f) => typeof f !== 'string' || f.includes('/')))
    fail(file, 'metadataFiles must be a list of file names');
  const fs2od = doc.fs2odMetadataFile && typeof doc.fs2odMetadataFile === 'object' ? doc.fs2odMetadataFile : {};
  const fs2odFile = fs2od.enabled === true ? (typeof fs2od.filename === 'string' ? fs2od.filename : '.fs2od') : undefined;

  const bucketArn = `arn:aws:s3:::${bucket}`;
  // `<watched>/*/<name>` per watched directory: `name` in (or, `*`, anything inside) a dataset folder.
  const datasetObjects = (name) =>
    watched.map((w) => {
      const dir = globToIam(w.replace(/^\/+|\/+$/g, ''));
      return `${bucketArn}/${dir ? `${dir}/` : ''}*/${name}`;
    });
  const all = [bucketArn, ...watched, ...metadataFiles, fs2odFile ?? ''].join('');
  if (all.includes(',')) fail(file, 'bucket, watchedDirectories and file names must not contain "," (CloudFormation list parameters)');
  const stateObjects = [`${bucketArn}/${RESERVED_PREFIX}*`];
  const metadataObjects = metadataFiles.flatMap(datasetObjects);
  const provisionObjects = [...stateObjects, ...metadataObjects, ...datasetObjects(STATUS_OBJECT_NAME), ...(fs2odFile ? datasetObjects(fs2odFile) : [])];
  return {
    bucket,
    bucketArn,
    // CommaDelimitedList parameter defaults (see resources.Parameters in serverless.yml).
    stateObjects: stateObjects.join(','),
    readObjects: [...stateObjects, ...metadataObjects].join(','),
    provisionObjects: provisionObjects.join(','),
    // Everything inside the watched directories' dataset folders: the one delete any role has
    // (lifecycle, expired data); serverless.yml denies it on stateObjects all the same.
    dataObjects: datasetObjects('*').join(','),
  };
}

/** osls calls this with its variable resolver. */
module.exports = async ({ resolveVariable }) => {
  const file = await resolveVariable('self:custom.configFile');
  let text;
  try {
    text = readFileSync(resolve(__dirname, '../..', file), 'utf8');
  } catch (e) {
    fail(file, `cannot read the stage's config file (${e.code ?? e.message}); create it`);
  }
  return scopeFromConfig(yaml.load(text), file);
};
module.exports.scopeFromConfig = scopeFromConfig;
