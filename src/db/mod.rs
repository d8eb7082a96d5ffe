//! The database: one schema, one set of queries, two backends.
//!
//! `DATABASE_URL` picks the backend by its scheme: `postgres://` or `postgresql://` for
//! PostgreSQL (production), `sqlite://PATH` for an embedded SQLite file (development, demo,
//! tests). All SQL lives in this module's children, as plain functions over a
//! `&mut DbConnection` that may be inside a transaction. Backend-specific SQL is a `match` on
//! the connection, here and nowhere else.
//!
//! A lookup by a primary or unique key reads its row with `.get_result`, not `.first`:
//! `.first` adds `LIMIT ?`, and SQLite (3.53) looks at a bound LIMIT when it plans, which
//! marks the statement to be compiled again every time the value is bound, that is on
//! every use of the cached statement (a tenth of a draft save's CPU). The key already
//! gives at most one row, so nothing is lost. The other lookups keep `.first`: without the
//! LIMIT, PostgreSQL would send every row that matches.

pub mod account_links;
pub mod accounts;
pub mod applications;
pub mod assessments;
pub mod audit;
pub mod calls;
pub mod case_officers;
pub mod change_requests;
pub mod decisions;
pub mod eligibility;
mod group;
pub mod health;
pub mod jobs;
pub mod messages;
pub mod money_figures;
pub mod notifications;
pub mod ombud_requests;
pub mod organisations;
pub mod outbox;
pub mod payments;
pub mod queues;
pub mod redistribution;
pub mod registration;
pub mod reports;
pub mod schema;
pub mod search;
pub mod secrets;
pub mod sessions;
pub mod stashes;
pub mod throttle;

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL: {0}")]
    BadUrl(String),
    #[error("kunde inte ansluta till databasen: {0}")]
    Connect(#[from] ConnectionError),
    #[error("databasens anslutningspool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("databasfråga: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrering: {0}")]
    Migration(String),
    #[error("databasarbetet avbröts")]
    Canceled,
    /// Out of reach, found by a layer that has only the cause's text (the session store
    /// under actix-session).
    #[error("databasen kan inte nås: {0}")]
    Unavailable(String),
}

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// The scheme decides. Anything else is refused: diesel's own guessing would turn a
    /// mistyped PostgreSQL URL into an SQLite file of that name.
    pub fn parse(url: &str) -> Result<DatabaseUrl, DbError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_string()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(DbError::BadUrl("sqlite:// saknar sökväg till filen".into()));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        Err(DbError::BadUrl(format!(
            "\"{}\" ska börja med postgres://, postgresql:// eller sqlite://",
            redact_password(url)
        )))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "PostgreSQL",
            DatabaseUrl::Sqlite(_) => "SQLite",
        }
    }
}

/// A URL as it may be printed: whatever stands before an `@` (a user name and password) is
/// replaced by `***`, so that a mistyped URL in an error message or a log gives no password
/// away.
pub fn redact_password(url: &str) -> String {
    match url.rsplit_once('@') {
        Some((before, after)) => {
            let scheme_end = before.find("://").map(|i| i + 3).unwrap_or(0);
            format!("{}***@{after}", &before[..scheme_end])
        }
        None => url.to_string(),
    }
}

/// How long a request waits for the database by default (`DB_TIMEOUT_SECONDS`): for a
/// connection from the pool, for PostgreSQL to accept a new connection, for SQLite's write
/// lock. Long enough for a queue of ordinary writes, short enough that a person with the
/// database gone hears so in seconds instead of half a minute.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens connections of the chosen backend, and sets SQLite up on every one of them.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    timeout: Duration,
    counts: Arc<Counts>,
    health: Arc<HealthByConnection>,
}

/// What the connections of one pool have sent: statements (every one, `BEGIN` and `COMMIT`
/// included), committed transactions (on SQLite, each one a sync of the log to disk), and
/// of the statements the pool's own checks at checkout (see [`TRUSTED_FOR`]). Counted
/// by diesel's instrumentation, an atomic add per statement; for the tests that hold a
/// request to its number of statements and commits, and for profiling.
#[derive(Debug, Default)]
pub struct Counts {
    statements: std::sync::atomic::AtomicU64,
    commits: std::sync::atomic::AtomicU64,
    pings: std::sync::atomic::AtomicU64,
}

