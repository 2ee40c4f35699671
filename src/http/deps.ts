// What the HTTP layer is given by the composition root (src/main.ts). Nothing here does I/O.

import type { Logger } from '../log.ts';
import type { Language } from '../render/i18n/messages.ts';
import type { Source, Topic } from '../model.ts';
import type { ResponseCache } from '../cache/cache.ts';
import type { Metrics } from '../metrics.ts';
import type { ArticleStore } from '../store/store.ts';
import type { WebSubHub } from '../websub/hub.ts';
import type { FrontDoorRecords } from './front-door.ts';
import type { RequestLimits } from './limits.ts';

/** The topics and sources in force; a function because a config reload replaces them. */
export interface Catalog {
  topics: readonly Topic[];
  sources: readonly Source[];
}

export interface HttpSettings {
  /** Public origin for every absolute link, without a trailing slash. */
  baseUrl: string;
  siteTitle: string;
  /** SITE_DESCRIPTION; absent or '': the catalogue's description of the site, in the page's language. */
  siteDescription?: string;
  /** The site icon's PNG bytes (SITE_ICON, read at boot); absent: the bundled assets/icon.png. */
  siteIcon?: Buffer;
  /** SITE_LANGUAGE: the interface language when the request names none the catalogue has (default uk). */
  siteLanguage?: Language;
  maxAgeSeconds: number;
  staleWhileRevalidate: number;
  /** Access-Control-Allow-Origin for feeds and /topics; '' sends none. */
  corsOrigin: string;
  /** The WebSub hub feeds advertise (`${baseUrl}/websub`); absent when WEBSUB=off. */
  hubUrl?: string;
  /** Rate limits, overload bound and page budget; each one left out takes its DEFAULT_LIMITS value. */
  limits?: Partial<RequestLimits>;
  /** The store's data file (SQLite), checked by /healthz: a deleted data directory is noticed. */
  dataFile?: string;
  /** ADMIN_TOKEN: when set, admin resources (/sources) answer only to `Authorization: Bearer <it>`. */
  adminToken?: string;
}

export interface AppDeps {
  store: ArticleStore;
  cache: ResponseCache;
  catalog: () => Catalog;
  settings: HttpSettings;
  log: Logger;
  now?: () => Date;
  /** The built-in WebSub hub behind POST /websub; absent when WEBSUB=off. */
  websub?: WebSubHub;
  /** This process's Prometheus metrics: requests are timed and GET /metrics served when given. */
  metrics?: Metrics;
  /** Where cached routes record what the front door may repeat; absent when no front door serves. */
  frontDoor?: FrontDoorRecords;
}
