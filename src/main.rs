//! The `localyun` command: `serve` runs the server; `account create|list` manage accounts in a
//! data directory (also while a server runs on it).
#![forbid(unsafe_code)]

use clap::{Args, Parser, Subcommand};
use localyun_core::Secret;
use localyun_server::connection::Timeouts;
use localyun_server::identity::accounts::{self, RootCredentials};
use localyun_server::migrations::{self, Location};
use localyun_server::server::Limits;
use localyun_server::state::{AppState, Settings};
use localyun_store::{Durability, Store, StoreError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// glibc's allocator spent about 15% of the CPU of a tag call in malloc/free under concurrency
/// (perf, bench/RESULTS.md); mimalloc's thread-local heaps do not contend. Its v2 line, without
/// transparent huge pages (Cargo.toml): v3 cost ≈ 2 µs more per call here, largely in collecting
/// frees made by another thread (requests are built on the async workers and freed by the
/// writer), and huge pages doubled the idle RSS.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// The local certificate authority that signs localyun's TLS certificates.
    Ca {
        #[command(subcommand)]
        command: CaCommand,
    },
    /// Print the `export` lines that point an unmodified program at a localyun listening on
    /// ADDR: credentials, region, the proxy variables and a CA bundle (the local CA plus the
    /// system roots) for OpenSSL, requests and Node. `eval "$(localyun env ...)"`.
    Env(EnvArgs),
    /// Print the table of served actions (README's "What is served"), from the action tables.
    Actions,
}

/// Where the state lives: the embedded store in a data directory (the default), or a shared
/// PostgreSQL database that several localyun processes serve at once.
#[derive(Args)]
struct StoreArgs {
    /// Directory of the embedded durable store [default: localyun-data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL database, `postgres://USER@HOST:PORT/DB` (or `postgresql://…`).
    #[arg(long, env = "LOCALYUN_STORE")]
    store: Option<String>,
    /// When the embedded store's commits reach the disk: `normal` (at commit the data is with
    /// the operating system: survives a killed process, not a power loss) or `full` (flushed to
    /// the disk at every commit). PostgreSQL commits as the database is configured.
    #[arg(long, env = "LOCALYUN_DURABILITY")]
    durability: Option<DurabilityArg>,
}

/// `--durability`, spelled as `Durability::name` spells it.
#[derive(Clone, Copy, clap::ValueEnum)]
enum DurabilityArg {
    Normal,
    Full,
}

impl StoreArgs {
    fn open(&self) -> Result<Arc<dyn Store>, String> {
        let location = match (&self.data_dir, &self.store) {
            (Some(_), Some(_)) => return Err("give either --data-dir or --store (LOCALYUN_STORE), not both".into()),
            (None, Some(url)) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Location::Postgres(url),
            (None, Some(other)) => return Err(format!("--store must be a postgres:// or postgresql:// URL, not {other:?}")),
            (Some(dir), None) => Location::DataDir(dir, self.durability()),
            (None, None) => Location::DataDir(std::path::Path::new(DEFAULT_DATA_DIR), self.durability()),
        };
        if self.durability.is_some() && !matches!(location, Location::DataDir(..)) {
            return Err("--durability applies to the embedded store (--data-dir); PostgreSQL commits as the database is configured".into());
        }
        open_store(location)
    }
}

const DEFAULT_DATA_DIR: &str = "localyun-data";

impl StoreArgs {
    fn durability(&self) -> Durability {
        match self.durability {
            Some(DurabilityArg::Full) => Durability::Power,
            Some(DurabilityArg::Normal) | None => Durability::Process,
        }
    }
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    store: StoreArgs,
    /// Keep everything in memory and lose it on exit.
    #[arg(long, conflicts_with_all = ["data_dir", "store", "durability"])]
    in_memory: bool,
    /// The region this server stands for.
    #[arg(long, default_value = "cn-hangzhou")]
    region: String,
    #[command(flatten)]
    timeouts: TimeoutArgs,
}