/// A snapshot of [`Counts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counted {
    pub statements: u64,
    pub commits: u64,
    /// Of `statements`, the pool's checks at checkout.
    pub pings: u64,
}

impl std::ops::Sub for Counted {
    type Output = Counted;
    fn sub(self, earlier: Counted) -> Counted {
        Counted {
            statements: self.statements.saturating_sub(earlier.statements),
            commits: self.commits.saturating_sub(earlier.commits),
            pings: self.pings.saturating_sub(earlier.pings),
        }
    }
}

impl Counts {
    fn snapshot(&self) -> Counted {
        use std::sync::atomic::Ordering::Relaxed;
        Counted {
            statements: self.statements.load(Relaxed),
            commits: self.commits.load(Relaxed),
            pings: self.pings.load(Relaxed),
        }
    }

    /// The instrumentation of one connection: counts, notes whether its last statement
    /// succeeded (see [`TRUSTED_FOR`]), with `RUST_LOG=statsbidrag::sql=trace` logs each
    /// statement's text, and with `RUST_LOG=statsbidrag::sql::slow=debug` each statement
    /// that took longer than [`SLOW_STATEMENT`], with its time (for finding what a page
    /// spends its time on; the clock is read twice per statement either way).
    fn instrument(
        counts: Arc<Counts>,
        health: Arc<Health>,
    ) -> impl FnMut(diesel::connection::InstrumentationEvent<'_>) + Send + 'static {
        use diesel::connection::InstrumentationEvent;
        use std::sync::atomic::Ordering::Relaxed;
        let mut started = Instant::now();
        move |event| match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                counts.statements.fetch_add(1, Relaxed);
                tracing::trace!(target: "statsbidrag::sql", "{query}");
                started = Instant::now();
            }
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                let finished = Instant::now();
                let took = finished.saturating_duration_since(started);
                if took > SLOW_STATEMENT {
                    tracing::debug!(
                        target: "statsbidrag::sql::slow",
                        micros = took.as_micros() as u64,
                        "{query}"
                    );
                }
                *health
                    .succeeded_at
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = error.is_none().then_some(finished);
            }
            InstrumentationEvent::CommitTransaction { depth, .. } if depth.get() == 1 => {
                counts.commits.fetch_add(1, Relaxed);
            }
            _ => {}
        }
    }
}

impl Manager {
    fn establish(&self) -> Result<DbConnection, ConnectionError> {
        let mut conn = self.establish_uncounted()?;
        // Set once, never replaced: its box's address names the connection in `health`.
        let health = Arc::new(Health::default());
        let instrumentation = Counts::instrument(self.counts.clone(), health.clone());
        match &mut conn {
            DbConnection::Postgresql(inner) => inner.set_instrumentation(instrumentation),
            DbConnection::Sqlite(inner) => inner.set_instrumentation(instrumentation),
        }
        self.health.insert(&mut conn, &health);
        Ok(conn)
    }

    fn establish_uncounted(&self) -> Result<DbConnection, ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(&with_timeouts(url, self.timeout))?;
                // No JIT: the lists' correlated subqueries (an application's outcome, its
                // latest version) look costly to the planner, which then spends 0.2–0.7 s
                // compiling a query that runs in 13 ms. Short queries never gain from it.
                conn.batch_execute("SET jit = off")
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Postgresql(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)?;
                // WAL lets readers work beside the one writer; FULL makes an acknowledged
                // commit survive a power cut; the busy timeout lets writers queue instead of
                // failing at once (after it, "database is locked" is answered 503).
                // The busy timeout comes first: the pool opens several connections at once,
                // and without it their `journal_mode` pragmas fail with "database is locked".
                // The automatic checkpoint is pushed far out: `write_tx` checkpoints after
                // the write lock is handed on (see `checkpoint`); this one is left as
                // the bound on the log for writers that do not go through it.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; \
                     PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; \
                     PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES};",
                    busy_timeout_ms(self.timeout)
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                applications::register_sqlite_functions(&mut conn)
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

fn busy_timeout_ms(timeout: Duration) -> u128 {
    timeout.as_millis().max(1)
}

