// SQLite: verified WebSub subscriptions, and the content version last delivered per topic URL.

import { callbackHost, toSubscription, toSubscriptionRow, type SubscriptionRow } from '../rows.ts';
import type { SubscriptionRepository } from '../store.ts';
import type { SqliteDb } from './db.ts';

export function createSqliteSubscriptions(shared: SqliteDb): SubscriptionRepository {
  const { db } = shared;
  const stmts = {
    save: db.prepare(`INSERT INTO websub_subscriptions (topic_url, callback, secret, expires_at, created_at)
      VALUES (@topic_url, @callback, @secret, @expires_at, @created_at) ON CONFLICT (topic_url, callback) DO UPDATE
      SET secret = excluded.secret, expires_at = excluded.expires_at`),
    remove: db.prepare(`DELETE FROM websub_subscriptions WHERE topic_url = ? AND callback = ?`),
    purge: db.prepare(`DELETE FROM websub_subscriptions WHERE expires_at <= ?`),
    list: db.prepare<[number], SubscriptionRow>(`SELECT * FROM websub_subscriptions WHERE expires_at > ? ORDER BY topic_url, callback`),
    ofTopic: db.prepare<[string, number], SubscriptionRow>(
      `SELECT * FROM websub_subscriptions WHERE topic_url = ? AND expires_at > ? ORDER BY callback`),
    count: db.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM websub_subscriptions WHERE expires_at > ?`),
    callbacks: db.prepare<[number], { callback: string }>(`SELECT callback FROM websub_subscriptions WHERE expires_at > ?`),
    delivered: db.prepare<[string], { version: string }>(`SELECT version FROM websub_delivered WHERE topic_url = ?`),
    firstDelivery: db.prepare(`INSERT INTO websub_delivered (topic_url, version) VALUES (?, ?) ON CONFLICT (topic_url) DO NOTHING`),
    nextDelivery: db.prepare(`UPDATE websub_delivered SET version = ? WHERE topic_url = ? AND version = ?`),
  };
  return {
    async saveSubscription(subscription) {
      await shared.write(() => {
        stmts.purge.run(Date.now());
        stmts.save.run(toSubscriptionRow(subscription));
      });
    },
    async removeSubscription(topicUrl, callback) {
      return (await shared.write(() => stmts.remove.run(topicUrl, callback))).changes > 0;
    },
    async listSubscriptions(topicUrl) {
      const now = Date.now();
      return (topicUrl === undefined ? stmts.list.all(now) : stmts.ofTopic.all(topicUrl, now)).map(toSubscription);
    },
    async countSubscriptions(filter) {
      const now = Date.now();
      if (filter?.callbackHost === undefined) return stmts.count.get(now)?.n ?? 0;
      return stmts.callbacks.all(now).filter((r) => callbackHost(r.callback) === filter.callbackHost).length;
    },
    async getDeliveredVersion(topicUrl) {
      return stmts.delivered.get(topicUrl)?.version;
    },
    async swapDeliveredVersion(topicUrl, expected, next) {
      const swap = () => (expected === undefined ? stmts.firstDelivery.run(topicUrl, next) : stmts.nextDelivery.run(next, topicUrl, expected));
      return (await shared.write(swap)).changes > 0;
    },
  };
}