/// Connection limits, in seconds (fractions allowed). The defaults follow Alibaba Cloud's load
/// balancers where they have one (idle connections closed after 15 s).
#[derive(Args)]
struct TimeoutArgs {
    /// Time a client has to send a request's whole header, from connecting or from the first
    /// byte of a next request; a client that does not is disconnected.
    #[arg(long, env = "LOCALYUN_HEADER_READ_TIMEOUT", default_value = "10", value_parser = seconds)]
    header_read_timeout: Duration,
    /// Time a keep-alive connection may stay idle between requests before it is closed.
    #[arg(long, env = "LOCALYUN_IDLE_TIMEOUT", default_value = "15", value_parser = seconds)]
    idle_timeout: Duration,
    /// Time a client has to send a request's body after its header (then 408 RequestTimeout).
    #[arg(long, env = "LOCALYUN_BODY_READ_TIMEOUT", default_value = "10", value_parser = seconds)]
    body_read_timeout: Duration,
    /// At SIGTERM or Ctrl-C, time requests in flight have to finish before every connection is
    /// closed; a second signal closes them at once.
    #[arg(long, env = "LOCALYUN_SHUTDOWN_GRACE", default_value = "10", value_parser = seconds)]
    shutdown_grace: Duration,
}

fn seconds(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("{s:?} is not a number of seconds above 0 and at most 86400")),
    }
}

#[derive(Args)]
struct EnvArgs {
    /// The address the server listens on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    store: StoreArgs,
    /// The region the program should use.
    #[arg(long, default_value = "cn-hangzhou")]
    region: String,
    /// Where to write the CA bundle [default: ca-bundle.pem in the data directory, or in
    /// $XDG_CACHE_HOME/localyun (~/.cache/localyun) for --store].
    #[arg(long)]
    bundle: Option<PathBuf>,
}

/// The system's trusted roots, so that the program's other https calls keep working with the
/// bundle: `SSL_CERT_FILE` as it was, else the usual distribution paths.
fn system_roots() -> Option<String> {
    let given = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
    let known = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"];
    given.into_iter().chain(known.iter().map(PathBuf::from)).find_map(|p| std::fs::read_to_string(p).ok())
}

/// The store's local CA, made first if it has none (tls.rs).
fn local_ca(store: &dyn localyun_store::Store) -> Result<std::sync::Arc<localyun_server::tls::Ca>, String> {
    localyun_server::tls::Ca::load_or_create(store).map_err(|e| format!("cannot set up the local CA: {e}"))
}

/// A value quoted for a POSIX shell.
fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

fn env(args: EnvArgs) -> Result<(), String> {
    let creds = default_credentials(&args.listen)?;
    let store = args.store.open()?;
    let ca = local_ca(store.as_ref())?;
    let bundle = match (&args.bundle, &args.store.data_dir, &args.store.store) {
        (Some(path), _, _) => path.clone(),
        (None, _, Some(_)) => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .ok_or("no HOME or XDG_CACHE_HOME to keep the CA bundle in: give --bundle")?;
            cache.join("localyun").join("ca-bundle.pem")
        }
        (None, dir, None) => dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)).join("ca-bundle.pem"),
    };
    let mut text = ca.cert_pem().to_string();
    if let Some(roots) = system_roots() {
        text.push('\n');
        text.push_str(&roots);
    }
    if let Some(parent) = bundle.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&bundle, text).map_err(|e| format!("cannot write {}: {e}", bundle.display()))?;
    let bundle = std::fs::canonicalize(&bundle).unwrap_or(bundle);
    let proxy = format!("http://{}", args.listen);
    let bundle = bundle.to_string_lossy().into_owned();
    let lines = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", creds.access_key_id.as_str()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", creds.access_key_secret.expose()),
        ("ALIBABA_CLOUD_REGION_ID", args.region.as_str()),
        ("HTTP_PROXY", proxy.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
        ("https_proxy", proxy.as_str()),
        // Empty: a NO_PROXY listing the service names (or 127.0.0.1, for the SLS recipe)
        // would send those calls past localyun.
        ("NO_PROXY", ""),
        ("no_proxy", ""),
        ("SSL_CERT_FILE", bundle.as_str()),
        ("REQUESTS_CA_BUNDLE", bundle.as_str()),
        ("NODE_EXTRA_CA_CERTS", bundle.as_str()),
        // aliyun-python-sdk-core verifies with its vendored certifi unless this is set
        // (aliyunsdkcore/http/http_response.py, get_verify_value).
        ("ALIBABA_CLOUD_CA_BUNDLE", bundle.as_str()),
    ];
    for (name, value) in lines {
        println!("export {name}={}", sh_quote(value));
    }
    Ok(())
}