/// A PostgreSQL URL with libpq's `connect_timeout` (whole seconds, at least 2 as libpq
/// requires) and `tcp_user_timeout` (unacknowledged data on a connection whose server has
/// vanished) set to the pool's wait, unless the URL sets them itself. Without them a
/// connection attempt to an unreachable server waits for the operating system's TCP
/// timeout, minutes.
fn with_timeouts(url: &str, timeout: Duration) -> String {
    let mut url = url.to_string();
    let mut add = |name: &str, value: String| {
        if !url.contains(&format!("{name}=")) {
            let separator = if url.contains('?') { '&' } else { '?' };
            url = format!("{url}{separator}{name}={value}");
        }
    };
    add("connect_timeout", timeout.as_secs().max(2).to_string());
    add(
        "tcp_user_timeout",
        timeout.as_millis().max(1000).to_string(),
    );
    url
}

/// How long after its last statement that succeeded a connection is lent without a ping.
///
/// The pool checks a connection before lending it out, by a `SELECT 1` (on PostgreSQL a
/// round trip). A request borrows three times (its session, its person, its work), so
/// under load that was three pings per request for connections that had just answered. A
/// connection whose last statement succeeded less than this long ago is lent without the
/// ping; one whose last statement failed, or idle longer, is pinged as before, so a server
/// that went away is still found at checkout and the pool reconnects by itself when it is
/// back. The one request that meets a server gone since that last success fails (503) and
/// marks its connection for a ping: as when a server goes away between the ping and the
/// work.
const TRUSTED_FOR: Duration = Duration::from_secs(5);

/// A statement slower than this is logged at debug level (`statsbidrag::sql::slow`).
const SLOW_STATEMENT: Duration = Duration::from_micros(500);

/// One connection's last statement, as its instrumentation saw it: when it finished, if
/// it succeeded (`None` after a failure).
#[derive(Debug, Default)]
struct Health {
    succeeded_at: Mutex<Option<Instant>>,
}

/// The [`Health`] of each live connection of a pool, found by the address of the
/// connection's instrumentation (boxed when it is set, so fixed for the connection's
/// life and not shared with any other live connection; see [`Manager::establish`]).
#[derive(Debug, Default)]
struct HealthByConnection(Mutex<HashMap<usize, std::sync::Weak<Health>>>);

impl HealthByConnection {
    fn key(conn: &mut DbConnection) -> usize {
        let instrumentation: &mut dyn diesel::connection::Instrumentation = match conn {
            DbConnection::Postgresql(inner) => inner.instrumentation(),
            DbConnection::Sqlite(inner) => inner.instrumentation(),
        };
        (instrumentation as *mut dyn diesel::connection::Instrumentation).cast::<()>() as usize
    }

    fn insert(&self, conn: &mut DbConnection, health: &Arc<Health>) {
        let key = HealthByConnection::key(conn);
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Connections closed since are forgotten; a new one at a reused address replaces
        // the entry of the closed one it took the place of.
        map.retain(|_, known| known.strong_count() > 0);
        map.insert(key, Arc::downgrade(health));
    }

    /// Whether the connection's last statement succeeded within [`TRUSTED_FOR`].
    fn trusted(&self, conn: &mut DbConnection) -> bool {
        let key = HealthByConnection::key(conn);
        let health = {
            let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
            map.get(&key).and_then(std::sync::Weak::upgrade)
        };
        health.is_some_and(|health| {
            health
                .succeeded_at
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_some_and(|at| at.elapsed() < TRUSTED_FOR)
        })
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        if self.health.trusted(conn) {
            return Ok(());
        }
        self.counts
            .pings
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// The connection pool, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    url: DatabaseUrl,
    timeout: Duration,
    counts: Arc<Counts>,
    /// One permit per pooled connection. [`Db::run`] takes one before it asks for a
    /// blocking thread, so that requests wait for the database in async land and the
    /// blocking threads the database keeps busy never outnumber its connections (68
    /// threads for 8 connections at 64 clients before: each a stack and an allocator heap).
    permits: Arc<tokio::sync::Semaphore>,
    /// On SQLite, the connection the work of [`Db::run`] writes on, in shared transactions
    /// (see [`group`]).
    group: Option<Arc<group::GroupWriter>>,
}

impl Db {
    /// Connects, creating the SQLite file and its folder if they do not exist yet.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Db, DbError> {
        Db::connect_with_timeout(url, pool_size, DEFAULT_TIMEOUT)
    }

