// Which interface language a page is shown in: `?lang=` when it names one the catalogue has, else the
// first of the visitor's Accept-Language it has, else the site's SITE_LANGUAGE.

import type { Request } from 'express';
import { isLanguage, LANGUAGES, type Language } from '../render/i18n/messages.ts';

export function interfaceLanguage(req: Request, siteLanguage: Language): Language {
  const asked = typeof req.query.lang === 'string' ? req.query.lang.toLowerCase().split('-')[0] : undefined;
  if (isLanguage(asked)) return asked;
  // accepts-languages matches primary subtags itself: `uk-UA` in the header picks `uk`.
  const accepted = req.headers['accept-language'] ? req.acceptsLanguages([...LANGUAGES]) : false;
  return isLanguage(accepted) ? accepted : siteLanguage;
}
