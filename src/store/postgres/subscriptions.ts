// PostgreSQL: verified WebSub subscriptions, and the content version last delivered per topic URL.

import { callbackHost, toSubscription, toSubscriptionRow, type SubscriptionRow } from '../rows.ts';
import type { SubscriptionRepository } from '../store.ts';
import type { PgDb } from './db.ts';

export function createPgSubscriptions(shared: PgDb): SubscriptionRepository {
  return {
    async saveSubscription(subscription) {
      const row = toSubscriptionRow(subscription);
      await shared.transaction(async (client) => {
        await client.query(`DELETE FROM websub_subscriptions WHERE expires_at <= $1`, [Date.now()]);
        await client.query(`INSERT INTO websub_subscriptions (topic_url, callback, secret, expires_at, created_at)
          VALUES ($1, $2, $3, $4, $5) ON CONFLICT (topic_url, callback) DO UPDATE
          SET secret = excluded.secret, expires_at = excluded.expires_at`,
        [row.topic_url, row.callback, row.secret, row.expires_at, row.created_at]);
      });
    },
    async removeSubscription(topicUrl, callback) {
      return (await shared.run(`DELETE FROM websub_subscriptions WHERE topic_url = $1 AND callback = $2`, [topicUrl, callback])) > 0;
    },
    async listSubscriptions(topicUrl) {
      const rows = topicUrl === undefined
        ? await shared.query<SubscriptionRow>(`SELECT * FROM websub_subscriptions WHERE expires_at > $1 ORDER BY topic_url, callback`, [Date.now()])
        : await shared.query<SubscriptionRow>(`SELECT * FROM websub_subscriptions WHERE topic_url = $1 AND expires_at > $2 ORDER BY callback`,
          [topicUrl, Date.now()]);
      return rows.map(toSubscription);
    },
    async countSubscriptions(filter) {
      if (filter?.callbackHost === undefined) {
        const [row] = await shared.query<{ n: number }>(`SELECT count(*) AS n FROM websub_subscriptions WHERE expires_at > $1`, [Date.now()]);
        return row?.n ?? 0;
      }
      const rows = await shared.query<{ callback: string }>(`SELECT callback FROM websub_subscriptions WHERE expires_at > $1`, [Date.now()]);
      return rows.filter((r) => callbackHost(r.callback) === filter.callbackHost).length;
    },
    async getDeliveredVersion(topicUrl) {
      const [row] = await shared.query<{ version: string }>(`SELECT version FROM websub_delivered WHERE topic_url = $1`, [topicUrl]);
      return row?.version;
    },
    async swapDeliveredVersion(topicUrl, expected, next) {
      return (expected === undefined
        ? await shared.run(`INSERT INTO websub_delivered (topic_url, version) VALUES ($1, $2) ON CONFLICT (topic_url) DO NOTHING`, [topicUrl, next])
        : await shared.run(`UPDATE websub_delivered SET version = $1 WHERE topic_url = $2 AND version = $3`, [next, topicUrl, expected])) > 0;
    },
  };
}
