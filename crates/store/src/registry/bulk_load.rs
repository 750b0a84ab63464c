//! A large first import into an empty PostgreSQL registry: indexes and constraints dropped
//! and re-created around the load, inside the import's transaction.

use super::*;

/// Rows written before a first import into an empty registry switches to [`BulkLoad`]: small
/// imports never take the table lock it needs.
pub(super) const BULK_LOAD_AFTER: usize = 50_000;

/// A large first import into an empty PostgreSQL registry, loaded the way PostgreSQL's manual
/// advises ("Populating a Database": remove indexes and foreign keys, load, re-create them):
/// building an index once over a million rows is three times cheaper than maintaining it row
/// by row, and checking the foreign key to `units` with one join instead of a trigger per row
/// saves 4 s per million. The unique and foreign-key constraints and the indexes are read from
/// the catalog, dropped, and re-created from the same definitions before commit, inside the
/// import's transaction: a failure or a kill rolls them back with the rows, and a re-created
/// constraint checks every row again. SQLite gains nothing from this (measured) and keeps its
/// indexes.
pub(super) struct BulkLoad {
    /// Statements that re-create what was dropped, in order.
    restore: Vec<String>,
}

impl BulkLoad {
    /// Takes the table for itself and drops its secondary indexes and constraints, if the
    /// table still holds only the `written` rows of this import; None otherwise (SQLite, or
    /// another import got there first).
    pub(super) async fn begin(conn: &mut Conn, reg: &Registry, written: usize) -> Result<Option<BulkLoad>> {
        if crate::dialect::anonymous(&*conn) {
            return Ok(None);
        }
        // Readers of this registry wait for the import from here on; it held no record.
        crate::db::query(sqlx::AssertSqlSafe(format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", reg.table))).execute(&mut *conn).await?;
        let n = crate::db::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {}", reg.table))).fetch_one(&mut *conn).await?;
        if usize::try_from(n.i64("n")?).ok() != Some(written) {
            return Ok(None);
        }
        // Unique constraints another table's foreign key depends on stay.
        let constraints = crate::db::query(
            "SELECT quote_ident(c.conname) AS name, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c \
             WHERE c.conrelid = $1::regclass AND c.contype IN ('u', 'f') \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint d WHERE d.contype = 'f' AND d.confrelid = c.conrelid AND d.conindid = c.conindid AND c.contype = 'u') \
             ORDER BY c.contype DESC, c.conname",
        )
        .bind(reg.table)
        .fetch_all(&mut *conn)
        .await?;
        let indexes = crate::db::query(
            "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i \
             WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        )
        .bind(reg.table)
        .fetch_all(&mut *conn)
        .await?;
        let mut restore = Vec::new();
        for r in &indexes {
            let (name, def): (String, String) = (r.try_get("name")?, r.try_get("def")?);
            crate::db::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}"))).execute(&mut *conn).await?;
            restore.push(def);
        }
        // Unique constraints ('u') first when re-created, foreign keys ('f') last.
        for r in &constraints {
            let (name, def): (String, String) = (r.try_get("name")?, r.try_get("def")?);
            crate::db::query(sqlx::AssertSqlSafe(format!("ALTER TABLE {} DROP CONSTRAINT {name}", reg.table))).execute(&mut *conn).await?;
            restore.push(format!("ALTER TABLE {} ADD CONSTRAINT {name} {def}", reg.table));
        }
        Ok(Some(BulkLoad { restore }))
    }

    /// Re-creates the indexes and constraints over every row, before commit.
    pub(super) async fn finish(self, conn: &mut Conn) -> Result<()> {
        // Index builds sort in memory up to this much (the default is 64 MB).
        crate::db::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut *conn).await?;
        for sql in self.restore {
            crate::db::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Drops the registries' foreign keys to `units` for a national bulk load (`hoctap gen
    /// --scale national`), as PostgreSQL's manual advises for populating a database: the check
    /// runs a query per row, a third of the load's time (measured on Lạng Sơn's 3 M rows: 51 s
    /// with it, 33 s without). [`Store::restore_registry_unit_keys`] re-creates them and checks
    /// every row with one join. Idempotent, so an interrupted run that resumes calls both again.
    /// SQLite: nothing to do (false).
    #[inline(never)]
    pub fn suspend_registry_unit_keys<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<bool>> {
        Box::pin(async move {
            if self.engine() != crate::Engine::Postgres {
                return Ok(false);
            }
            for reg in hoctap_domain::registry::def::REGISTRIES {
                self.exec_raw(&format!("ALTER TABLE {0} DROP CONSTRAINT IF EXISTS {0}_unit_id_fkey", reg.table)).await?;
            }
            // The word indexes (migration 0087) and the list-order indexes (0088) too: built once
            // over the country at the end, not row by row.
            for table in super::words::WORD_INDEXED {
                self.exec_raw(&format!("DROP INDEX IF EXISTS {}", super::words::index_name(table))).await?;
            }
            for (index, _) in super::words::ORDERED {
                self.exec_raw(&format!("DROP INDEX IF EXISTS {index}")).await?;
            }
            Ok(true)
        })
    }

    /// Re-creates the foreign keys [`Store::suspend_registry_unit_keys`] dropped (those
    /// missing), each checked over every row; a row whose unit does not exist fails it, naming
    /// the registry. Then builds the word indexes it dropped, and analyses their tables.
    #[inline(never)]
    pub fn restore_registry_unit_keys<'fut, 'l1: 'fut>(&'l1 self) -> crate::BoxFut<'fut, Result<()>> {
        Box::pin(async move {
            if self.engine() != crate::Engine::Postgres {
                return Ok(());
            }
            for reg in hoctap_domain::registry::def::REGISTRIES {
                let name = format!("{}_unit_id_fkey", reg.table);
                let present = crate::db::query("SELECT COUNT(*) AS n FROM pg_constraint WHERE conname = $1")
                    .bind(&name)
                    .fetch_one(self.pool())
                    .await?
                    .i64("n")?;
                if present == 0 {
                    self.exec_raw(&format!("ALTER TABLE {} ADD CONSTRAINT {name} FOREIGN KEY (unit_id) REFERENCES units (id)", reg.table))
                        .await
                        .map_err(|e| StoreError::Corrupt(format!("sổ {}: có dòng thuộc đơn vị không tồn tại ({e})", reg.title)))?;
                }
            }
            for (index, table) in super::words::ORDERED {
                self.exec_raw(&format!("SET maintenance_work_mem = '1GB'; CREATE INDEX IF NOT EXISTS {index} ON {table} (province_code, id); RESET maintenance_work_mem"))
                .await?;
            }
            for table in super::words::WORD_INDEXED {
                self.exec_raw(&format!(
                "SET maintenance_work_mem = '1GB'; CREATE INDEX IF NOT EXISTS {} ON {table} USING gin ({}); ANALYZE {table}; RESET maintenance_work_mem",
                super::words::index_name(table),
                super::words::indexed_words("")
            ))
            .await?;
            }
            Ok(())
        })
    }
}
