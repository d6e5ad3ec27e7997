import { describe, expect, it } from 'vitest';
import { ConfigError, loadSecrets, parseConfig } from '../../../shared/config/index.ts';

const valid = `
bucket: facility
watchedDirectories: ["cryoem/*"]
institutionName: CEITEC
managerGroupId: mgr
userGroupId: users
serviceUserId: svc
s3Storage:
  endpoint: https://s3.facility.example.org
restAccess:
  onezone:
    host: zone.example.org
  oneproviders:
    - host: provider.example.org
`;

function problems(text: string): string[] {
  try {
    parseConfig(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration', () => {
  it('applies fs2od defaults and normalises hosts', () => {
    const c = parseConfig(valid);
    expect(c.metadataFiles).toEqual(['SPA.yml']);
    expect(c.metadataFileTags).toEqual({
      onedata: 'Onedata',
      onezone: 'Onezone',
      space: 'Space',
      inviteToken: 'InviteToken',
      publicURL: 'PublicURL',
      replicas: 'Replicas',
    });
    expect(c.continousFileImport).toMatchObject({ enabled: true, runningFileName: '.running', scanInterval: 10800 });
    expect(c.implicitSpaceSize).toBe(10995116277760);
    expect(c.storageMode).toBe('s3');
    expect(c.restAccess.onezone.host).toBe('https://zone.example.org');
    expect(c.restAccess.oneproviders).toEqual([{ host: 'https://provider.example.org', isPrimary: true, storageIds: [] }]);
    expect(c.fs2odMetadataFile).toEqual({ enabled: false, filename: '.fs2od', storeAccessInfo: false });
    expect(c.spacePrivileges).toContain('space_read_data');
  });

  it('names the key that is missing', () => {
    expect(problems(valid.replace('institutionName: CEITEC\n', ''))).toContain('institutionName: is required');
    expect(problems(valid.replace('managerGroupId: mgr\n', ''))).toContain('managerGroupId: is required');
  });

  it('explains wrong types and values', () => {
    const p = problems(`${valid}\ntestMode: "yes"\nimplicitSpaceSize: 1000\nstorageMode: nfs\nmetadataFiles: [a/b.yml]\n`);
    expect(p).toContain('testMode: must be true or false (got string "yes")');
    expect(p).toContain('implicitSpaceSize: must be at least 1048576 (got 1000)');
    expect(p).toContain('storageMode: must be "s3" or "posix"');
    expect(p).toContain('metadataFiles[0]: must be a file name without "/" (got "a/b.yml")');
  });

  it('reports typos as unknown keys and every problem at once', () => {
    const p = problems(`${valid}\nmetadataFile: [SPA.yml]\ncontinousFileImport:\n  runingFileName: .r\n`);
    expect(p).toEqual(
      expect.arrayContaining(['metadataFile: is not a known key (a typo?)', 'continousFileImport.runingFileName: is not a known key (a typo?)']),
    );
  });

  it('requires exactly one primary Oneprovider', () => {
    const two = valid.replace('    - host: provider.example.org', '    - host: a\n      isPrimary: true\n    - host: b\n      isPrimary: true');
    expect(problems(two)).toContain('restAccess.oneproviders: exactly one entry must have isPrimary: true (found 2)');
  });

  it('refuses secrets in the file and points to the environment variable', () => {
    const p = problems(valid.replace('    host: zone.example.org', '    host: zone.example.org\n    apiToken: abc'));
    expect(p).toEqual(['restAccess.onezone.apiToken: secrets do not belong in the config file: set S3OD_ONEZONE_TOKEN instead']);
  });

  it('needs the mount root in posix mode and the S3 endpoint in s3 mode', () => {
    expect(problems(`${valid}\nstorageMode: posix\n`)).toContain(
      "posixStorage.mountRoot: is required in posix mode: the absolute path where the Oneprovider sees the bucket's filesystem",
    );
    expect(problems(valid.replace('  endpoint: https://s3.facility.example.org', '  endpoint: ""'))[0]).toMatch(/^s3Storage.endpoint: is required in s3 mode/);
  });

  it('checks the metadata tags once, at start: two keys with one name are refused by name', () => {
    // Before, duplicate tags passed the config and threw a TypeError at the first metadata file (retried forever).
    expect(problems(`${valid}metadataFileTags: { space: Onezone }\n`).some((p) => p.startsWith('metadataFileTags: '))).toBe(true);
    expect(problems(`${valid}metadataFileTags: { onedata: " Onedata" }\n`).some((p) => p.startsWith('metadataFileTags: '))).toBe(true);
    expect(parseConfig(`${valid}metadataFileTags: { onedata: Onedata2, space: SpaceId }\n`).metadataFileTags.space).toBe('SpaceId');
  });

  it("reads the replication line's tag (s3od's own, default Replicas) and checks it is distinct like the others", () => {
    expect(parseConfig(`${valid}metadataFileTags: { onedata: Onedata2 }\n`).metadataFileTags.replicas).toBe('Replicas');
    expect(parseConfig(`${valid}metadataFileTags: { replicas: Copies }\n`).metadataFileTags.replicas).toBe('Copies');
    expect(problems(`${valid}metadataFileTags: { replicas: PublicURL }\n`).some((p) => p.startsWith('metadataFileTags: '))).toBe(true);
    expect(problems(`${valid}metadataFileTags: { replicas: "" }\n`).some((p) => p.startsWith('metadataFileTags.replicas'))).toBe(true);
  });

  it("accepts an fs2od configuration file's tolerated keys", () => {
    expect(() => parseConfig(`${valid}\nverboseLevel: 3\nsleepFactor: 2\ndataReplication:\n  enabled: false\n`)).not.toThrow();
  });

  it('rejects invalid YAML and a non-mapping document', () => {
    expect(problems('bucket: [')[0]).toMatch(/^\(file\): is not valid YAML/);
    expect(problems('- a\n- b\n')).toEqual(['(root): the configuration must be a YAML mapping']);
  });

  it('reads secrets from the environment and requires the Onezone token', () => {
    expect(() => loadSecrets({})).toThrow(/S3OD_ONEZONE_TOKEN: environment variable is required/);
    const s = loadSecrets({ S3OD_ONEZONE_TOKEN: 'zone-token-123456' });
    expect(s.oneproviderToken).toBe('zone-token-123456');
  });
});

describe('the documented example configuration', () => {
  it('is valid, so the documentation stays true', async () => {
    const { loadConfigFile } = await import('../../../shared/config/index.ts');
    const c = loadConfigFile(new URL('../../../infra/config/s3od.example.yml', import.meta.url).pathname);
    expect(c.metadataFiles).toEqual(['SPA.yml']);
    expect(c.restAccess.oneproviders[0]!.isPrimary).toBe(true);
  });

  it("shows the code's defaults where it says it does (its Tuning section)", async () => {
    // Guards the defaults in shared/config/read-sections.ts against the example's word: a default
    // changed in one place only (registrationConcurrency was 8 in the code, 10 here) fails.
    const { readFileSync } = await import('node:fs');
    const { load } = await import('js-yaml');
    const text = readFileSync(new URL('../../../infra/config/s3od.example.yml', import.meta.url), 'utf8');
    const tuning = text.slice(text.indexOf('# --- Tuning (defaults shown)'), text.indexOf('# --- Secrets'));
    const shown = load(tuning) as Record<string, Record<string, unknown>>;
    expect(Object.keys(shown).sort()).toEqual(['import', 'limits', 'onedata', 'provisioning']);
    const defaults = parseConfig(valid) as unknown as Record<string, Record<string, unknown>>;
    for (const [section, values] of Object.entries(shown)) {
      for (const [key, value] of Object.entries(values))
        expect({ key: `${section}.${key}`, value: defaults[section]![key] }).toEqual({ key: `${section}.${key}`, value });
    }
  });
});