#[derive(Subcommand)]
enum CaCommand {
    /// Print the CA certificate (PEM), made first if the store has none, so that clients can
    /// trust localyun's https answers.
    Export {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Add the local CA to a Python environment's certifi bundle (`certifi.where()`), for the
    /// clients that trust nothing else inside a proxy tunnel (the Python Tea SDKs). Changes that
    /// one file only, in a marked block; installing twice changes nothing.
    Install {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        python: PythonArg,
    },
    /// Remove every local CA `ca install` added to that certifi bundle; the rest of the file is
    /// left byte for byte.
    Uninstall {
        #[command(flatten)]
        python: PythonArg,
    },
}

#[derive(Args)]
struct PythonArg {
    /// The Python whose certifi to change [default: $VIRTUAL_ENV/bin/python when a virtual
    /// environment is active, else python3].
    #[arg(long)]
    python: Option<PathBuf>,
}

impl PythonArg {
    fn interpreter(&self) -> PathBuf {
        self.python.clone().unwrap_or_else(|| match std::env::var_os("VIRTUAL_ENV") {
            Some(venv) => PathBuf::from(venv).join("bin").join("python"),
            None => PathBuf::from("python3"),
        })
    }

    /// `certifi.where()` of that interpreter.
    fn certifi_bundle(&self) -> Result<(PathBuf, PathBuf), String> {
        let python = self.interpreter();
        let out = std::process::Command::new(&python)
            .args(["-c", "import certifi; print(certifi.where())"])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr);
            return Err(format!("{} has no certifi: {}", python.display(), why.trim().lines().last().unwrap_or("")));
        }
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok((python, PathBuf::from(path)))
    }
}

/// Replaces `path` with `text` through a file beside it and a rename, so that a reader never
/// sees half a bundle; the file keeps its permissions.
fn replace_file(path: &std::path::Path, text: &str) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".localyun-tmp");
    let tmp = PathBuf::from(tmp);
    let perms = std::fs::metadata(path).map_err(fail)?.permissions();
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::set_permissions(&tmp, perms).and_then(|()| std::fs::rename(&tmp, path)).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

fn ca_install(store: StoreArgs, python: PythonArg) -> Result<(), String> {
    let s = store.open()?;
    let ca = local_ca(s.as_ref())?;
    let (python, bundle) = python.certifi_bundle()?;
    let text = std::fs::read_to_string(&bundle).map_err(|e| format!("cannot read {}: {e}", bundle.display()))?;
    match localyun_server::trust::with_ca(&text, ca.cert_pem()) {
        None => println!("the local CA is already in {} (certifi of {})", bundle.display(), python.display()),
        Some(changed) => {
            replace_file(&bundle, &changed)?;
            println!(
                "added the local CA to {} (certifi of {}); `localyun ca uninstall --python {}` removes it",
                bundle.display(),
                python.display(),
                python.display()
            );
        }
    }
    Ok(())
}

