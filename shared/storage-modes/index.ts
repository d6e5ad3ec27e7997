import type { S3odConfig, StorageModeName } from '../config/schema.ts';
import { posixMode } from './posix.ts';
import { s3Mode } from './s3.ts';
import type { StorageMode } from './types.ts';

export type { InitialImportContext, StorageMode, StorageSpecInput } from './types.ts';
export { WITHHELD_INVITE_TOKEN } from './posix.ts';

/** Every storage mode s3od knows: the one place a mode's name is turned into its behaviour. */
export const STORAGE_MODES: Readonly<Record<StorageModeName, StorageMode>> = { s3: s3Mode, posix: posixMode };

/** The configured storage mode. */
export function storageModeFor(config: Pick<S3odConfig, 'storageMode'>): StorageMode {
  return STORAGE_MODES[config.storageMode];
}