    /// As [`Db::connect`], waiting at most `timeout` for a connection or SQLite's write
    /// lock (see [`DEFAULT_TIMEOUT`]).
    pub fn connect_with_timeout(
        url: &DatabaseUrl,
        pool_size: u32,
        timeout: Duration,
    ) -> Result<Db, DbError> {
        if let DatabaseUrl::Sqlite(path) = url {
            create_parent_dir(path)?;
        }
        let counts = Arc::new(Counts::default());
        let manager = Manager {
            url: url.clone(),
            timeout,
            counts: counts.clone(),
            health: Arc::default(),
        };
        // Connect once outside the pool so that a bad URL gives the driver's own message
        // instead of a pool timeout.
        manager.establish()?;
        let group = matches!(url, DatabaseUrl::Sqlite(_))
            .then(|| Arc::new(group::GroupWriter::new(manager.clone())));
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .connection_timeout(timeout)
            .build(manager)?;
        Ok(Db {
            pool,
            url: url.clone(),
            timeout,
            counts,
            permits: Arc::new(tokio::sync::Semaphore::new(pool_size.max(1) as usize)),
            group,
        })
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// How long work waits for a connection or a lock.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A connection for synchronous work (command line, start-up).
    pub fn get(&self) -> Result<PooledConnection, DbError> {
        Ok(self.pool.get()?)
    }

    /// A write transaction from blocking code outside [`Db::run`] (the mail sender): like
    /// the requests' writes, on the pool's shared writer on SQLite, so that it joins their
    /// commits instead of taking a commit (and the write lock) of its own between them.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<DbError> + From<diesel::result::Error>,
    {
        let mut conn = self.get().map_err(E::from)?;
        let _group = group::Scope::enter(self.group.clone());
        write_tx(&mut conn, f)
    }

    /// Statements and commits the pool's connections have sent so far.
    pub fn counted(&self) -> Counted {
        self.counts.snapshot()
    }

    /// Runs blocking database work on actix's thread pool, off the async workers.
    ///
    /// The work first waits (in async land, in arrival order) for one of the pool's
    /// permits, then for a connection, together at most the database timeout; past it the
    /// answer is "unavailable" (503 with Retry-After).
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let started = Instant::now();
        let permit =
            match tokio::time::timeout(self.timeout, self.permits.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                Ok(Err(_closed)) => return Err(E::from(DbError::Canceled)),
                Err(_elapsed) => {
                    return Err(E::from(DbError::Unavailable(format!(
                        "ingen ledig databasanslutning inom {} s",
                        self.timeout.as_secs_f32()
                    ))));
                }
            };
        let pool = self.pool.clone();
        let group = self.group.clone();
        let wait = self
            .timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(1));
        actix_web::web::block(move || {
            let _permit = permit;
            let mut conn = pool.get_timeout(wait).map_err(DbError::from)?;
            let _group = group::Scope::enter(group);
            f(&mut conn)
        })
        .await
        .map_err(|_| E::from(DbError::Canceled))?
    }
}

fn create_parent_dir(path: &Path) -> Result<(), DbError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| DbError::BadUrl(format!("kan inte skapa mappen {}: {e}", dir.display()))),
        _ => Ok(()),
    }
}

/// A transaction for work that writes. On SQLite it begins `IMMEDIATE`, taking the write
/// lock at once: a deferred transaction that reads and then writes fails with "database is
/// locked" when another writer got in between, and no busy timeout helps it. On PostgreSQL
/// it is an ordinary READ COMMITTED transaction; code that must not race locks its rows.
///
/// On SQLite the writers of this process first queue, in arrival order, for the database
/// file's [`WriteQueue`]; only then is `BEGIN IMMEDIATE` sent. SQLite's own busy handler
/// queues writers by sleeping and retrying (1 656 sleeps of 5 ms against 741 commits in 4 s
/// under load), and the sleeping, not the disk, set the p99; the queue hands the lock on
/// the moment the previous writer commits. The busy handler is left for other processes
/// (the command line, a second instance).
///
/// Work run by [`Db::run`] on SQLite does not write on its own connection: it runs on the
/// pool's shared writer, in one transaction with the writes queued beside it, and returns
/// once that transaction is committed (group commit, see [`group`]). `f` sees the work of
/// the writes before it in that transaction, as if they had committed; when `f` fails,
/// only its own work is rolled back.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if let DbConnection::Sqlite(inner) = conn
        && !in_sqlite_transaction(inner)
        && let Some(group) = group::current()
    {
        return group.write(conn, f);
    }
    let turn = match conn {
        DbConnection::Sqlite(inner) => {
            let turn = write_turn(inner)?;
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            turn
        }
        DbConnection::Postgresql(inner) => {
            AnsiTransactionManager::begin_transaction(inner)?;
            None
        }
    };
    let result = match f(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(user_error) => {
            match <DbConnection as Connection>::TransactionManager::rollback_transaction(conn) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(user_error),
                Err(rollback_error) => Err(rollback_error.into()),
            }
        }
    };
    if result.is_ok() {
        bump_generation();
        if let Some(turn) = turn {
            let due = turn.committed() % CHECKPOINT_EVERY == 0;
            drop(turn);
            if due {
                checkpoint(conn);
            }
        }
    }
    result
}

