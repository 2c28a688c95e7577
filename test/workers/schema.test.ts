import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrate, type Migration } from "../../durable-objects/schema";

const V1: Migration = { version: 1, sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);" };
const V2: Migration = { version: 2, sql: "ALTER TABLE notes ADD COLUMN author TEXT;" };

/** Runs `test` on the SQL storage of an object of its own (a stats object, whose storage uses no migrations). */
function withFreshStorage(test: (sql: SqlStorage) => void): Promise<void> {
  const stub = env.REGION_STATS.get(env.REGION_STATS.idFromName(`schema-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_instance, state) => test(state.storage.sql));
}

const rowsChanged = (sql: SqlStorage) => sql.exec<{ n: number }>("SELECT total_changes() AS n").one().n;

describe("schema migrations", () => {
  it("applies each migration once, in order, and writes nothing when the schema is current", async () => {
    await withFreshStorage((sql) => {
      expect(migrate(sql, [V1])).toBe(1);
      sql.exec("INSERT INTO notes (id, text) VALUES (1, 'kept')");
      expect(migrate(sql, [V1, V2])).toBe(2);
      expect(sql.exec("SELECT id, text, author FROM notes").toArray()).toEqual([{ id: 1, text: "kept", author: null }]);
      expect(sql.exec("SELECT version FROM _schema").toArray()).toEqual([{ version: 2 }]);

      // What a restarted object does: the version is read, nothing is written.
      const before = rowsChanged(sql);
      expect(migrate(sql, [V1, V2])).toBe(2);
      expect(rowsChanged(sql)).toBe(before);
    });
  });

  it("refuses a list whose numbers skip one, and leaves the recorded version as it was", async () => {
    await withFreshStorage((sql) => {
      expect(migrate(sql, [V1])).toBe(1);
      expect(() => migrate(sql, [V1, { version: 3, sql: "CREATE TABLE skipped (id INTEGER);" }])).toThrow(/migration 3 follows 1/);
      expect(sql.exec("SELECT version FROM _schema").one().version).toBe(1);
      expect(sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE name = 'skipped'").one().n).toBe(0);
    });
  });
});
