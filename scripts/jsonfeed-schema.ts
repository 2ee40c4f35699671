// JSON Feed 1.1 validation against the `jsonfeed-schema` package's schema, shared by the render tests
// and scripts/conformance.ts so both judge a feed by the same rules.

import { createRequire } from 'node:module';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = addFormatsModule.default;

/** Compiles the 1.1 schema once; the returned function lists violations (empty when valid). */
export function jsonFeedValidator(): (feed: unknown) => string[] {
  const schema: unknown = require('jsonfeed-schema/schema-v1.1.json');
  if (typeof schema !== 'object' || schema === null) throw new Error('jsonfeed-schema: schema-v1.1.json is not an object');
  const ajv = new Ajv({ allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (feed) => (validate(feed) ? [] : (validate.errors ?? []).map(describe));
}

function describe(error: ErrorObject): string {
  return `${error.instancePath || '/'} ${error.message ?? error.keyword}`;
}