/// SQLite's automatic checkpoint, far out (4 000 pages, 16 MB of log): only a bound for
/// writers outside [`write_tx`] (the command line's bulk work).
const WAL_AUTOCHECKPOINT_PAGES: u32 = 4_000;

/// Every this many commits to a file through [`write_tx`], the connection that made the
/// last one copies the log into the database file (see [`checkpoint`]).
const CHECKPOINT_EVERY: u64 = 32;

/// Copies the write-ahead log into the database file, after a commit has handed the write
/// lock on. SQLite's own automatic checkpoint runs inside the COMMIT that passes 1 000
/// pages of log, while this process's other writers wait for that connection's turn: at
/// 100 000 applications one draft save in 17 took over 3 ms to commit (most take 0.6–1.8),
/// a quarter of all commit time. A PASSIVE checkpoint takes no write lock and never waits:
/// other writers go on appending to the log meanwhile, and what it cannot copy yet (a
/// reader still needs it) the next one does. A failure only leaves the log longer; the
/// work is committed either way.
fn checkpoint(conn: &mut DbConnection) {
    if let Err(error) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
        tracing::debug!(%error, "checkpoint after a commit failed; the log stays longer");
    }
}

/// A write outside any transaction (an audit row of a refusal, recorded before the work's
/// own transaction): on SQLite in a transaction of its own, so that it queues with the
/// other writers of this process instead of sleeping in the busy handler until they let
/// it in. Inside a transaction, and on PostgreSQL, it simply runs.
pub fn write_now<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
) -> diesel::QueryResult<T> {
    if matches!(conn, DbConnection::Postgresql(_)) || in_transaction(conn) {
        f(conn)
    } else {
        write_tx(conn, f)
    }
}

/// Whether the connection is inside a transaction.
pub fn in_transaction(conn: &mut DbConnection) -> bool {
    let depth = match conn {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth()
        }
        DbConnection::Postgresql(inner) => {
            AnsiTransactionManager::transaction_manager_status_mut(inner).transaction_depth()
        }
    };
    !matches!(depth, Ok(None))
}

fn in_sqlite_transaction(conn: &mut SqliteConnection) -> bool {
    !matches!(
        AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth(),
        Ok(None)
    )
}

/// This process's turn to write to the SQLite file behind `conn`, waited for at most the
/// connection's busy timeout. `None` when the connection is already in a transaction
/// (`BEGIN IMMEDIATE` then refuses anyway, and waiting would be waiting for ourselves).
fn write_turn(conn: &mut SqliteConnection) -> diesel::QueryResult<Option<WriteTurn>> {
    if in_sqlite_transaction(conn) {
        return Ok(None);
    }
    #[derive(diesel::QueryableByName)]
    struct Target {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        timeout: i64,
    }
    use diesel::RunQueryDsl;
    // The file as SQLite resolved it, so that every connection to one file, from any pool
    // of this process, finds the same queue; and the connection's busy timeout, the wait.
    let target = diesel::sql_query(
        "SELECT (SELECT file FROM pragma_database_list WHERE name = 'main') AS file, \
                (SELECT timeout FROM pragma_busy_timeout) AS timeout",
    )
    .get_result::<Target>(conn)?;
    let (file, wait) = (
        target.file,
        Duration::from_millis(target.timeout.max(0) as u64),
    );
    WriteQueue::for_file(&file).wait_turn(wait).map(Some)
}