fn ca_uninstall(python: PythonArg) -> Result<(), String> {
    let (python, bundle) = python.certifi_bundle()?;
    let text = std::fs::read_to_string(&bundle).map_err(|e| format!("cannot read {}: {e}", bundle.display()))?;
    match localyun_server::trust::without_local_cas(&text) {
        None => println!("no local CA in {} (certifi of {})", bundle.display(), python.display()),
        Some((restored, n)) => {
            replace_file(&bundle, &restored)?;
            println!("removed {n} local CA(s) from {} (certifi of {})", bundle.display(), python.display());
        }
    }
    Ok(())
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account and print {"AccountId","AccessKeyId","AccessKeySecret"}.
    Create {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Deactivate the well-known default AccessKey (LTAI5tLocalyunRootKey01), which a server
    /// on a non-loopback address refuses to run beside.
    DisableDefaultKey {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Import an RSA key pair of an account's root (the private key the console would hand
    /// out) and print {"PublicKeyId"}: STS GenerateSessionAccessKey takes calls signed with it,
    /// as the credentials SDKs' rsa_key_pair provider signs them.
    ImportKeyPair {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        account_id: String,
        /// The PEM file of the private key.
        #[arg(long)]
        private_key_file: PathBuf,
    },
    /// List the accounts as a JSON array.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Bulk-load RAM users with tags into an account (benchmark data sets), validated as the API
    /// validates them; the account's user quota does not apply.
    LoadUsers {
        #[command(flatten)]
        store: StoreArgs,
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
            (accounts::WELL_KNOWN_ACCOUNT_ID.into(), accounts::WELL_KNOWN_ACCESS_KEY_ID.into(), accounts::WELL_KNOWN_ACCESS_KEY_SECRET.into())
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

fn open_store(location: Location<'_>) -> Result<Arc<dyn Store>, String> {
    let place = match &location {
        Location::DataDir(dir, _) => dir.display().to_string(),
        Location::InMemory => "memory".into(),
        Location::Postgres(url) => redact_url(url),
    };
    migrations::open(location).map_err(|e| match e {
        StoreError::UnsupportedFormat { .. } => format!("cannot open the store in {place}: {e}; use that newer localyun"),
        e => format!("cannot open the store in {place}: {e}"),
    })
}

/// The URL without a password, for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:[REDACTED]{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Counts SIGTERM and Ctrl-C: the server drains at the first and stops at the second.
fn signal_counter() -> tokio::sync::watch::Receiver<u32> {
    let (tx, rx) = tokio::sync::watch::channel(0u32);
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        loop {
            #[cfg(unix)]
            let terminate = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let terminate = std::future::pending::<()>();
            tokio::select! { _ = tokio::signal::ctrl_c() => {}, () = terminate => {} }
            tx.send_modify(|n| *n += 1);
        }
    });
    rx
}

/// The soft limit of open files is often 1024, which a thousand idle clients exhaust; the hard
/// limit is what the operator allows, so the server takes all of it.
fn raise_open_file_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(limit = n, "open file limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open file limit"),
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let creds = default_credentials(&args.listen)?;
    let store = if args.in_memory { open_store(Location::InMemory)? } else { args.store.open()? };
    accounts::ensure_default(store.as_ref(), &creds).map_err(|e| format!("cannot set up the default account: {e}"))?;
    // Data made by a loopback server without credentials holds the published default key;
    // serving it on a reachable address would let anyone in (README "Credentials").
    if !args.listen.ip().is_loopback() && accounts::well_known_key_active(store.as_ref()).map_err(|e| e.to_string())? {
        return Err(format!(
            "refusing to listen on {}: the store holds the well-known default AccessKey {} with its published secret; \
             deactivate it first with `localyun account disable-default-key` (same --data-dir/--store), or listen on a loopback address",
            args.listen,
            accounts::WELL_KNOWN_ACCESS_KEY_ID
        ));
    }
    raise_open_file_limit();
    let t = &args.timeouts;
    let settings = Settings { region: args.region.clone(), body_read_timeout: t.body_read_timeout, ..Settings::default() };
    let limits =
        Limits { connection: Timeouts { header_read: t.header_read_timeout, idle: t.idle_timeout }, shutdown_grace: t.shutdown_grace };
    // The same port answers TLS with the store's CA (issue 13).
    let ca = local_ca(store.as_ref())?;
    let tls = localyun_server::tls::acceptor(ca).map_err(|e| format!("cannot set up TLS: {e}"))?;
    let state = Arc::new(AppState::new(store.clone(), settings));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let (engine, store_durability) = (store.engine(), store.durability());
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        tracing::info!(
            listen = %args.listen,
            store = engine,
            durability = store_durability,
            region = %args.region,
            default_account = %creds.account_id,
            authorization = "enforced: RAM policies decide every call of a RAM user or role session; the account root may do everything",
            "localyun serving"
        );
        localyun_server::server::serve(listener, state, limits, Some(tls), signal_counter()).await.map_err(|e| e.to_string())
    })?;
    // Connections still open after the grace period are dropped with the runtime.
    runtime.shutdown_timeout(Duration::from_millis(100));
    // A clean stop leaves no write-ahead log to replay at the next start.
    store.checkpoint().map_err(|e| format!("final checkpoint failed: {e}"))
}

