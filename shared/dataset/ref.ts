import { createHash } from 'node:crypto';

/** Keys under this prefix at the bucket root belong to s3od (state records, name claims); never a dataset. */
export const RESERVED_PREFIX = '.s3od/';
/** The per-dataset status object an operator reads; lives beside the metadata file. */
export const STATUS_OBJECT_NAME = '.s3od-status.yml';

/** A dataset: a "folder" (key prefix) that is an immediate child of a watched prefix. */
export interface DatasetRef {
  bucket: string;
  /** The watched prefix it lives under ("" = bucket root). */
  base: string;
  /** Folder name, e.g. "20211227125_Demo". */
  name: string;
  /** Key prefix of the dataset without the trailing slash, e.g. "cryoem/20211227125_Demo". */
  prefix: string;
  /** Stable, key-safe identifier of bucket + prefix (state record key, Onedata id seed). */
  id: string;
}

export function datasetId(bucket: string, prefix: string): string {
  return createHash('sha256').update(`${bucket}\0${prefix}`).digest('hex').slice(0, 32);
}

export function datasetRef(bucket: string, base: string, name: string): DatasetRef {
  const prefix = base ? `${base}/${name}` : name;
  return { bucket, base, name, prefix, id: datasetId(bucket, prefix) };
}

/** Whether `key` lies inside the dataset's folder: the prefix must end at a "/" boundary. */
export function isInsideDataset(dataset: Pick<DatasetRef, 'prefix'>, key: string): boolean {
  return key.length > dataset.prefix.length + 1 && key.startsWith(`${dataset.prefix}/`);
}
