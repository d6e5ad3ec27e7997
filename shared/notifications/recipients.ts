/**
 * fs2od's recipients mini-language (reference fs2od.md §1.12): `addr@host` or `Name <addr@host>`,
 * an optional `to:` / `cc:` / `bcc:` prefix, and `metadata:A->B` naming a value in the dataset's
 * metadata file, e.g. `bcc:metadata:User->Email`. Prefixes in any order; an empty entry is ignored.
 */
import type { MetadataDocument } from '../metadata/index.ts';

export type RecipientKind = 'to' | 'cc' | 'bcc';

/** An entry of the config, parsed: a fixed address or a path into the metadata file. */
export type RecipientEntry = { kind: RecipientKind } & ({ address: string; name?: string } | { metadataPath: string[] });

/** A person a message goes to. `address` is lower-cased only for comparison (the ledger key). */
export interface Recipient {
  kind: RecipientKind;
  address: string;
  name?: string;
  /** Whether the address came from the metadata file (the people `NotifyCompletion` speaks for). */
  fromMetadata: boolean;
}

export const RECIPIENT_HINT = 'must be "addr@host", "Name <addr@host>" or "metadata:A->B", optionally after "to:", "cc:" or "bcc:"';

const MAILBOX = /^(?:(?<name>[^<>]*?)\s*<(?<addr>[^\s@<>]+@[^\s@<>]+)>|(?<bare>[^\s@<>,;]+@[^\s@<>,;]+))$/;

/** One mailbox (`addr` or `Name <addr>`), or undefined when it is not one. */
export function parseMailbox(text: string): { address: string; name?: string } | undefined {
  const m = MAILBOX.exec(text.trim());
  if (!m?.groups) return undefined;
  const address = m.groups.addr ?? m.groups.bare!;
  // Names are printed into a header by nodemailer (which encodes them); control characters never belong there.
  const name = m.groups.name?.trim().replace(/^"|"$/g, '');
  if (name && /[\p{Cc}]/u.test(name)) return undefined;
  return name ? { address, name } : { address };
}

/** Parses one config entry; undefined when it is malformed (config validation names it). Empty entries: caller skips. */
export function parseRecipient(entry: string): RecipientEntry | undefined {
  let rest = entry.trim();
  let kind: RecipientKind = 'to';
  let metadata = false;
  for (;;) {
    const m = /^(to|cc|bcc|metadata):/.exec(rest);
    if (!m) break;
    if (m[1] === 'metadata') metadata = true;
    else kind = m[1] as RecipientKind;
    rest = rest.slice(m[0].length);
  }
  if (metadata) {
    const path = rest.split('->').map((p) => p.trim());
    return path.every((p) => p !== '') ? { kind, metadataPath: path } : undefined;
  }
  const mailbox = parseMailbox(rest);
  return mailbox ? { kind, ...mailbox } : undefined;
}

/**
 * The recipients of a message: fixed entries as written, `metadata:` entries looked up in the
 * dataset's file (missing or not an address → skipped, as in fs2od, but reported through
 * `skipped` so the operator can see it). `withMetadata: false` leaves out the file's people.
 * Duplicates (same address, any case) keep their first, most visible kind.
 */
export function resolveRecipients(entries: string[], doc: MetadataDocument | undefined, withMetadata: boolean): { recipients: Recipient[]; skipped: string[] } {
  const recipients: Recipient[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  const add = (r: Recipient) => {
    const key = r.address.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    recipients.push(r);
  };
  for (const text of entries) {
    if (text.trim() === '') continue;
    const entry = parseRecipient(text);
    if (!entry) {
      skipped.push(text);
      continue;
    }
    if ('address' in entry) {
      add({ kind: entry.kind, address: entry.address, ...(entry.name ? { name: entry.name } : {}), fromMetadata: false });
      continue;
    }
    if (!withMetadata) continue;
    const value = lookup(doc, entry.metadataPath);
    const mailbox = typeof value === 'string' ? parseMailbox(value) : undefined;
    if (mailbox) add({ kind: entry.kind, ...mailbox, fromMetadata: true });
    else skipped.push(text);
  }
  return { recipients, skipped };
}

function lookup(doc: unknown, path: string[]): unknown {
  let cur = doc;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = Object.hasOwn(cur, part) ? (cur as Record<string, unknown>)[part] : undefined;
  }
  return cur;
}

/** `NotifyCompletion` in the metadata file (kept as written: "true"/"yes"… or a boolean). */
export function wantsCompletionNotice(doc: MetadataDocument | undefined): boolean {
  const v = (doc as Record<string, unknown> | undefined)?.NotifyCompletion;
  return v === true || (typeof v === 'string' && /^(true|yes|on|1)$/i.test(v.trim()));
}
