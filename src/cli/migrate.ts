// `npm run migrate`, the Procfile's `release:` step: opens the store named by DATABASE_URL, which
// applies its pending numbered migrations (once, even when several processes start together), and
// exits: 0 when the store is ready for this version, 1 with one line saying why not.

import { loadEnvConfig } from '../config.ts';
import { describeError } from '../errors.ts';
import { passwordMaskedForLogs } from '../fetch/credentials.ts';
import { openStore } from '../store/store.ts';

async function main(): Promise<void> {
  const env = loadEnvConfig(process.env);
  const started = Date.now();
  const store = await openStore(env.databaseUrl, env.databaseOptions);
  await store.close();
  process.stdout.write(`migrate: ${passwordMaskedForLogs(env.databaseUrl)} is up to date (${Date.now() - started} ms)\n`);
}


main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`migrate: ${describeError(err)}\n`);
  process.exit(1);
});