fn account(command: AccountCommand) -> Result<(), String> {
    match command {
        AccountCommand::Create { store } => {
            let store = store.open()?;
            let creds = accounts::create(store.as_ref()).map_err(|e| e.to_string())?;
            let out = serde_json::json!({
                "AccountId": creds.account_id,
                "AccessKeyId": creds.access_key_id,
                "AccessKeySecret": creds.access_key_secret.expose(),
            });
            println!("{out}");
        }
        AccountCommand::LoadUsers { store, account_id, count, tags_per_user, prefix } => {
            let store = store.open()?;
            let n = localyun_server::identity::bulk::load_users(store.as_ref(), &account_id, &prefix, count, tags_per_user)
                .map_err(|e| e.to_string())?;
            println!("{}", serde_json::json!({"AccountId": account_id, "UsersCreated": n}));
        }
        AccountCommand::DisableDefaultKey { store } => {
            let store = store.open()?;
            let disabled = accounts::disable_well_known_key(store.as_ref()).map_err(|e| e.to_string())?;
            println!("{}", serde_json::json!({"AccessKeyId": accounts::WELL_KNOWN_ACCESS_KEY_ID, "Disabled": disabled}));
        }
        AccountCommand::ImportKeyPair { store, account_id, private_key_file } => {
            let text =
                std::fs::read_to_string(&private_key_file).map_err(|e| format!("cannot read {}: {e}", private_key_file.display()))?;
            if !text.contains("PRIVATE KEY-----") {
                return Err(format!("{} is not a PEM private key", private_key_file.display()));
            }
            let store = store.open()?;
            let id = accounts::import_key_pair(store.as_ref(), &account_id, &text).map_err(|e| e.to_string())?;
            println!("{}", serde_json::json!({"AccountId": account_id, "PublicKeyId": id}));
        }
        AccountCommand::List { store } => {
            let store = store.open()?;
            let list = accounts::list(store.as_ref()).map_err(|e| e.to_string())?;
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
        Command::Ca { command: CaCommand::Export { store } } => store.open().and_then(|s| {
            let ca = local_ca(s.as_ref())?;
            print!("{}", ca.cert_pem());
            Ok(())
        }),
        Command::Ca { command: CaCommand::Install { store, python } } => ca_install(store, python),
        Command::Ca { command: CaCommand::Uninstall { python } } => ca_uninstall(python),
        Command::Env(args) => env(args),
        Command::Actions => {
            print!("{}", localyun_server::catalog::markdown());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("localyun: {e}");
            ExitCode::from(2)
        }
    }
}
