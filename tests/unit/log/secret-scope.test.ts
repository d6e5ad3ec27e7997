import { describe, expect, it } from 'vitest';
import { maskedSecretCount, redactString, registerSecret, RELEASED_SECRETS_KEPT, SecretScope } from '../../../shared/log/index.ts';

/**
 * Guards shared/log's SecretScope: a dataset's invite token is masked while a run holds it and for
 * a bounded while after, and a long-lived process does not scan every token it ever saw on every
 * log line (before scopes, each invite token was registered for the process's life).
 */
let n = 0;
const token = (label: string) => `TOKEN-${label}-${++n}-${'x'.repeat(24)}`;

/** Opens and closes `count` scopes, each holding a fresh token: pushes older releases out. */
function churn(count: number): void {
  for (let i = 0; i < count; i++) {
    const s = new SecretScope();
    s.hold(token('churn'));
    s.close();
  }
}

describe('SecretScope', () => {
  it('masks a held token, keeps it masked for the next releases after the run, then forgets it', () => {
    const scope = new SecretScope();
    const t = token('run');
    scope.hold(t);
    expect(redactString(`error: ${t} was refused`)).toBe('error: [REDACTED] was refused');
    scope.close();
    // A late line about the run (a write that settles after it) is still masked.
    churn(RELEASED_SECRETS_KEPT - 1);
    expect(redactString(t)).toBe('[REDACTED]');
    churn(1);
    expect(redactString(t)).toBe(t);
  });

  it('the number of secrets scanned per line stays bounded over thousands of runs', () => {
    const before = maskedSecretCount();
    churn(5000);
    expect(maskedSecretCount()).toBeLessThanOrEqual(before + RELEASED_SECRETS_KEPT);
  });

  it('a token held by two runs stays masked until both have closed', () => {
    const t = token('shared');
    const a = new SecretScope();
    const b = new SecretScope();
    a.hold(t);
    b.hold(t);
    a.close();
    churn(RELEASED_SECRETS_KEPT * 2);
    expect(redactString(t)).toBe('[REDACTED]');
    b.close();
    churn(RELEASED_SECRETS_KEPT);
    expect(redactString(t)).toBe(t);
  });

  it('a hold after close is masked for a while, and never held for good', () => {
    const scope = new SecretScope();
    scope.close();
    const t = token('late');
    scope.hold(t);
    expect(redactString(t)).toBe('[REDACTED]');
    churn(RELEASED_SECRETS_KEPT);
    expect(redactString(t)).toBe(t);
  });

  it("the deployment's own secrets are masked for the process's life", () => {
    const t = token('deployment');
    registerSecret(t);
    churn(RELEASED_SECRETS_KEPT * 2);
    expect(redactString(`Authorization: ${t}`)).toBe('Authorization: [REDACTED]');
  });

  it('short values are not masked (they would hide ordinary words)', () => {
    const scope = new SecretScope();
    scope.hold('abc');
    expect(redactString('abc')).toBe('abc');
    scope.close();
  });
});
