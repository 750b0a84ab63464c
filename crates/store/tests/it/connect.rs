//! How the store connects: a serving process's SQLite connections read through a memory map,
//! a bulk command's do not, and each sees what the other commits.

use crate::engines::per_engine;
use crate::harness::fresh_url;
use hoctap_store::{Engine, Store};

per_engine!(a_serving_store_maps_sqlite_and_sees_another_connections_writes);
async fn a_serving_store_maps_sqlite_and_sees_another_connections_writes(engine: Engine) {
    let url = fresh_url(engine).await;
    let serving = Store::connect_serving(&url).await.unwrap();
    let plain = Store::connect(&url).await.unwrap();
    if engine == Engine::Sqlite {
        // Every connection of the pool gets the pragma: several at once, each asked.
        let sizes = futures_util::future::join_all((0..4).map(|_| serving.scalar_i64("PRAGMA mmap_size"))).await;
        for size in sizes {
            assert_eq!(size.unwrap(), 1 << 30, "the server's connections read through a map");
        }
        assert_eq!(plain.scalar_i64("PRAGMA mmap_size").await.unwrap(), 0, "a bulk command's do not");
    }
    // A table read through the map, then rows written on another connection: the next read sees them.
    plain.exec_raw("CREATE TABLE connect_probe (n INTEGER NOT NULL)").await.unwrap();
    assert_eq!(serving.scalar_i64("SELECT COUNT(*) FROM connect_probe").await.unwrap(), 0);
    for n in 1..=3 {
        plain.exec_raw(&format!("INSERT INTO connect_probe (n) VALUES ({n})")).await.unwrap();
        assert_eq!(serving.scalar_i64("SELECT COALESCE(SUM(n), 0) FROM connect_probe").await.unwrap(), n * (n + 1) / 2);
    }
    serving.close().await;
    plain.close().await;
}
