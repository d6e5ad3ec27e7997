export * from './schema.ts';
export { ConfigError, validateConfig, parseConfig, loadConfigFile, loadSecrets, configFromEnv, requireDaregToken, resetConfigCache } from './load.ts';
export type { ConfigProblem } from './load.ts';
export { metadataParseSettings, type MetadataParseSettings } from './metadata-limits.ts';
