// What every page a browser test visits must pass: axe-core in the page (no serious or critical
// violation) and html-validate's recommended rules on the HTML the server sent. Both return findings
// as readable lines, so a failing assertion says what to fix and where.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import { HtmlValidate } from 'html-validate';
import type { BrowserContext, Frame, Page, Response } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });

/**
 * axe.run, skipping only the rules that can never yield a serious or critical violation: a violation's
 * impact is its rule's own impact when the rule has one, else the highest impact among its failed checks'
 * (axe's _finalizeRuleResult after publishMetaData), so a rule whose every check is minor or moderate
 * cannot produce a finding axeFindings keeps. Read from axe's own rule objects and check data at each
 * run (an axe without them throws here, it does not pass).
 * resultTypes: every violation keeps all its nodes; passes and the rest are cut to one node each, so axe
 * builds no CSS selector for the hundreds of nodes that pass.
 */
const AXE_RUN = `(() => {
  const audit = axe._audit;
  const mild = (impact) => impact === 'minor' || impact === 'moderate';
  const checkIds = (rule) => [...rule.any, ...rule.all, ...rule.none].map((c) => (typeof c === 'string' ? c : c.id));
  const neverSerious = (rule) => (rule.impact ? mild(rule.impact) : checkIds(rule).every((id) => mild(audit.data.checks[id].impact)));
  const rules = Object.fromEntries(audit.rules.filter(neverSerious).map((rule) => [rule.id, { enabled: false }]));
  return axe.run(document, { resultTypes: ['violations'], rules });
})()`;

/**
 * Gives every document in `context` axe-core from its start: its 500 KB cross the protocol once per
 * page instead of once per check (each crossing cost about 0.1 s of wall time and 0.08 s of CPU
 * between the test process, the browser and the renderer). Like an evaluation, and unlike a <script> element, the page's CSP does
 * not apply to it.
 */
export async function preloadAxe(context: BrowserContext): Promise<void> {
  await context.addInitScript(AXE_SOURCE);
}

/** axe-core's serious and critical violations in `target` (a page, or a frame such as an embed). */
export async function axeFindings(target: Page | Frame): Promise<string[]> {
  // Injected by evaluation where preloadAxe did not put it, not a <script> element: the page's CSP may forbid scripts.
  if (await target.evaluate('typeof axe === "undefined"')) await target.evaluate(AXE_SOURCE);
  return seriousViolations(await target.evaluate(AXE_RUN) as AxeResults);
}

/** The serious and critical violations of an axe run, one readable line each. */
export function seriousViolations(results: AxeResults): string[] {
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `axe ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Removes what Chromium itself adds to a page it made from a feed by XSLT: a red banner announcing the
 * end of XSLT support, with inline styles and white-on-red text of its own. It is the browser's, not
 * ours, so the checks leave it out.
 */
export async function removeXsltBanner(page: Page): Promise<void> {
  await page.evaluate("document.querySelectorAll('xslt-warning-banner').forEach((banner) => banner.remove())");
}

/**
 * Findings by document source: the same bytes get the same findings, and the browser tests fetch most
 * pages twice (a desktop and a phone width, one language), so each source is validated once.
 */
const validated = new Map<string, Promise<string[]>>();

/** html-validate's findings on one document's source. */
export function htmlFindings(html: string): Promise<string[]> {
  let findings = validated.get(html);
  if (findings === undefined) {
    findings = validator.validateString(html).then((report) =>
      report.results.flatMap((r) => r.messages.map((m) => `html-validate ${m.ruleId} ${m.line}:${m.column} ${m.message}`)));
    validated.set(html, findings);
  }
  return findings;
}

/**
 * The last document the main frame loaded, as the server sent it: clicks navigate, and the checks
 * want the bytes of the page they led to, not a re-fetch with other headers.
 */
export function trackDocuments(page: Page): () => Promise<{ url: string; status: number; contentType: string; body: string }> {
  let last: Response | undefined;
  page.on('response', (response) => {
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) last = response;
  });
  return async () => {
    if (!last) throw new Error('no document loaded yet');
    return { url: last.url(), status: last.status(), contentType: last.headers()['content-type'] ?? '', body: await last.text() };
  };
}
