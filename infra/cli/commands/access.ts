import { isOnedataError } from '../../../shared/onedata/index.ts';
import type { DatasetState } from '../../../shared/state/dataset-state.ts';
import { issueAccessToken, revokeAccessTokens, type ProviderChoice } from '../lib/access-grants.ts';
import { kubernetesSecretSnippet, oneclientSnippet, type SnippetInput } from '../lib/access-snippets.ts';
import { DEFAULT_TTL, parseTtl } from '../lib/access-token.ts';
import { parseCommandArgs } from '../lib/args.ts';
import { CONFIG_HELP, withContext, type Command } from '../lib/command.ts';
import type { CliContext } from '../lib/context.ts';
import { CommandFailed, EXIT, UsageError } from '../lib/io.ts';
import { resolveDataset } from '../lib/records.ts';
import { safeText } from '../lib/safe-text.ts';

const OPTIONS = {
  ttl: { type: 'string' },
  provider: { type: 'string' },
  'oneclient-only': { type: 'boolean' },
  revoke: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const accessCommand: Command = {
  words: ['access'],
  summary: "issue a read-only token for one dataset's space (compute sites), or revoke it",
  help: `Usage: s3od access DATASET [--ttl 7d] [--provider NAME] [--oneclient-only] [--json]
       s3od access DATASET --revoke [TOKEN_ID] [--json]

Issues an access token for a compute site (Oneclient, Scipion on Kubernetes): a named token of
the Onezone user s3od runs as, confined by caveats to reading this dataset's space — it expires
(time), cannot write (data.readonly), reaches nothing but the space (data.path /<spaceId>) and
cannot call Onezone's or Onepanel's management APIs. Prints the Oneprovider endpoint, the token,
a Oneclient command line and a Kubernetes Secret. Only the token's id is recorded (in the
dataset's record), never the token: keep the output, it cannot be shown again.

  DATASET           the dataset folder, e.g. datasets/Run1 (must be provisioned)
  --ttl T           lifetime: 30m, 12h, 7d, 2w (default ${DEFAULT_TTL}; 1m to 365d)
  --provider NAME   the Oneprovider the site uses (its name, domain, id or configured host;
                    default: the primary in restAccess.oneproviders); it must support the space
  --oneclient-only  adds the interface caveat "oneclient": the token then works in Oneclient
                    only, not over REST
  --revoke          revoke the dataset's tokens (all not yet revoked, or TOKEN_ID): they stop
                    working at once (a provider may accept one for up to 10 s from its cache)
  --json            {spaceId, oneproviderUrl, token, expiresAt, tokenId}; with --revoke the
                    revoked ids

The token is printed on stdout only: never logged, never in the record. See docs/access.md.
Exit codes: 0 ok, 1 failure (not provisioned, provider does not support the space, Onedata
refused), 2 usage error.

${CONFIG_HELP}`,
  async run(argv, env) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, { min: 1, max: 2, names: 'DATASET' });
    const tokenId = positionals[1];
    if (tokenId !== undefined && !values.revoke) throw new UsageError(`unexpected argument ${JSON.stringify(tokenId)} (a TOKEN_ID goes with --revoke)`);
    if (values.revoke && (values.ttl || values.provider || values['oneclient-only']))
      throw new UsageError('--ttl, --provider and --oneclient-only are for issuing, not with --revoke');
    const ttlSeconds = parseTtl(values.ttl ?? DEFAULT_TTL);
    return withContext(values, env, async (ctx) => {
      const state = await provisionedRecord(ctx, positionals[0]!);
      const od = ctx.onedata();
      const deps = { zone: od.zone, states: ctx.states() };
      const { output } = env;
      if (values.revoke) {
        const r = await revokeAccessTokens(deps, state, tokenId);
        if (values.json) output.json({ revoked: r.revoked.map((g) => g.tokenId), missing: r.missing.map((g) => g.tokenId) });
        else {
          if (r.revoked.length + r.missing.length === 0) output.out(`no access token to revoke for ${safeText(state.dataset.prefix)}`);
          for (const g of r.revoked) output.out(`revoked ${safeText(g.tokenId)}  (${safeText(g.name)}, issued ${safeText(g.issuedAt)})`);
          for (const g of r.missing) output.out(`gone    ${safeText(g.tokenId)}  (${safeText(g.name)}: already deleted in Onezone; recorded as revoked)`);
        }
        return EXIT.ok;
      }
      const provider = await chooseProvider(ctx, values.provider);
      await requireSpaceReachable(ctx, state, provider);
      const issued = await issueAccessToken(deps, state, { provider, ttlSeconds, oneclientOnly: Boolean(values['oneclient-only']) });
      // Defence in depth: masked in every line but the ones that are this command's output.
      output.addSecret(issued.token);
      const snippet: SnippetInput = {
        oneproviderUrl: provider.url,
        spaceId: state.outputs.spaceId!,
        token: issued.token,
        tokenId: issued.grant.tokenId,
        expiresAt: issued.grant.expiresAt,
        folder: state.dataset.prefix,
      };
      if (values.json) {
        output.jsonRevealing(
          { spaceId: snippet.spaceId, oneproviderUrl: provider.url, token: issued.token, expiresAt: issued.grant.expiresAt, tokenId: issued.grant.tokenId },
          issued.token,
        );
        return EXIT.ok;
      }
      output.out(
        [
          `access token for ${safeText(state.dataset.prefix)}`,
          `  space        ${safeText(snippet.spaceId)}${state.outputs.onedataName ? ` (${safeText(state.outputs.onedataName)})` : ''}`,
          `  oneprovider  ${safeText(provider.url)}${provider.name ? ` (${safeText(provider.name)}, ${safeText(provider.providerId)})` : ` (${safeText(provider.providerId)})`}`,
          `  token id     ${safeText(issued.grant.tokenId)} (${safeText(issued.grant.name)})`,
          `  expires      ${safeText(issued.grant.expiresAt)}`,
          `  allows       ${values['oneclient-only'] ? 'Oneclient only; ' : ''}reading this space only: ${safeText(issued.grant.caveats)}`,
          `  revoke with  s3od access ${safeText(state.dataset.prefix)} --revoke ${safeText(issued.grant.tokenId)}`,
          '',
          'Token (a secret: hand it to the compute site only; it is not stored and cannot be shown again):',
        ].join('\n'),
      );
      output.outRevealing([issued.token, '', oneclientSnippet(snippet), '', kubernetesSecretSnippet(snippet)].join('\n'), issued.token);
      return EXIT.ok;
    });
  },
};

