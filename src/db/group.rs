//! Group commit for one pool's writes to an SQLite file.
//!
//! On SQLite a commit is a write of the log and a sync of it to disk, and only one
//! transaction writes at a time: under load a draft save held the write lock for about
//! 1.8 ms, two thirds of it in its own COMMIT. Here the writes of the service's requests
//! share one connection and, when they arrive together, one transaction: the first opens
//! it with `BEGIN IMMEDIATE`, each later one runs in a savepoint of it (its failure rolls
//! back its own work only), and the one that finds nobody waiting after it commits for
//! all of them. Every request still answers only after the COMMIT that holds its work has
//! reached the disk, so an acknowledged write survives a crash or a power cut exactly as
//! before; what is shared is the sync. It is what PostgreSQL does with its log flushes.
//!
//! The connection is the pool's own kind (same settings, counted like the others) but
//! outside the pool, used by one request at a time in arrival order. Work that does not
//! come through [`super::Db::run`] (the command line, start-up, the mail sender) keeps
//! writing on its own connection; the file's [`super::WriteQueue`] turn, taken by each
//! transaction here as by those, keeps them in order.

use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, RunQueryDsl};

use super::{DbConnection, Manager, WriteQueue, WriteTurn};

/// At most this many requests' writes in one transaction, so that a steady stream of
/// writers still sees its commits come.
const MOST_IN_ONE_COMMIT: usize = 16;

/// The shared writer of one pool (see the module's comment).
pub(crate) struct GroupWriter {
    manager: Manager,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// The connection, when nobody is using it (and once it has been opened).
    conn: Option<Writer>,
    /// Somebody works on the connection or commits on it.
    busy: bool,
    next_ticket: u64,
    waiting: VecDeque<u64>,
    /// The transaction open on the connection, if any.
    open: Option<Batch>,
    next_batch: u64,
    /// Every batch up to this one has been committed or rolled back.
    finished_through: Option<u64>,
    /// Batches that failed as a whole, with the reason and how many of their members are
    /// still to read it.
    failed: HashMap<u64, (String, usize)>,
}

struct Writer {
    conn: DbConnection,
    /// The database file as SQLite resolved it: names the file's [`WriteQueue`].
    file: String,
}

struct Batch {
    id: u64,
    /// This process's turn to write to the file, held until the batch ends.
    turn: WriteTurn,
    /// Requests whose work is in the transaction and who wait for its commit.
    waiters: usize,
    /// Requests that have run in it, their work kept or rolled back.
    members: usize,
}

