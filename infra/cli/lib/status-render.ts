import { mailSummary, MAX_MAIL_ATTEMPTS } from '../../../shared/notifications/ledger.ts';
import { daregSummary, MAX_DAREG_FAILURES } from '../../../shared/dareg/ledger.ts';
import type { DatasetState, DatasetStatus } from '../../../shared/state/dataset-state.ts';
import { DEFAULT_REQUEUE_POLICY } from '../../../shared/reconcile/requeue-backoff.ts';
import { countsLine, shorten, table } from './format.ts';
import { safeText } from './safe-text.ts';

export const STATUS_ORDER: DatasetStatus[] = ['provisioned', 'provisioning', 'pending', 'failed', 'deleted'];

/** The short problem of a dataset for the table: the failure reason, else the last error. */
export function problemOf(s: DatasetState): string {
  if (s.status === 'failed') return s.failureReason ?? s.lastError?.message ?? 'unknown';
  if (s.lastError && s.status !== 'provisioned') return `${s.lastError.step}: ${s.lastError.message}`;
  return '';
}

export function totalsByStatus(records: DatasetState[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const r of records) totals[r.status] = (totals[r.status] ?? 0) + 1;
  return totals;
}

/** The table of all datasets, sorted by folder, with totals per status. */
export function renderStatusTable(records: DatasetState[]): string[] {
  if (records.length === 0) return ['no dataset records'];
  const rows = records.map((r) => [r.dataset.prefix, r.status, r.outputs.spaceId ?? '-', String(r.attempts), shorten(problemOf(r), 70) || '-']);
  return [
    ...table(['FOLDER', 'STATUS', 'SPACE', 'ATTEMPTS', 'LAST ERROR / REASON'], rows),
    '',
    `${records.length} datasets: ${countsLine(totalsByStatus(records), STATUS_ORDER)}`,
  ];
}

/** The operator's next step for a failed dataset (as the status object beside the file says). */
function whatToDo(s: DatasetState): string {
  if (s.lastError?.permanent === false) return `Onedata failed temporarily: once it works again, s3od retry ${s.dataset.prefix}`;
  if (s.lastError?.onedataErrorId) return `fix what Onedata refused (error id ${s.lastError.onedataErrorId}), then s3od retry ${s.dataset.prefix}`;
  return 'fix the problem named above and upload the metadata file again (s3od retries on the new version)';
}

const yesNo = (v: boolean | undefined): string => (v ? 'yes' : 'no');

/** Everything about one dataset, for an operator. Never the invite token itself. */
/** `[#####-----]  50%`: drawn in a terminal only (a pipe gets the numbers alone). */
export function progressBar(done: number, total: number, width = 20): string {
  const f = total > 0 ? Math.min(1, done / total) : 1;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'-'.repeat(width - n)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}

/** Replication per provider and the countdown at the facility (docs/lifecycle.md). */
function lifecycleLines(s: DatasetState, bars: boolean): [string, string][] {
  const out: [string, string][] = [];
  const o = s.outputs;
  const rep = s.lifecycle?.replication;
  if (o.qosRequirementId) {
    out.push([
      'replication',
      `${o.replicasNum} replicas · QoS ${rep?.qosStatus ?? 'not checked yet'}${rep?.completeAt ? ` · complete ${rep.completeAt}` : ''}${rep ? ` · checked ${rep.checkedAt}` : ''}`,
    ]);
    for (const p of rep?.providers ?? []) {
      const bar = bars ? `${progressBar(p.filesReplicated, p.filesToProcess)} ` : '';
      out.push([
        `  ${p.url}`,
        `${bar}${p.filesReplicated}/${p.filesToProcess} files · ${p.bytesReplicated} bytes replicated${p.transfersOngoing ? ` · ${p.transfersOngoing} transfers running` : ''}`,
      ]);
    }
  }
  const e = s.lifecycle?.expiry;
  if (e) {
    const parts = [e.state, `remove at ${e.removeAt}`, `asked by ${e.source} (${e.spec})`];
    if (e.waitingFor) parts.push(`waiting: ${e.waitingFor}`);
    if (e.primaryRevokedAt) parts.push(`primary support revoked ${e.primaryRevokedAt}`);
    parts.push(
      e.objectsDeletedAt
        ? `${e.objectsDeleted ?? 0} objects deleted ${e.objectsDeletedAt}`
        : e.removeFromFilesystem
          ? 'objects deleted after the revocation'
          : 'objects kept',
    );
    out.push(['expiry', parts.join(' · ')]);
  }
  return out;
}

