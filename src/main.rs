//! The `localyun` command: `serve` runs the server; `account create|list` manage accounts in a
//! data directory (also while a server runs on it).
#![forbid(unsafe_code)]

use clap::{Args, Parser, Subcommand};
use localyun_core::Secret;
use localyun_server::identity::accounts::{self, RootCredentials};
use localyun_server::state::{AppState, Settings};
use localyun_store::{SqliteStore, Store};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// glibc's allocator spent about 15% of the CPU of a tag call in malloc/free under concurrency
/// (perf, bench/RESULTS.md); mimalloc's thread-local heaps do not contend. Its v2 line, without
/// transparent huge pages (Cargo.toml): v3 cost ≈ 2 µs more per call here, largely in collecting
/// frees made by another thread (requests are built on the async workers and freed by the
/// writer), and huge pages doubled the idle RSS.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The documented defaults of the default account, used only on a loopback address.
const DEFAULT_ACCOUNT_ID: &str = "1234567890123456";
const DEFAULT_ACCESS_KEY_ID: &str = "LTAI5tLocalyunRootKey01";
const DEFAULT_ACCESS_KEY_SECRET: &str = "LocalyunRootSecretDoNotUseInProd";

#[derive(Parser)]
#[command(name = "localyun", version, about = "A local, faithful Alibaba Cloud control plane (RAM, IMS; SLS to come)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every API style on one port.
    Serve(ServeArgs),
    /// Manage isolated accounts in a data directory.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory of the embedded durable store.
    #[arg(long, default_value = "localyun-data", conflicts_with = "in_memory")]
    data_dir: PathBuf,
    /// Keep everything in memory and lose it on exit.
    #[arg(long)]
    in_memory: bool,
    /// The region this server stands for.
    #[arg(long, default_value = "cn-hangzhou")]
    region: String,
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account and print {"AccountId","AccessKeyId","AccessKeySecret"}.
    Create {
        #[arg(long, default_value = "localyun-data")]
        data_dir: PathBuf,
    },
    /// List the accounts as a JSON array.
    List {
        #[arg(long, default_value = "localyun-data")]
        data_dir: PathBuf,
    },
    /// Bulk-load RAM users with tags into an account (benchmark data sets), validated as the API
    /// validates them; the account's user quota does not apply.
    LoadUsers {
        #[arg(long, default_value = "localyun-data")]
        data_dir: PathBuf,
        #[arg(long)]
        account_id: String,
        #[arg(long)]
        count: usize,
        #[arg(long, default_value_t = 10)]
        tags_per_user: usize,
        #[arg(long, default_value = "bulk")]
        prefix: String,
    },
}

/// The default account's credentials: all three variables, or none of them and the documented
/// defaults, which are refused off loopback (a well-known secret must not guard a reachable server).
fn default_credentials(listen: &SocketAddr) -> Result<RootCredentials, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let given = (var("LOCALYUN_ACCOUNT_ID"), var("LOCALYUN_ACCESS_KEY_ID"), var("LOCALYUN_ACCESS_KEY_SECRET"));
    let (account_id, key_id, secret) = match given {
        (Some(a), Some(k), Some(s)) => (a, k, s),
        (None, None, None) if listen.ip().is_loopback() => {
            (DEFAULT_ACCOUNT_ID.to_string(), DEFAULT_ACCESS_KEY_ID.to_string(), DEFAULT_ACCESS_KEY_SECRET.to_string())
        }
        (None, None, None) => {
            return Err(format!(
                "refusing to listen on {listen} with the well-known default credentials: set LOCALYUN_ACCOUNT_ID, LOCALYUN_ACCESS_KEY_ID and LOCALYUN_ACCESS_KEY_SECRET"
            ))
        }
        _ => return Err("set all of LOCALYUN_ACCOUNT_ID, LOCALYUN_ACCESS_KEY_ID and LOCALYUN_ACCESS_KEY_SECRET, or none".into()),
    };
    if !accounts::is_valid_account_id(&account_id) {
        return Err("LOCALYUN_ACCOUNT_ID must be 16 digits".into());
    }
    if key_id.len() > 128 || !key_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err("LOCALYUN_ACCESS_KEY_ID must be 1-128 letters, digits, '-' or '_'".into());
    }
    Ok(RootCredentials { account_id, access_key_id: key_id, access_key_secret: Secret::new(secret) })
}

fn open_store(data_dir: &std::path::Path) -> Result<SqliteStore, String> {
    SqliteStore::open(data_dir).map_err(|e| format!("cannot open the store in {}: {e}", data_dir.display()))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let creds = default_credentials(&args.listen)?;
    let store: Arc<dyn Store> =
        if args.in_memory { Arc::new(SqliteStore::in_memory().map_err(|e| e.to_string())?) } else { Arc::new(open_store(&args.data_dir)?) };
    accounts::ensure_default(store.as_ref(), &creds).map_err(|e| format!("cannot set up the default account: {e}"))?;
    let state = Arc::new(AppState::new(store.clone(), Settings { region: args.region.clone(), ..Settings::default() }));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let engine = store.engine();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        tracing::info!(
            listen = %args.listen,
            store = engine,
            region = %args.region,
            default_account = %creds.account_id,
            authorization = "enforced: RAM policies decide every call of a RAM user or role session; the account root may do everything",
            "localyun serving"
        );
        localyun_server::server::serve(listener, state, shutdown_signal()).await.map_err(|e| e.to_string())
    })?;
    // A clean stop leaves no write-ahead log to replay at the next start.
    store.checkpoint().map_err(|e| format!("final checkpoint failed: {e}"))
}

fn account(command: AccountCommand) -> Result<(), String> {
    match command {
        AccountCommand::Create { data_dir } => {
            let store = open_store(&data_dir)?;
            let creds = accounts::create(&store).map_err(|e| e.to_string())?;
            let out = serde_json::json!({
                "AccountId": creds.account_id,
                "AccessKeyId": creds.access_key_id,
                "AccessKeySecret": creds.access_key_secret.expose(),
            });
            println!("{out}");
        }
        AccountCommand::LoadUsers { data_dir, account_id, count, tags_per_user, prefix } => {
            let store = open_store(&data_dir)?;
            let n = localyun_server::identity::bulk::load_users(&store, &account_id, &prefix, count, tags_per_user)
                .map_err(|e| e.to_string())?;
            println!("{}", serde_json::json!({"AccountId": account_id, "UsersCreated": n}));
        }
        AccountCommand::List { data_dir } => {
            let store = open_store(&data_dir)?;
            let list = accounts::list(&store).map_err(|e| e.to_string())?;
            let out: Vec<serde_json::Value> = list
                .into_iter()
                .map(|(a, keys, is_default)| {
                    serde_json::json!({
                        "AccountId": a.id,
                        "CreateDate": localyun_core::time::format_iso8601(a.created_ms),
                        "Default": is_default,
                        "AccessKeyIds": keys,
                    })
                })
                .collect();
            println!("{}", serde_json::Value::Array(out));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("LOCALYUN_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Account { command } => account(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("localyun: {e}");
            ExitCode::from(2)
        }
    }
}