/** The dataset's record, which must name a space. */
async function provisionedRecord(ctx: CliContext, folder: string): Promise<DatasetState> {
  const ref = resolveDataset(ctx.config.bucket, folder, ctx.classifier);
  const rec = await ctx.states().read(ref.id);
  if (!rec) throw new CommandFailed(`no record for ${safeText(ref.prefix)}: s3od has not seen this dataset (try s3od status, s3od backfill)`);
  if (!rec.state.outputs.spaceId)
    throw new CommandFailed(`${safeText(ref.prefix)} has no space yet (status ${safeText(rec.state.status)}): see s3od status ${safeText(ref.prefix)}`);
  return rec.state;
}

/**
 * The configured Oneprovider named by `--provider` (its configured host URL or hostname, or the
 * name, domain or id it reports), or the primary one.
 */
async function chooseProvider(ctx: CliContext, wanted: string | undefined): Promise<ProviderChoice> {
  const configured = [...ctx.config.restAccess.oneproviders].sort((a, b) => Number(b.isPrimary) - Number(a.isPrimary));
  const url = (host: string): string => host.replace(/\/+$/, '');
  const describe = async (host: string): Promise<ProviderChoice> => {
    const c = await ctx.onedata({ providerUrl: url(host), publicOnly: true }).provider.getConfiguration();
    return { url: url(host), providerId: c.providerId, ...(c.name ? { name: c.name } : {}) };
  };
  if (wanted === undefined) return describe(configured[0]!.host);
  const byHost = configured.find((p) => url(p.host) === url(wanted) || new URL(p.host).hostname === wanted);
  if (byHost) return describe(byHost.host);
  for (const p of configured) {
    const c = await ctx.onedata({ providerUrl: url(p.host), publicOnly: true }).provider.getConfiguration();
    if ([c.name, c.domain, c.providerId].includes(wanted)) return { url: url(p.host), providerId: c.providerId, ...(c.name ? { name: c.name } : {}) };
  }
  throw new CommandFailed(
    `no configured Oneprovider is named ${safeText(wanted)} (restAccess.oneproviders: ${configured.map((p) => safeText(p.host)).join(', ')})`,
  );
}

/**
 * A token can read no more than its owner: the owner (the Onezone token's user, who created the
 * space through the manager group) must reach the space, and the provider must support it.
 */
async function requireSpaceReachable(ctx: CliContext, state: DatasetState, provider: ProviderChoice): Promise<void> {
  const { zone } = ctx.onedata();
  const spaceId = state.outputs.spaceId!;
  const mine = await zone.listEffectiveSpaces();
  if (!mine.includes(spaceId)) {
    throw new CommandFailed(
      `the Onezone user s3od runs as is not a member of space ${safeText(spaceId)} (adopted from elsewhere?): a token it issues could not read it`,
    );
  }
  let providers: string[];
  try {
    providers = Object.keys((await zone.getSpace(spaceId)).providers ?? {});
  } catch (e) {
    if (isOnedataError(e)) throw new CommandFailed(`space ${safeText(spaceId)}: ${e.message}`);
    throw e;
  }
  if (!providers.includes(provider.providerId)) {
    throw new CommandFailed(
      `Oneprovider ${safeText(provider.name ?? provider.providerId)} does not support space ${safeText(spaceId)} (supported by: ${providers.map(safeText).join(', ') || 'none'}): the token would find nothing there`,
    );
  }
}
