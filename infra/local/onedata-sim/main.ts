/**
 * CLI: `npm run onedata-sim -- --port <p> [--latency-ms N] [--propagation-delay-ms N] [--fault-rate F]
 * [--lost-response-rate F] [--scan-duration-ms N] [--transfer-duration-ms N] [--providers N] [--token T]
 * [--zone-domain D]`. Each option also reads `ONEDATA_SIM_<NAME>` (e.g. `ONEDATA_SIM_LATENCY_MS`).
 * Prints the seeded info, then one line `READY <json>`, and runs until SIGINT/SIGTERM.
 */
import { parseCli } from './cli.ts';
import { startOnedataSim } from './index.ts';

async function main(): Promise<void> {
  const opts = parseCli(process.argv.slice(2), process.env);
  const sim = await startOnedataSim(opts);
  const { info } = sim;
  console.log(`Onedata simulator (21.02.7 REST APIs) listening on ${info.url}`);
  console.log(`  Onezone:          ${info.url}/api/v3/onezone (domain ${info.zoneDomain})`);
  for (const p of info.providers) console.log(`  provider ${p.name}: ${p.url}/api/v3/{oneprovider,onepanel} (id ${p.id})`);
  console.log(`  service user:     ${info.serviceUserId}`);
  console.log(`  manager group:    ${info.managerGroupId}`);
  console.log(`  user group:       ${info.userGroupId}`);
  console.log(`  knobs:            ${JSON.stringify(sim.knobs())}`);
  console.log(`  inspect:          ${info.url}/_sim/state, ${info.url}/_sim/requests`);
  console.log(`READY ${JSON.stringify(info)}`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`onedata-sim: ${signal}, stopping`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(`onedata-sim: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