/// Bumped by every committed write of this process: answers kept in memory (the public
/// allocation table and call page) are stale once it moves.
static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn bump_generation() {
    GENERATION.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

/// The number of writes this process has committed; see [`GENERATION`].
pub fn generation() -> u64 {
    GENERATION.load(std::sync::atomic::Ordering::SeqCst)
}

/// The writers of this process to one SQLite file, served in arrival order.
#[derive(Default)]
struct WriteQueue {
    state: Mutex<QueueState>,
    changed: Condvar,
}

#[derive(Default)]
struct QueueState {
    writing: bool,
    /// Commits made through the queue (see [`checkpoint`]).
    commits: u64,
    next_ticket: u64,
    waiting: VecDeque<u64>,
}

/// The right to write, held until dropped.
struct WriteTurn(Arc<WriteQueue>);

impl WriteTurn {
    /// Counts a commit made in this turn; the number of commits to the file so far.
    fn committed(&self) -> u64 {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        state.commits += 1;
        state.commits
    }
}

impl Drop for WriteTurn {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        state.writing = false;
        drop(state);
        self.0.changed.notify_all();
    }
}

impl WriteQueue {
    fn for_file(file: &str) -> Arc<WriteQueue> {
        static QUEUES: OnceLock<Mutex<HashMap<String, Arc<WriteQueue>>>> = OnceLock::new();
        let mut queues = QUEUES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        queues.entry(file.to_string()).or_default().clone()
    }

    /// Waits until every earlier writer is done. Past `wait` the answer is SQLite's own
    /// "database is locked", which is answered 503 like a busy timeout.
    fn wait_turn(self: Arc<Self>, wait: Duration) -> diesel::QueryResult<WriteTurn> {
        let deadline = Instant::now() + wait;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.waiting.push_back(ticket);
        loop {
            if !state.writing && state.waiting.front() == Some(&ticket) {
                state.waiting.pop_front();
                state.writing = true;
                drop(state);
                // The next in line may now be first; it waits for `writing` to clear.
                return Ok(WriteTurn(self));
            }
            let now = Instant::now();
            if now >= deadline {
                state.waiting.retain(|t| *t != ticket);
                drop(state);
                self.changed.notify_all();
                return Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::Unknown,
                    Box::new(
                        "database is locked (waited for this process's other writers)".to_string(),
                    ),
                ));
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

/// Runs `f` without waiting for SQLite's write lock: when another connection holds it, `f`
/// fails at once with "database is locked" instead of after the busy timeout. For writes
/// that may as well be skipped (extending a session), so that they never hold up the
/// request they ride on. On PostgreSQL `f` simply runs.
pub fn without_waiting<T>(
    conn: &mut DbConnection,
    busy_timeout: Duration,
    f: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
) -> diesel::QueryResult<T> {
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return f(conn);
    }
    // On this connection, not the pool's shared writer, which waits its busy timeout.
    let _own_connection = group::Scope::enter(None);
    conn.batch_execute("PRAGMA busy_timeout = 0")?;
    let result = f(conn);
    let restored = conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {}",
        busy_timeout_ms(busy_timeout)
    ));
    let value = result?;
    restored?;
    Ok(value)
}

impl DbError {
    /// Whether the database is out of reach or too busy right now, rather than the work
    /// being wrong: no connection within the wait, a refused or broken connection, a server
    /// shutting down, SQLite's write lock still held after the busy timeout. Answered 503
    /// with Retry-After: trying again later is the right advice, and it works once the
    /// database is back, with no restart.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            DbError::Pool(_) | DbError::Connect(_) | DbError::Unavailable(_) => true,
            DbError::Query(Error::DatabaseError(kind, info)) => {
                matches!(
                    kind,
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand
                ) || is_unavailable_message(info.message())
            }
            DbError::Query(Error::BrokenTransactionManager) => true,
            DbError::BadUrl(_) | DbError::Query(_) | DbError::Migration(_) | DbError::Canceled => {
                false
            }
        }
    }
}

/// Messages of the drivers for a database that is gone or locked (SQLite reports
/// SQLITE_BUSY and PostgreSQL a dropped connection without a kind of their own).
fn is_unavailable_message(message: &str) -> bool {
    const SIGNS: [&str; 10] = [
        "database is locked",
        "database is busy",
        "database table is locked",
        "server closed the connection",
        "no connection to the server",
        "connection refused",
        "could not connect",
        "terminating connection",
        "the database system is shutting down",
        "the database system is starting up",
    ];
    let message = message.to_lowercase();
    SIGNS.iter().any(|sign| message.contains(sign))
}

