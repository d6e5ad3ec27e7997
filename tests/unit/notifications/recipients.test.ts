import { describe, expect, it } from 'vitest';
import { parseRecipient, resolveRecipients, wantsCompletionNotice } from '../../../shared/notifications/recipients.ts';

const doc = { User: { Email: 'user@example.org', DisplayName: 'U' }, Admin: { NormalizedEmail: 'Admin Person <admin@example.org>' }, Bad: 'not an address' };

describe("fs2od's recipients mini-language", () => {
  it('parses plain and named addresses, kinds and metadata paths in any prefix order', () => {
    expect(parseRecipient('ops@example.org')).toEqual({ kind: 'to', address: 'ops@example.org' });
    expect(parseRecipient('Facility Ops <ops@example.org>')).toEqual({ kind: 'to', address: 'ops@example.org', name: 'Facility Ops' });
    expect(parseRecipient('cc:ops@example.org')).toEqual({ kind: 'cc', address: 'ops@example.org' });
    expect(parseRecipient('bcc:metadata:Admin->NormalizedEmail')).toEqual({ kind: 'bcc', metadataPath: ['Admin', 'NormalizedEmail'] });
    expect(parseRecipient('metadata:bcc:User->Email')).toEqual({ kind: 'bcc', metadataPath: ['User', 'Email'] });
  });

  it('refuses what is not an address or a path', () => {
    for (const bad of ['nobody', 'to:', 'metadata:', 'metadata:A->', 'a@b, c@d', 'Name <not-an-address>']) expect(parseRecipient(bad), bad).toBeUndefined();
  });

  it('looks metadata paths up in the file, skips missing ones (reported) and empty entries, and folds duplicates', () => {
    const { recipients, skipped } = resolveRecipients(
      ['metadata:User->Email', 'cc:USER@example.org', 'bcc:metadata:Admin->NormalizedEmail', 'metadata:Missing->Email', 'metadata:Bad', '', 'ops@example.org'],
      doc,
      true,
    );
    expect(recipients).toEqual([
      { kind: 'to', address: 'user@example.org', fromMetadata: true },
      { kind: 'bcc', address: 'admin@example.org', name: 'Admin Person', fromMetadata: true },
      { kind: 'to', address: 'ops@example.org', fromMetadata: false },
    ]);
    expect(skipped).toEqual(['metadata:Missing->Email', 'metadata:Bad']);
  });

  it("leaves out the file's people when asked (NotifyCompletion not true), keeps fixed addresses", () => {
    const { recipients } = resolveRecipients(['metadata:User->Email', 'ops@example.org'], doc, false);
    expect(recipients.map((r) => r.address)).toEqual(['ops@example.org']);
  });

  it('does not follow inherited properties of the document', () => {
    expect(resolveRecipients(['metadata:constructor->name'], {}, true).recipients).toEqual([]);
  });

  it('reads NotifyCompletion as the parser keeps it (strings) or as a boolean', () => {
    expect(wantsCompletionNotice({ NotifyCompletion: 'true' })).toBe(true);
    expect(wantsCompletionNotice({ NotifyCompletion: true } as never)).toBe(true);
    expect(wantsCompletionNotice({ NotifyCompletion: 'false' })).toBe(false);
    expect(wantsCompletionNotice({})).toBe(false);
    expect(wantsCompletionNotice(undefined)).toBe(false);
  });
});
