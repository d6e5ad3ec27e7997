import { parseConfig } from '../../shared/config/index.ts';
import type { S3odConfig } from '../../shared/config/schema.ts';

/**
 * The smallest valid configuration for unit tests (facility bucket "facility", datasets under
 * "datasets"), plus whatever YAML a test appends; a key appended again overrides the one here.
 */
export const TEST_CONFIG_YAML = `
bucket: facility
watchedDirectories: [datasets]
institutionName: Test Facility
managerGroupId: mgr
userGroupId: parent
serviceUserId: svc
s3Storage: { endpoint: "https://s3.example.org" }
posixStorage: { mountRoot: /volumes/facility }
restAccess: { onezone: { host: https://zone.example.org }, oneproviders: [{ host: https://op.example.org }] }
`;

/** The test configuration's text with `extraYaml`, for a test that needs it as a file (the CLI's `--config`). */
export function testConfigYaml(extraYaml = ''): string {
  // YAML mappings may not repeat a key: lines of `extraYaml` replace the same top-level keys here.
  const extraKeys = new Set([...extraYaml.matchAll(/^([A-Za-z][\w]*):/gm)].map((m) => m[1]));
  const base = TEST_CONFIG_YAML.split('\n')
    .filter((line) => !extraKeys.has(line.split(':')[0]!))
    .join('\n');
  return `${base}\n${extraYaml}`;
}

export function testConfig(extraYaml = ''): S3odConfig {
  return parseConfig(testConfigYaml(extraYaml));
}