/// Applies every pending migration of the connection's backend. Returns their versions.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        DbConnection::Sqlite(inner) => inner.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgresql(inner) => inner.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration, newest first. For the migration tests.
pub fn revert_all_migrations(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let reverted = match conn {
        DbConnection::Sqlite(inner) => inner.revert_all_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgresql(inner) => inner.revert_all_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(reverted.into_iter().map(|v| v.to_string()).collect())
}

/// Reverts the newest applied migration. For the tests of a migration's data.
pub fn revert_last_migration(conn: &mut DbConnection) -> Result<String, DbError> {
    let reverted = match conn {
        DbConnection::Sqlite(inner) => inner.revert_last_migration(SQLITE_MIGRATIONS),
        DbConnection::Postgresql(inner) => inner.revert_last_migration(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(reverted.to_string())
}

/// `SELECT 1`, for the health check.
pub fn ping(conn: &mut DbConnection) -> Result<(), DbError> {
    conn.batch_execute("SELECT 1")?;
    Ok(())
}

/// New row IDs: UUIDv7 as text, made by the application so that both backends agree and
/// IDs sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@localhost/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@localhost/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").ok(),
            Some(DatabaseUrl::Sqlite(PathBuf::from("data/x.db")))
        );
        assert!(DatabaseUrl::parse("dbname=x").is_err());
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn postgres_urls_get_timeouts_unless_they_set_their_own() {
        let five = Duration::from_secs(5);
        assert_eq!(
            with_timeouts("postgres://u@h/db", five),
            "postgres://u@h/db?connect_timeout=5&tcp_user_timeout=5000"
        );
        assert_eq!(
            with_timeouts("postgres://u@h/db?sslmode=require&connect_timeout=9", five),
            "postgres://u@h/db?sslmode=require&connect_timeout=9&tcp_user_timeout=5000"
        );
        assert_eq!(
            with_timeouts("postgres://u@h/db", Duration::from_millis(500)),
            "postgres://u@h/db?connect_timeout=2&tcp_user_timeout=1000"
        );
    }

    #[test]
    fn writers_of_one_file_take_turns_in_arrival_order() {
        let queue = WriteQueue::for_file("/writers/take/turns");
        let first = queue.clone().wait_turn(Duration::from_secs(30)).unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut writers = Vec::new();
        for n in 1..=4 {
            let (writer_queue, order) = (queue.clone(), order.clone());
            writers.push(std::thread::spawn(move || {
                let _turn = writer_queue.wait_turn(Duration::from_secs(30)).unwrap();
                order.lock().unwrap().push(n);
            }));
            // The next writer arrives only once this one is in the queue.
            while queue.state.lock().unwrap().waiting.len() < n {
                std::thread::yield_now();
            }
        }
        drop(first);
        for writer in writers {
            writer.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn a_writer_that_waits_too_long_is_told_the_database_is_locked() {
        let queue = WriteQueue::for_file("/writers/wait/too/long");
        let held = queue.clone().wait_turn(Duration::from_secs(30)).unwrap();
        let refused = queue
            .clone()
            .wait_turn(Duration::from_millis(20))
            .err()
            .unwrap();
        assert!(DbError::Query(refused).is_unavailable());
        assert!(queue.state.lock().unwrap().waiting.is_empty());
        drop(held);
        assert!(queue.wait_turn(Duration::from_secs(30)).is_ok());
    }

    /// The log is copied into the database file by the connection whose commit makes the
    /// 32nd through the write queue, not inside a COMMIT while other writers wait: until
    /// then the file keeps its size however much the log grows (the automatic checkpoint is
    /// 4 000 pages out), at the 32nd it takes in what the log holds.
    #[test]
    fn every_32nd_commit_copies_the_log_into_the_file_after_the_write_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sqlite3");
        let db = Db::connect(&DatabaseUrl::Sqlite(path.clone()), 2).unwrap();
        let mut conn = db.get().unwrap();
        write_tx(&mut conn, |c| {
            c.batch_execute("CREATE TABLE t (body BLOB NOT NULL)")
                .map_err(DbError::from)
        })
        .unwrap();
        let size = || std::fs::metadata(&path).unwrap().len();
        let log = || {
            std::fs::metadata(dir.path().join("log.sqlite3-wal"))
                .unwrap()
                .len()
        };
        let before = size();
        // One commit made; 30 more leave the file as it was.
        for _ in 1..31 {
            write_tx(&mut conn, |c| {
                c.batch_execute("INSERT INTO t (body) VALUES (zeroblob(8000))")
                    .map_err(DbError::from)
            })
            .unwrap();
        }
        assert_eq!(size(), before, "copied before the 32nd commit");
        assert!(
            log() > 31 * 8000,
            "the rows wait in the log: {} bytes",
            log()
        );
        write_tx(&mut conn, |c| {
            c.batch_execute("INSERT INTO t (body) VALUES (zeroblob(8000))")
                .map_err(DbError::from)
        })
        .unwrap();
        assert!(
            size() > before + 31 * 8000,
            "the 32nd commit copies the log: {} bytes, {before} before",
            size()
        );
    }

    #[test]
    fn work_that_cannot_get_a_connection_in_time_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("pool.sqlite3"));
        let db = Db::connect_with_timeout(&url, 1, Duration::from_millis(200)).unwrap();
        actix_web::rt::System::new().block_on(async move {
            let (started, release) = std::sync::mpsc::channel::<()>();
            let (hold, held) = std::sync::mpsc::channel::<()>();
            let busy = {
                let db = db.clone();
                actix_web::rt::spawn(async move {
                    db.run(move |_conn| {
                        let _ = started.send(());
                        let _ = held.recv_timeout(Duration::from_secs(30));
                        Ok::<_, DbError>(())
                    })
                    .await
                })
            };
            // The one connection is taken; the next piece of work waits and gives up.
            while release.try_recv().is_err() {
                actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            }
            let waited = db.run(|_conn| Ok::<_, DbError>(())).await;
            assert!(
                waited.as_ref().err().is_some_and(DbError::is_unavailable),
                "{waited:?}"
            );
            let _ = hold.send(());
            assert!(busy.await.unwrap().is_ok());
            // And once it is free again, work runs.
            assert!(db.run(|_conn| Ok::<_, DbError>(())).await.is_ok());
        });
    }

    #[test]
    fn a_bad_url_is_shown_without_its_password() {
        assert_eq!(
            redact_password("postgress://anna:hemligt@db.example/x"),
            "postgress://***@db.example/x"
        );
        assert_eq!(redact_password("user:pw@host/db"), "***@host/db");
        assert_eq!(redact_password("dbname=x"), "dbname=x");
        let message = DatabaseUrl::parse("postgress://anna:hemligt@db/x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!message.contains("hemligt"), "{message}");
    }

    #[test]
    fn a_connection_whose_last_statement_succeeded_is_lent_again_without_a_ping() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("ping.sqlite3"));
        // One connection, so that every piece of work gets the same one.
        let db = Db::connect(&url, 1).unwrap();
        actix_web::rt::System::new().block_on(async move {
            let work = |db: &Db, sql: &'static str| {
                let db = db.clone();
                async move {
                    let before = db.counted();
                    let _ = db
                        .run(move |c| c.batch_execute(sql).map_err(DbError::from))
                        .await;
                    db.counted() - before
                }
            };
            // New to the pool: pinged (its set-up is not counted as a success).
            let first = work(&db, "SELECT 1").await;
            assert_eq!((first.statements, first.pings), (2, 1), "{first:?}");
            // Its statement succeeded a moment ago: lent without a ping.
            let second = work(&db, "SELECT 1").await;
            assert_eq!((second.statements, second.pings), (1, 0), "{second:?}");
            // Its statement fails: it is pinged before it is lent again ...
            let failed = work(&db, "SELECT * FROM no_such_table").await;
            assert_eq!((failed.statements, failed.pings), (1, 0), "{failed:?}");
            let after = work(&db, "SELECT 1").await;
            assert_eq!((after.statements, after.pings), (2, 1), "{after:?}");
            // ... and once that succeeded, not again.
            let again = work(&db, "SELECT 1").await;
            assert_eq!((again.statements, again.pings), (1, 0), "{again:?}");
        });
    }
}
