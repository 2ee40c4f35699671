// `npm run import-opml -- file.opml`: adds the feeds of an OPML file to FEEDS_DIR/sources.yaml and
// reports what it added and skipped. The result is validated like at boot before it is written.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvConfig, loadFeedsConfig, SOURCES_FILE } from '../config.ts';
import { describeError } from '../errors.ts';
import { addSources, parseOpml } from '../sources/opml-import.ts';

async function main(): Promise<number> {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npm run import-opml -- <file.opml>\n');
    return 2;
  }
  const env = loadEnvConfig(process.env);
  const target = join(env.feedsDir, SOURCES_FILE);
  const before = existsSync(target) ? readFileSync(target, 'utf8') : '';
  const feeds = await parseOpml(readFileSync(file, 'utf8'), file);
  const report = addSources(before, feeds);
  for (const a of report.added) process.stdout.write(`added   ${a.id}  ${a.url}\n`);
  for (const s of report.skipped) process.stdout.write(`skipped ${s.url}  (${s.reason})\n`);
  if (report.added.length > 0) {
    // Write beside, validate the whole config, then swap: a bad import never leaves a broken file.
    const staged = `${target}.importing`;
    writeFileSync(staged, report.yaml);
    try {
      renameSync(staged, target);
      loadFeedsConfig(env.feedsDir);
    } catch (err) {
      writeFileSync(target, before);
      throw err;
    }
  }
  process.stdout.write(`${report.added.length} added, ${report.skipped.length} skipped, to ${target}\n`);
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`import-opml: ${describeError(err)}\n`);
  process.exit(1);
});
