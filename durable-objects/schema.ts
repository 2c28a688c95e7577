/**
 * Versioned SQLite schema migrations for a Durable Object.
 *
 * A migration, once shipped, is never edited: a change of schema is a new
 * entry at the end of the list. The applied version lives in the database
 * itself, so an object that wakes on newer code upgrades in place, inside
 * the constructor's `blockConcurrencyWhile`, before it serves anything.
 */
export interface Migration {
  /** 1, 2, 3, …: the position of this migration in its list. */
  version: number;
  /** One or more SQL statements, run in order. */
  sql: string;
}

/**
 * Applies every migration newer than the database's recorded version.
 * The statements run synchronously, so a migration is atomic with respect to
 * other requests; storage commits them together with the version bump.
 *
 * @example
 * migrate(ctx.storage.sql, [{ version: 1, sql: "CREATE TABLE t (id TEXT PRIMARY KEY)" }]);
 */
export function migrate(sql: SqlStorage, migrations: readonly Migration[]): number {
  sql.exec("CREATE TABLE IF NOT EXISTS _schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM _schema WHERE id = 1").toArray()[0];
  let current = row?.version ?? 0;
  for (const migration of migrations.filter((m) => m.version > current)) {
    if (migration.version !== current + 1) {
      throw new Error(`migration ${migration.version} follows ${current}: migrations are numbered 1, 2, 3, …`);
    }
    sql.exec(migration.sql);
    current = migration.version;
  }
  // An object starts often (after every eviction) and its schema is seldom new: a current one costs a read, no write.
  if (current !== row?.version) {
    sql.exec("INSERT INTO _schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", current);
  }
  return current;
}
