//! Group commit: one task owns the writes that learners wait for (lesson progress, quiz
//! attempts) and commits many of them per transaction, so one fsync acknowledges a batch.
//!
//! A request hands the writer a [`WriteOp`] and waits; the writer takes every op queued (up
//! to [`MAX_BATCH`]), runs them all in one transaction, commits, and only then answers each
//! op. An op that fails rolls the batch back; the batch is then redone with each op in its own
//! savepoint, so that op alone is answered with its error.
//! So an acknowledged write is durable (`synchronous=FULL` on SQLite), and a failed commit
//! acknowledges nothing: clients retry with the same ids, which every op treats idempotently.
//! While one batch commits, the next one queues: batches grow with load without a timer.

use std::future::Future;
use std::pin::Pin;

use sqlx::AnyConnection;
use sqlx::Executor as _;
use tokio::sync::{mpsc, oneshot};

use super::Db;

pub const MAX_BATCH: usize = 512;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One write, applied inside the writer's transaction. It must be safe to apply after a
/// crash lost an earlier unacknowledged try (idempotent by the keys it writes).
pub trait WriteOp: Send + 'static {
    type Output: Send + 'static;
    fn apply<'c>(&'c self, conn: &'c mut AnyConnection) -> BoxFuture<'c, Result<Self::Output, sqlx::Error>>;
}

trait Job: Send {
    fn apply<'c>(&'c mut self, conn: &'c mut AnyConnection) -> BoxFuture<'c, Result<(), sqlx::Error>>;
    fn answer(self: Box<Self>, committed: Result<(), String>);
}

struct Pending<W: WriteOp> {
    op: W,
    result: Option<Result<W::Output, sqlx::Error>>,
    reply: oneshot::Sender<Result<W::Output, WriteError>>,
}

impl<W: WriteOp> Job for Pending<W> {
    fn apply<'c>(&'c mut self, conn: &'c mut AnyConnection) -> BoxFuture<'c, Result<(), sqlx::Error>> {
        Box::pin(async move {
            let result = self.op.apply(conn).await;
            let failed = result.is_err();
            self.result = Some(result);
            if failed {
                Err(sqlx::Error::WorkerCrashed)
            } else {
                Ok(())
            }
        })
    }

    fn answer(self: Box<Self>, committed: Result<(), String>) {
        let outcome = match (committed, self.result) {
            (Ok(()), Some(Ok(out))) => Ok(out),
            (_, Some(Err(e))) => Err(WriteError::Op(e)),
            (Err(e), _) => Err(WriteError::Commit(e)),
            (Ok(()), None) => Err(WriteError::Commit("not applied".into())),
        };
        let _ = self.reply.send(outcome);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("write failed: {0}")]
    Op(sqlx::Error),
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("the writer has stopped")]
    Stopped,
}

/// The handle requests write through; cheap to clone.
#[derive(Clone, Debug)]
pub struct Writer {
    tx: mpsc::Sender<Box<dyn Job>>,
}

impl std::fmt::Debug for dyn Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl Writer {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db) -> Self {
        let (tx, rx) = mpsc::channel::<Box<dyn Job>>(8 * MAX_BATCH);
        tokio::spawn(run(db, rx));
        Self { tx }
    }

    /// Applies `op` in the next batch; returns once the batch is committed.
    pub async fn write<W: WriteOp>(&self, op: W) -> Result<W::Output, WriteError> {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Pending {
            op,
            result: None,
            reply,
        });
        self.tx.send(job).await.map_err(|_| WriteError::Stopped)?;
        answer.await.map_err(|_| WriteError::Stopped)?
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Box<dyn Job>>) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let committed = commit_batch(&db, &mut batch).await.map_err(|e| {
            tracing::error!(error = %e, ops = batch.len(), "write batch failed");
            e.to_string()
        });
        for job in batch.drain(..) {
            job.answer(committed.clone());
        }
    }
}

async fn commit_batch(db: &Db, batch: &mut [Box<dyn Job>]) -> Result<(), sqlx::Error> {
    // The common case, no op fails: the batch in one transaction, each op's statements and
    // nothing else (every statement is a round trip to the database's worker thread, so
    // savepoints around each op would cost more than the ops). When one fails, the whole
    // transaction is rolled back and the batch redone with each op in its own savepoint, so
    // that op alone is refused and the others commit.
    let mut tx = db.pool.begin().await?;
    let mut failed = false;
    for job in batch.iter_mut() {
        if job.apply(&mut tx).await.is_err() {
            failed = true;
            break;
        }
    }
    if !failed {
        return tx.commit().await;
    }
    tx.rollback().await?;
    commit_isolated(db, batch).await
}

/// The batch again, each op in a savepoint: a failing op is rolled back alone.
async fn commit_isolated(db: &Db, batch: &mut [Box<dyn Job>]) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    for job in batch.iter_mut() {
        tx.execute("SAVEPOINT op").await?;
        match job.apply(&mut tx).await {
            Ok(()) => {
                tx.execute("RELEASE SAVEPOINT op").await?;
            }
            Err(_) => {
                tx.execute("ROLLBACK TO SAVEPOINT op").await?;
                tx.execute("RELEASE SAVEPOINT op").await?;
            }
        }
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inserts `n` into `t`; `n < 0` is a statement the database refuses.
    struct Put(i64);

    impl WriteOp for Put {
        type Output = i64;
        fn apply<'c>(&'c self, conn: &'c mut AnyConnection) -> BoxFuture<'c, Result<i64, sqlx::Error>> {
            Box::pin(async move {
                let sql = if self.0 < 0 {
                    "INSERT INTO missing VALUES ($1)"
                } else {
                    "INSERT INTO t VALUES ($1)"
                };
                sqlx::query(sql).bind(self.0).execute(&mut *conn).await?;
                Ok(self.0)
            })
        }
    }

    /// One batch (all ops are queued before the writer task first runs, on this one-thread
    /// runtime) in which one op fails: that op alone gets its error, the others commit.
    #[tokio::test]
    async fn a_failing_op_is_refused_alone_and_the_rest_of_its_batch_commits() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::connect(&Db::sqlite_url(dir.path())).await.expect("open");
        db.pool
            .execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .await
            .expect("table");
        let writer = Writer::start(db.clone());
        let results = futures_util::future::join_all([1, 2, -1, 3].map(|n| writer.write(Put(n)))).await;
        assert!(matches!(results[2], Err(WriteError::Op(_))), "{:?}", results[2]);
        for (i, n) in [(0, 1), (1, 2), (3, 3)] {
            assert_eq!(results[i].as_ref().ok(), Some(&n), "op {i}");
        }
        let stored: Vec<i64> = sqlx::query_scalar("SELECT n FROM t ORDER BY n")
            .fetch_all(&db.pool)
            .await
            .expect("rows");
        assert_eq!(stored, [1, 2, 3]);
    }
}
