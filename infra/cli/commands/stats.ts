import { parseCommandArgs } from '../lib/args.ts';
import { CONFIG_HELP, withContext, type Command } from '../lib/command.ts';
import { formatBytes, table } from '../lib/format.ts';
import { EXIT } from '../lib/io.ts';
import { readAllRecords } from '../lib/records.ts';
import { collectStats } from '../lib/stats.ts';

const OPTIONS = {
  json: { type: 'boolean' },
  'human-readable': { type: 'boolean', short: 'r' },
  prefix: { type: 'string' },
} as const;

export const statsCommand: Command = {
  words: ['stats'],
  summary: 'support size and occupancy of the dataset spaces, per provider, with totals',
  help: `Usage: s3od stats [--prefix P] [-r|--human-readable] [--json]

fs2od's "test stats" for the spaces s3od knows (its dataset records with a space id): for each
space, every supporting provider's support size and occupancy (Onepanel space support; the
occupancy of providers other than the configured ones is shown as "-"), then totals per provider
and a grand total.

  --prefix P            only datasets whose folder starts with P
  -r, --human-readable  sizes in 1024-based units (KiB, MiB, GiB, TiB, ...)
  --json                machine-readable output (always bytes)

Exit codes: 0 ok, 1 Onedata or the bucket could not be read, 2 usage error.

${CONFIG_HELP}`,
  async run(argv, env) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: '' });
    return withContext(values, env, async (ctx) => {
      const { output } = env;
      const records = await readAllRecords(ctx.objects(), { prefix: values.prefix });
      const report = await collectStats(ctx, records);
      if (values.json) {
        output.json(report);
        return EXIT.ok;
      }
      const h = Boolean(values['human-readable']);
      const label = (id: string) => (report.providers[id]?.name ? `${report.providers[id]!.name} (${id})` : id);
      const rows: string[][] = [];
      for (const s of report.spaces) {
        if (s.error && s.providers.length === 0) rows.push([s.folder, s.spaceId, '-', '-', '-', s.error]);
        for (const p of s.providers) rows.push([s.folder, s.spaceId, label(p.providerId), formatBytes(p.support, h), formatBytes(p.occupancy, h), '']);
      }
      if (rows.length === 0) output.out('no dataset spaces');
      else for (const line of table(['FOLDER', 'SPACE', 'PROVIDER', 'SUPPORT', 'OCCUPANCY', ''], rows)) output.out(line);
      output.out('');
      output.out('Totals per provider:');
      const totals = Object.entries(report.providers).map(([id, p]) => [
        label(id),
        String(p.spaces),
        formatBytes(p.support, h),
        formatBytes(p.occupancy, h) + (p.occupancyUnknown ? ` (+${p.occupancyUnknown} unknown)` : ''),
      ]);
      for (const line of table(['PROVIDER', 'SPACES', 'SUPPORT', 'OCCUPANCY'], totals)) output.out(`  ${line}`);
      output.out('');
      output.out(
        `Grand total: ${report.total.spaces} spaces, support ${formatBytes(report.total.support, h)}, occupancy ${formatBytes(report.total.occupancy, h)}`,
      );
      return EXIT.ok;
    });
  },
};
