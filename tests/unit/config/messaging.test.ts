import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/index.ts';
import { loadSecrets } from '../../../shared/config/load.ts';
import { testConfig } from '../../helpers/test-config.ts';

const email = (yaml: string) => testConfig(`messaging: { credentials: { email: { ${yaml} } } }`).messaging.email;
const problems = (yaml: string): string => {
  try {
    testConfig(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return '';
};

describe('messaging config (fs2od keys)', () => {
  it('is off by default, with the user named in the metadata file as the default recipient', () => {
    const e = testConfig().messaging.email;
    expect(e.enabled).toBe(false);
    expect(e.to.spaceCreation).toEqual(['metadata:User->Email']);
    expect(e.language).toBe('en');
  });

  it("refuses fs2od's sample form of the recipients, a list of one-key mappings, naming the key (it read as no recipients at all)", () => {
    // Guards Reader.misshapenSections in validateConfig: before it, `to` as a list was walked as
    // nothing, every event fell back to the default recipient, and no problem was reported.
    expect(problems('messaging: { email: { to: [{ space_creation: [ops@example.org] }] } }')).toMatch(
      /messaging\.email\.to: must be a mapping of the keys under it \(got a list\)/,
    );
    expect(problems('onedata: 5')).toMatch(/onedata: must be a mapping of the keys under it \(got number 5\)/);
    expect(testConfig('messaging: { email: { to: { space_creation: [ops@example.org] } } }').messaging.email.to.spaceCreation).toEqual(['ops@example.org']);
  });

  it("picks fs2od's default port per method (0 or absent) and reads SSL/TLS as implicit TLS", () => {
    expect(email('encryptionMethod: SSL').smtpPort).toBe(465);
    expect(email('encryptionMethod: TLS')).toMatchObject({ encryptionMethod: 'SSL', smtpPort: 465 });
    expect(email('encryptionMethod: STARTTLS, smtpPort: 0').smtpPort).toBe(587);
    expect(email('encryptionMethod: ANY').smtpPort).toBe(25);
    expect(email('encryptionMethod: ANY, smtpPort: 2525').smtpPort).toBe(2525);
  });

  it("accepts fs2od's STRATTLS typo as STARTTLS, with a warning", () => {
    const e = email('encryptionMethod: STRATTLS');
    expect(e.encryptionMethod).toBe('STARTTLS');
    expect(e.warnings.join()).toMatch(/STRATTLS.*STARTTLS/);
  });

  it('names each wrong key: method, server and sender when enabled, password in the file, a bad recipient', () => {
    const msg = problems(`messaging:
  credentials: { email: { enabled: true, encryptionMethod: SMTPS, password: hunter2, messageSender: nobody } }
  email: { to: { space_creation: ['metadata:User->Email', 'not an address'] }, language: english }`);
    expect(msg).toContain('messaging.credentials.email.encryptionMethod: must be SSL');
    expect(msg).toContain('messaging.credentials.email.smtpServer: is required when email is enabled');
    expect(msg).toContain('messaging.credentials.email.messageSender: must be');
    expect(msg).toContain('messaging.credentials.email.password: must not be in the config file: set the environment variable S3OD_SMTP_PASSWORD');
    expect(msg).toContain('messaging.email.to.space_creation[1]: must be "addr@host"');
    expect(msg).toContain('messaging.email.language: must be an ISO 639-1 code');
  });

  it('reports a typo under messaging as an unknown key (the section is no longer tolerated blindly)', () => {
    expect(problems('messaging: { credentials: { email: { smtpSever: x } } }')).toContain('messaging.credentials.email.smtpSever: is not a known key');
  });

  it('falls back to English for a language without templates, and says so', () => {
    const e = testConfig('messaging: { email: { language: DE } }').messaging.email;
    expect(e.language).toBe('en');
    expect(e.warnings.join()).toMatch(/no "de" templates/);
    expect(testConfig('messaging: { email: { language: SK } }').messaging.email.language).toBe('sk');
  });

  it('takes the SMTP password from S3OD_SMTP_PASSWORD only', () => {
    expect(loadSecrets({ S3OD_ONEZONE_TOKEN: 't', S3OD_SMTP_PASSWORD: 'pw' }).smtpPassword).toBe('pw');
    expect(loadSecrets({ S3OD_ONEZONE_TOKEN: 't' }).smtpPassword).toBeUndefined();
  });
});