/** Mail about the dataset (docs/notifications.md): totals, what is still owed, and each failure with the server's answer. */
function mailLines(s: DatasetState): [string, string][] {
  if (!s.mail && !s.mailDue?.length) return [];
  const m = mailSummary(s);
  const totals = [
    `${m.sent} sent`,
    m.sending ? `${m.sending} sending (a crash mid-send: resent on the next run)` : '',
    m.failed ? `${m.failed} failed (retried)` : '',
    m.gaveUp ? `${m.gaveUp} gave up after ${MAX_MAIL_ATTEMPTS} attempts (s3od retry)` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const out: [string, string][] = [['mail', `${totals}${s.mailDue?.length ? ` · owed: ${s.mailDue.join(', ')}` : ''}`]];
  for (const e of Object.values(s.mail ?? {})) {
    if (e.state === 'failed') out.push(['  mail failed', `${e.event} → ${e.address}: ${e.lastError ?? 'unknown'} (attempt ${e.attempts}, ${e.lastAttemptAt})`]);
  }
  return out;
}

/** DAREG, the dataset register (docs/dareg.md): what it got, what is still owed, and the last failure. */
function daregLines(s: DatasetState): [string, string][] {
  const d = s.dareg;
  if (!d) return [];
  const m = daregSummary(d);
  const state = m.owed === 0 ? 'all sent' : m.gaveUp ? `gave up after ${MAX_DAREG_FAILURES} failed runs (s3od retry)` : `owed: ${d.due.join(', ')}`;
  const out: [string, string][] = [['dareg', `${m.sent} calls sent · ${state}`]];
  if (d.lastError) out.push(['  dareg failed', `${d.lastError} (${d.failures} failed run${d.failures === 1 ? '' : 's'}, last ${d.lastAttemptAt ?? '-'})`]);
  return out;
}

export function renderDatasetStatus(s: DatasetState, now = new Date(), opts: { bars?: boolean } = {}): string[] {
  const o = s.outputs;
  const kv: [string, string | undefined][] = [
    ['status', s.status],
    ['dataset id', s.dataset.id],
    ['metadata file', s.metadataFile ? `${s.metadataFile}${s.metadataEtag ? ` (etag ${s.metadataEtag})` : ''}` : undefined],
    ['onedata name', o.onedataName],
    ['space', o.spaceId],
    ['storage', o.storageId],
    ['group', o.groupId],
    ['share', o.shareId],
    ['public URL', o.publicUrl ?? (o.embargoedUntil ? `none yet: embargoed until ${o.embargoedUntil}` : undefined)],
    [
      'invite token',
      o.inviteToken || o.inviteTokenId
        ? `set${o.inviteTokenId ? ` (token id ${o.inviteTokenId}${o.inviteTokenName ? `, name ${o.inviteTokenName}` : ''})` : ''}`
        : 'not set',
    ],
    ['root file', o.rootFileId],
    ['attempts', String(s.attempts)],
    ['completed steps', Object.keys(s.completedSteps).length ? Object.keys(s.completedSteps).join(', ') : 'none'],
  ];
  if (s.failureReason) kv.push(['failure reason', s.failureReason]);
  if (s.lastError) {
    const e = s.lastError;
    const message = `${e.step}: ${e.message}`;
    // A permanent failure's reason usually is the last error: say it once.
    kv.push(['last error', message === s.failureReason ? '(the failure reason)' : message]);
    kv.push(['', `onedata error id ${e.onedataErrorId ?? '-'} · ${e.permanent ? 'permanent' : 'transient'} · at ${e.at}`]);
  } else kv.push(['last error', 'none']);
  if (s.status === 'failed') kv.push(['what to do', whatToDo(s)]);
  const imp = s.import;
  kv.push(['import', `registered ${imp.registered} · failed ${imp.failed} · removed ${imp.removed}${imp.lastImportAt ? ` · last ${imp.lastImportAt}` : ''}`]);
  if (imp.listing)
    kv.push([
      '  listing',
      `${imp.listing.done ? 'done' : 'in progress'} · ${imp.listing.listed} listed${imp.listing.startAfter && !imp.listing.done ? ` · after ${imp.listing.startAfter}` : ''}`,
    ]);
  if (imp.scan) {
    const sc = imp.scan;
    const parts = [
      sc.status ? `status ${sc.status}` : undefined,
      sc.forceStarts !== undefined ? `${sc.forceStarts} forced starts` : undefined,
      sc.createdFiles !== undefined ? `created ${sc.createdFiles}, modified ${sc.modifiedFiles ?? 0}, deleted ${sc.deletedFiles ?? 0}` : undefined,
      sc.startedAt ? `started ${sc.startedAt}` : undefined,
      sc.scheduledFor ? `next ${sc.scheduledFor}` : undefined,
    ].filter(Boolean);
    kv.push(['  scan', parts.join(' · ') || '-']);
  }
  kv.push([
    '  growing',
    `${yesNo(imp.growing)}${imp.frozenAt ? ` · frozen ${imp.frozenAt}${imp.frozenSize !== undefined ? ` at ${imp.frozenSize} bytes` : ''}` : ' · not frozen'}`,
  ]);
  if (s.requeues && s.status !== 'provisioned') {
    const r = s.requeues;
    const stopped = r.count >= DEFAULT_REQUEUE_POLICY.limit;
    kv.push([
      'reconcile',
      `${r.count} of ${DEFAULT_REQUEUE_POLICY.limit} re-queues of etag ${r.etag}, last ${r.lastAt}${stopped ? ' · stopped: upload a new version or s3od retry' : ''}`,
    ]);
  }
  // s3od access tokens (ids only are recorded): one line each, so --revoke TOKEN_ID is at hand.
  for (const g of s.access ?? []) {
    const state = g.revokedAt ? `revoked ${g.revokedAt}` : Date.parse(g.expiresAt) <= now.getTime() ? `expired ${g.expiresAt}` : `valid until ${g.expiresAt}`;
    kv.push(['access token', `${g.tokenId} (${g.name}) · ${state}`]);
  }
  kv.push(...mailLines(s));
  kv.push(...daregLines(s));
  kv.push(...lifecycleLines(s, opts.bars ?? false));
  kv.push(['created', s.createdAt], ['updated', s.updatedAt], ['provisioned', s.provisionedAt]);
  if (s.lease) {
    const live = Date.parse(s.lease.expiresAt) > now.getTime();
    kv.push(['lease', `${live ? 'held' : 'expired'}: ${s.lease.owner} until ${s.lease.expiresAt}`]);
  }
  // Values mix our words with the record's strings (from the bucket, Onedata, operators): each
  // value is escaped whole — our own words have nothing to escape.
  const lines = [safeText(s.dataset.prefix), ...kv.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `  ${k.padEnd(16)}${safeText(v)}`)];
  if (s.history.length) {
    lines.push('  history (latest last):');
    for (const h of s.history.slice(-8)) lines.push(`    ${safeText(h.at)}  ${safeText(h.event)}${h.detail ? ` — ${shorten(safeText(h.detail), 120)}` : ''}`);
  }
  return lines;
}