impl GroupWriter {
    pub(crate) fn new(manager: Manager) -> GroupWriter {
        GroupWriter {
            manager,
            state: Mutex::default(),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in the shared transaction and returns once that transaction's COMMIT
    /// (or `f`'s own rollback) is done. `own` is the request's pooled connection: it copies
    /// the log into the file when a checkpoint is due, after the writer is handed on.
    pub(crate) fn write<T, E, F>(&self, own: &mut DbConnection, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DieselError>,
    {
        let deadline = Instant::now() + self.manager.timeout;
        let mut writer = self.take_turn(deadline, own)?;

        // Open the transaction, or join the one open.
        let (batch, first) = {
            let state = self.lock();
            match &state.open {
                Some(batch) => (batch.id, false),
                None => (0, true),
            }
        };
        let batch = if first {
            match self.open_batch(&mut writer, deadline) {
                Ok(id) => id,
                Err(error) => {
                    self.hand_back(Some(writer));
                    return Err(error.into());
                }
            }
        } else {
            if let Err(error) = savepoint(&mut writer.conn) {
                self.abort(writer, &error.to_string());
                return Err(error.into());
            }
            batch
        };

        let outcome = catch_unwind(AssertUnwindSafe(|| f(&mut writer.conn)));
        let result = match outcome {
            Ok(result) => result,
            Err(panic) => {
                // What the panicking work left in the transaction is unknown: the whole
                // batch goes, the connection with it, and its members hear so.
                self.abort(writer, "the work of another request failed");
                resume_unwind(panic);
            }
        };

        // Keep or undo this request's own work.
        let ended = match (&result, first) {
            (Ok(_), true) => Ok(()),
            (Ok(_), false) => <DbConnection as Connection>::TransactionManager::commit_transaction(
                &mut writer.conn,
            ),
            (Err(_), _) => <DbConnection as Connection>::TransactionManager::rollback_transaction(
                &mut writer.conn,
            ),
        };
        if let Err(error) = ended {
            self.abort(writer, &error.to_string());
            return match result {
                Err(own_error) => Err(own_error),
                Ok(_) => Err(error.into()),
            };
        }
        if first && result.is_err() {
            // Nobody else has joined yet: `f`'s rollback ended the transaction.
            let mut state = self.lock();
            if let Some(ended) = state.open.take() {
                state.finished_through = Some(ended.id);
            }
            drop(state);
            self.hand_back(Some(writer));
            return result;
        }

        // Hand the transaction on to the next request, or commit it.
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(open) = state.open.as_mut() else {
            drop(guard);
            tracing::error!("group writer: no open transaction after a request's work");
            self.abort(writer, "the shared transaction was lost");
            return match result {
                Err(error) => Err(error),
                Ok(_) => Err(locked("database is busy: the shared transaction was lost").into()),
            };
        };
        open.members += 1;
        if !state.waiting.is_empty() && open.members < MOST_IN_ONE_COMMIT {
            if result.is_ok() {
                open.waiters += 1;
            }
            state.conn = Some(writer);
            state.busy = false;
            drop(guard);
            self.changed.notify_all();
            return match result {
                Ok(value) => self.wait_for(batch).map(|()| value).map_err(E::from),
                Err(error) => Err(error),
            };
        }
        let open = state.open.take();
        drop(guard);
        let committed = self.commit(writer, open, own);
        match (result, committed) {
            (Err(error), _) => Err(error),
            (Ok(_), Err(error)) => Err(error.into()),
            (Ok(value), Ok(())) => Ok(value),
        }
    }

    /// Commits the batch taken out of the state (`open`) on the held connection, tells
    /// its waiting members, and hands the connection on.
    fn commit(
        &self,
        mut writer: Writer,
        open: Option<Batch>,
        own: &mut DbConnection,
    ) -> Result<(), DieselError> {
        let committed =
            <DbConnection as Connection>::TransactionManager::commit_transaction(&mut writer.conn);
        let failure = match &committed {
            Ok(()) => None,
            Err(error) => {
                // diesel has tried to roll back; make sure, the connection is dropped anyway.
                let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(
                    &mut writer.conn,
                );
                Some(error.to_string())
            }
        };
        let count = open.as_ref().map(|open| open.turn.committed());
        if failure.is_none() {
            super::bump_generation();
        }
        let mut state = self.lock();
        if let Some(open) = open {
            state.finished_through = Some(open.id);
            if let Some(reason) = &failure
                && open.waiters > 0
            {
                state.failed.insert(open.id, (reason.clone(), open.waiters));
            }
            // The file's turn goes to whoever waits for it, in this process or not.
            drop(open.turn);
        }
        // A connection whose COMMIT failed may be in any state: a new one next time.
        state.conn = failure.is_none().then_some(writer);
        state.busy = false;
        drop(state);
        self.changed.notify_all();
        if count.is_some_and(|count| count % super::CHECKPOINT_EVERY == 0) {
            super::checkpoint(own);
        }
        committed
    }

    /// Waits, in arrival order, until the connection is free, and takes it (opening it
    /// the first time). Past the deadline: "database is locked", answered 503.
    fn take_turn(&self, deadline: Instant, own: &mut DbConnection) -> Result<Writer, DieselError> {
        let mut state = self.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.waiting.push_back(ticket);
        loop {
            if !state.busy && state.waiting.front() == Some(&ticket) {
                state.waiting.pop_front();
                state.busy = true;
                let conn = state.conn.take();
                drop(state);
                return match conn {
                    Some(writer) => Ok(writer),
                    None => self.open_writer().inspect_err(|_| self.hand_back(None)),
                };
            }
            let now = Instant::now();
            if now >= deadline {
                state.waiting.retain(|t| *t != ticket);
                let refused =
                    locked("database is locked (waited for this process's other writers)");
                // A transaction handed on to those waiting, and all of them gone: its
                // members wait for a commit nobody else would make.
                if state.open.is_some() && !state.busy && state.waiting.is_empty() {
                    state.busy = true;
                    let (writer, open) = (state.conn.take(), state.open.take());
                    drop(state);
                    match writer {
                        Some(writer) => {
                            let _ = self.commit(writer, open, own);
                        }
                        None => self.end_failed("the shared connection was lost"),
                    }
                    return Err(refused);
                }
                drop(state);
                self.changed.notify_all();
                return Err(refused);
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    fn open_writer(&self) -> Result<Writer, DieselError> {
        let mut conn = self.manager.establish().map_err(|error| {
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection,
                Box::new(format!("could not connect the writer: {error}")),
            )
        })?;
        #[derive(diesel::QueryableByName)]
        struct File {
            #[diesel(sql_type = diesel::sql_types::Text)]
            file: String,
        }
        let file =
            diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main' LIMIT 1")
                .get_result::<File>(&mut conn)?
                .file;
        Ok(Writer { conn, file })
    }

    /// Takes the file's turn and begins the transaction; its batch number.
    fn open_batch(&self, writer: &mut Writer, deadline: Instant) -> Result<u64, DieselError> {
        let wait = deadline.saturating_duration_since(Instant::now());
        let turn = WriteQueue::for_file(&writer.file).wait_turn(wait)?;
        let DbConnection::Sqlite(inner) = &mut writer.conn else {
            return Err(locked("the group writer is for SQLite only"));
        };
        AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
        let mut state = self.lock();
        let id = state.next_batch;
        state.next_batch += 1;
        state.open = Some(Batch {
            id,
            turn,
            waiters: 0,
            members: 0,
        });
        Ok(id)
    }

    /// Gives the connection back (or forgets it, with `None`) and lets the next in.
    fn hand_back(&self, writer: Option<Writer>) {
        let mut state = self.lock();
        state.conn = writer;
        state.busy = false;
        drop(state);
        self.changed.notify_all();
    }

    /// Rolls the whole open transaction back and forgets the connection: its members that
    /// wait for the commit are told it failed, with `reason`.
    fn abort(&self, mut writer: Writer, reason: &str) {
        let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(
            &mut writer.conn,
        );
        drop(writer);
        self.end_failed(reason);
    }

    /// Ends the open transaction as failed (its connection already gone), and frees the
    /// writer for a new connection.
    fn end_failed(&self, reason: &str) {
        let mut state = self.lock();
        if let Some(open) = state.open.take() {
            state.finished_through = Some(open.id);
            if open.waiters > 0 {
                state
                    .failed
                    .insert(open.id, (reason.to_string(), open.waiters));
            }
            drop(open.turn);
        }
        state.conn = None;
        state.busy = false;
        drop(state);
        self.changed.notify_all();
    }

    /// Waits until batch `id` has ended; whether it was committed. No deadline: the work is
    /// in the transaction, and the request must know whether it was kept.
    fn wait_for(&self, id: u64) -> Result<(), DieselError> {
        let mut state = self.lock();
        while state.finished_through.is_none_or(|done| done < id) {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let Some((reason, readers)) = state.failed.get_mut(&id) else {
            return Ok(());
        };
        let reason = reason.clone();
        *readers -= 1;
        if *readers == 0 {
            state.failed.remove(&id);
        }
        Err(DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(format!(
                "database is busy: the shared commit failed ({reason})"
            )),
        ))
    }
}

/// A savepoint in the open transaction, for a request that joins it.
fn savepoint(conn: &mut DbConnection) -> Result<(), DieselError> {
    <DbConnection as Connection>::TransactionManager::begin_transaction(conn)
}

fn locked(message: &str) -> DieselError {
    DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_string()))
}

thread_local! {
    /// The group writer of the pool whose connection this thread's work holds (see
    /// [`super::Db::run`]); `None` outside such work.
    static CURRENT: std::cell::RefCell<Option<Arc<GroupWriter>>> =
        const { std::cell::RefCell::new(None) };
}

/// The group writer of the work running on this thread, if any.
pub(crate) fn current() -> Option<Arc<GroupWriter>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Makes `writer` this thread's group writer until dropped.
pub(crate) struct Scope(Option<Arc<GroupWriter>>);

impl Scope {
    pub(crate) fn enter(writer: Option<Arc<GroupWriter>>) -> Scope {
        Scope(CURRENT.with(|current| current.replace(writer)))
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let earlier = self.0.take();
        CURRENT.with(|current| *current.borrow_mut() = earlier);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Db, DbError, write_tx};
    use super::*;
    use diesel::connection::SimpleConnection;
    use std::sync::mpsc;
    use std::time::Duration;

    /// A write's work, as the tests queue it.
    type Work = Box<dyn FnOnce(&mut DbConnection) -> Result<(), DbError> + Send>;

    fn sqlite(pool: u32, timeout: Duration) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = super::super::DatabaseUrl::Sqlite(dir.path().join("group.sqlite3"));
        let db = Db::connect_with_timeout(&url, pool, timeout).unwrap();
        db.get()
            .unwrap()
            .batch_execute("CREATE TABLE t (n INTEGER NOT NULL)")
            .unwrap();
        (dir, db)
    }

    /// A write as [`Db::run`] makes it: on this thread's pooled connection, with the
    /// pool's group writer in scope.
    fn write(
        db: &Db,
        f: impl FnOnce(&mut DbConnection) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        let mut own = db.get()?;
        let _scope = Scope::enter(db.group.clone());
        write_tx(&mut own, f)
    }

    fn insert(n: i32) -> impl FnOnce(&mut DbConnection) -> Result<(), DbError> {
        move |conn| Ok(conn.batch_execute(&format!("INSERT INTO t (n) VALUES ({n})"))?)
    }

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        n: i32,
    }

    fn rows(db: &Db) -> Vec<i32> {
        diesel::sql_query("SELECT n FROM t ORDER BY n")
            .load::<Row>(&mut db.get().unwrap())
            .unwrap()
            .into_iter()
            .map(|row| row.n)
            .collect()
    }

    /// Starts a write that inserts 1 and then holds the writer until the returned sender
    /// is used; then `others` writes, each queued behind the one before. Returns the
    /// threads, first the holder's.
    fn queue_behind_a_held_write(
        db: &Db,
        others: Vec<Work>,
    ) -> (
        mpsc::Sender<()>,
        Vec<std::thread::JoinHandle<Result<(), DbError>>>,
    ) {
        let group = db.group.clone().unwrap();
        let (release, held) = mpsc::channel::<()>();
        let (started, running) = mpsc::channel::<()>();
        let mut threads = Vec::new();
        let holder = db.clone();
        threads.push(std::thread::spawn(move || {
            write(&holder, move |conn| {
                insert(1)(conn)?;
                started.send(()).unwrap();
                held.recv().unwrap();
                Ok(())
            })
        }));
        running.recv().unwrap();
        for (n, work) in others.into_iter().enumerate() {
            let db = db.clone();
            threads.push(std::thread::spawn(move || write(&db, work)));
            while group.lock().waiting.len() < n + 1 {
                std::thread::yield_now();
            }
        }
        (release, threads)
    }

    #[test]
    fn writes_that_queue_together_share_one_commit() {
        let (_dir, db) = sqlite(8, Duration::from_secs(30));
        let before = db.counted();
        let others = (2..=6).map(|n| Box::new(insert(n)) as Work).collect();
        let (release, threads) = queue_behind_a_held_write(&db, others);
        release.send(()).unwrap();
        for thread in threads {
            thread.join().unwrap().unwrap();
        }
        assert_eq!(rows(&db), vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(
            (db.counted() - before).commits,
            1,
            "one commit for six writes"
        );
        // Alone, a write commits by itself.
        write(&db, insert(7)).unwrap();
        assert_eq!((db.counted() - before).commits, 2);
        assert_eq!(rows(&db).len(), 7);
    }

    #[test]
    fn a_write_that_fails_in_a_shared_transaction_undoes_only_its_own_work() {
        let (_dir, db) = sqlite(8, Duration::from_secs(30));
        let failing = |conn: &mut DbConnection| {
            insert(20)(conn)?;
            // What it wrote and what was written before it are visible to it.
            let seen = diesel::sql_query("SELECT n FROM t")
                .load::<Row>(conn)
                .map_err(DbError::from)?;
            assert_eq!(seen.len(), 3);
            Err(DbError::Canceled)
        };
        let others: Vec<Work> = vec![Box::new(insert(2)), Box::new(failing), Box::new(insert(3))];
        let (release, threads) = queue_behind_a_held_write(&db, others);
        release.send(()).unwrap();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(results[0].is_ok() && results[1].is_ok() && results[3].is_ok());
        assert!(matches!(results[2], Err(DbError::Canceled)));
        assert_eq!(rows(&db), vec![1, 2, 3]);
    }

    #[test]
    fn a_write_that_panics_fails_its_transaction_and_the_writer_goes_on() {
        let (_dir, db) = sqlite(8, Duration::from_secs(30));
        let panicking = |conn: &mut DbConnection| -> Result<(), DbError> {
            insert(20)(conn)?;
            panic!("a bug in the work");
        };
        let others: Vec<Work> = vec![
            Box::new(insert(2)),
            Box::new(panicking),
            Box::new(insert(3)),
        ];
        let (release, threads) = queue_behind_a_held_write(&db, others);
        release.send(()).unwrap();
        let results: Vec<_> = threads.into_iter().map(|t| t.join()).collect();
        // The two whose work was in the transaction with the panic hear that it failed,
        // as a database that cannot take the write now (503), not as a success.
        for earlier in &results[..2] {
            let error = earlier.as_ref().unwrap().as_ref().unwrap_err();
            assert!(error.is_unavailable(), "{error}");
        }
        assert!(results[2].is_err(), "the panic goes on up its own thread");
        // The one after starts a new transaction on a new connection.
        assert!(matches!(results[3], Ok(Ok(()))));
        assert_eq!(rows(&db), vec![3]);
        write(&db, insert(4)).unwrap();
        assert_eq!(rows(&db), vec![3, 4]);
    }

    #[test]
    fn a_write_that_waits_past_the_timeout_is_told_the_database_is_locked() {
        let (_dir, db) = sqlite(8, Duration::from_millis(200));
        let others: Vec<Work> = vec![Box::new(insert(2))];
        let (release, mut threads) = queue_behind_a_held_write(&db, others);
        let late = threads.pop().unwrap().join().unwrap().unwrap_err();
        assert!(late.is_unavailable(), "{late}");
        release.send(()).unwrap();
        threads.pop().unwrap().join().unwrap().unwrap();
        assert_eq!(rows(&db), vec![1]);
    }
}
