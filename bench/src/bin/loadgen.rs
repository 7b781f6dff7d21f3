//! `loadgen setup …` prepares a localyun (or moto) server for the benchmark; `loadgen run …`
//! drives one target and prints a JSON report. `bench/run.sh` calls both (bench/README.md).

use clap::{Parser, Subcommand};
use localyun_bench::sign::{rpc_v3_request, sls_v1_request};
use localyun_bench::workload::{Hello, MotoIam, Rpc, Sls};
use localyun_bench::{run, Conn, Transport};
use localyun_core::Secret;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the RAM user (five attached policies), the tagged IMS user and the SLS logstore.
    Setup {
        #[arg(long)]
        addr: String,
        #[arg(long)]
        account_id: String,
        #[arg(long)]
        ak: String,
        #[arg(long)]
        secret: String,
    },
    /// Create the IAM user moto's workloads act on.
    SetupMoto {
        #[arg(long)]
        addr: String,
    },
    /// Start `<bin> serve` on a data directory and report the milliseconds from spawn to the first
    /// answered request, and the resident memory then: {"start_ms","rss_kb"}. The server is stopped.
    Startup {
        #[arg(long)]
        bin: String,
        #[arg(long)]
        data_dir: String,
        #[arg(long)]
        addr: String,
    },
    /// Drive one target; prints {"rps","p50_us","p99_us","p999_us","errors",...}.
    Run {
        #[arg(long)]
        target: String,
        /// One address, or several separated by commas: connections are spread over them in turn.
        #[arg(long, value_delimiter = ',')]
        addr: Vec<String>,
        #[arg(long, default_value_t = 8)]
        connections: usize,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// The JSON printed by `setup` (localyun targets only).
        #[arg(long)]
        context: Option<String>,
        /// The server's PIDs (comma-separated): their CPU time per request is reported beside the
        /// load generator's.
        #[arg(long, value_delimiter = ',')]
        server_pid: Vec<u32>,
        /// Speak TLS on every connection (issue 13), verifying the server's certificate against
        /// the CA certificates of this PEM file (`localyun ca export`) for the address's host;
        /// HTTP/1.1 with keep-alive as on plain connections.
        #[arg(long)]
        tls_ca: Option<String>,
    },
}

/// CPU time (user + system) a process has used, in microseconds, from /proc (10 ms ticks).
fn cpu_us(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10_000)
}

const BENCH_USER: &str = "bench-user";
const TARGET_USER: &str = "bench-target";
const PROJECT: &str = "bench-project";
const LOGSTORE: &str = "bench-store";

async fn call(conn: &mut Conn, req: hyper::Request<http_body_util::Full<hyper::body::Bytes>>) -> Result<Value, String> {
    let (status, body) = conn.send(req).await?;
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
    }
    Ok(serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn p(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Five policies, each needed or consulted: the user's access comes from all of them together.
fn policies(account: &str) -> Vec<(String, String)> {
    vec![
        ("bench-tag".into(), r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["ram:TagResources","ram:UntagResources"],"Resource":"*"}]}"#.into()),
        ("bench-list".into(), r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["ram:List*","ram:Get*"],"Resource":"*"}]}"#.into()),
        (
            "bench-deny-admins".into(),
            format!(r#"{{"Version":"1","Statement":[{{"Effect":"Deny","Action":"ram:*","Resource":"acs:ram:*:{account}:user/admin-*"}}]}}"#),
        ),
        (
            "bench-log".into(),
            format!(r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"log:*","Resource":["acs:log:*:{account}:project/bench-*","acs:log:*:{account}:project/bench-*/*"]}}]}}"#),
        ),
        (
            "bench-local-only".into(),
            r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":["127.0.0.0/8","::1"]}}}]}"#.into(),
        ),
    ]
}

async fn setup(addr: &str, account: &str, ak: &str, secret: &str) -> Result<Value, String> {
    let root = Secret::new(secret);
    let mut c = Conn::open(addr).await?;
    let ram = |action: &str, params: Vec<(String, String)>| rpc_v3_request(addr, ak, &root, action, "2015-05-01", &params, None);
    call(&mut c, ram("CreateUser", p(&[("UserName", BENCH_USER)]))).await?;
    let key = call(&mut c, ram("CreateAccessKey", p(&[("UserName", BENCH_USER)]))).await?;
    let user_ak = key["AccessKey"]["AccessKeyId"].as_str().unwrap_or_default().to_string();
    let user_secret = key["AccessKey"]["AccessKeySecret"].as_str().unwrap_or_default().to_string();
    for (name, doc) in policies(account) {
        call(&mut c, ram("CreatePolicy", p(&[("PolicyName", &name), ("PolicyDocument", &doc)]))).await?;
        call(&mut c, ram("AttachPolicyToUser", p(&[("PolicyType", "Custom"), ("PolicyName", &name), ("UserName", BENCH_USER)]))).await?;
    }
    let upn = format!("{TARGET_USER}@{account}.onaliyun.com");
    let ims = rpc_v3_request(
        addr,
        ak,
        &root,
        "CreateUser",
        "2019-08-15",
        &p(&[("UserPrincipalName", &upn), ("DisplayName", "bench target"), ("Tag.1.Key", "team"), ("Tag.1.Value", "bench")]),
        None,
    );
    let target = call(&mut c, ims).await?;
    let target_id = target["User"]["UserId"].as_str().unwrap_or_default().to_string();
    let host = format!("{PROJECT}.127.0.0.1");
    let body = json!({"projectName": PROJECT, "description": "benchmark"}).to_string();
    call(&mut c, sls_v1_request("POST", &host, "/", ak, &root, body.as_bytes())).await?;
    let body = json!({"logstoreName": LOGSTORE, "ttl": 7, "shardCount": 1}).to_string();
    call(&mut c, sls_v1_request("POST", &host, "/logstores", ak, &root, body.as_bytes())).await?;
    Ok(json!({"user_ak": user_ak, "user_secret": user_secret, "target_user_id": target_id, "account_id": account}))
}

/// Resident set size of a process, from /proc.
pub fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok())))
        .unwrap_or(0)
}

async fn startup(bin: &str, data_dir: &str, addr: &str) -> Result<Value, String> {
    let t = std::time::Instant::now();
    let mut child = std::process::Command::new(bin)
        .args(["serve", "--listen", addr, "--data-dir", data_dir])
        .env("LOCALYUN_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {bin}: {e}"))?;
    let result = loop {
        if t.elapsed() > Duration::from_secs(30) {
            break Err("the server did not answer within 30 s".to_string());
        }
        if let Ok(mut c) = Conn::open(addr).await {
            let req = hyper::Request::get("/_localyun/health")
                .header("host", addr)
                .body(http_body_util::Full::new(hyper::body::Bytes::new()))
                .unwrap_or_default();
            if let Ok((200, _)) = c.send(req).await {
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                break Ok(json!({"start_ms": ms, "rss_kb": rss_kb(child.id())}));
            }
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

async fn setup_moto(addr: &str) -> Result<(), String> {
    let mut c = Conn::open(addr).await?;
    let mut w = MotoIam { body: format!("Action=CreateUser&UserName={BENCH_USER}&Version=2010-05-08") };
    call(&mut c, localyun_bench::workload::Workload::next(&mut w)).await.map(|_| ())
}

fn ctx_field(ctx: &Value, k: &str) -> String {
    ctx[k].as_str().unwrap_or_default().to_string()
}

async fn run_target(
    target: &str,
    addrs: &[String],
    transport: &Transport,
    conns: usize,
    dur: Duration,
    ctx: Value,
) -> Result<localyun_bench::Report, String> {
    let moto = |body: &str| {
        let body = body.to_string();
        move |_| MotoIam { body: body.clone() }
    };
    let rpc_steps = |steps: Vec<(&'static str, Vec<(String, String)>)>| {
        let (ak, secret, addrs) = (ctx_field(&ctx, "user_ak"), ctx_field(&ctx, "user_secret"), addrs.to_vec());
        // The Host each connection signs is the server it talks to.
        move |i: usize| Rpc {
            host: addrs[i % addrs.len().max(1)].clone(),
            ak: ak.clone(),
            secret: Secret::new(secret.clone()),
            version: "2019-08-15".into(),
            steps: steps.iter().map(|(a, p)| (a.to_string(), p.clone())).collect(),
            // Connections start at different steps, so both calls are always in flight.
            turn: i,
        }
    };
    let rpc = |action: &'static str, params: Vec<(String, String)>| rpc_steps(vec![(action, params)]);
    let target_id = ctx_field(&ctx, "target_user_id");
    match target {
        "hello" => run(addrs, transport, conns, dur, |_| Hello).await,
        "moto-untag" => {
            run(
                addrs,
                transport,
                conns,
                dur,
                moto(&format!("Action=UntagUser&UserName={BENCH_USER}&TagKeys.member.1=k3&Version=2010-05-08")),
            )
            .await
        }
        "moto-tag" => {
            run(
                addrs,
                transport,
                conns,
                dur,
                moto(&format!("Action=TagUser&UserName={BENCH_USER}&Tags.member.1.Key=k3&Tags.member.1.Value=v{{n}}&Version=2010-05-08")),
            )
            .await
        }
        "moto-list" => {
            run(addrs, transport, conns, dur, moto(&format!("Action=ListUserTags&UserName={BENCH_USER}&Version=2010-05-08"))).await
        }
        "ims-untag" => {
            run(
                addrs,
                transport,
                conns,
                dur,
                rpc("UntagResources", p(&[("ResourceType", "user"), ("ResourceId.1", &target_id), ("TagKey.1", "k3")])),
            )
            .await
        }
        "ims-tag" => {
            run(
                addrs,
                transport,
                conns,
                dur,
                rpc(
                    "TagResources",
                    p(&[("ResourceType", "user"), ("ResourceId.1", &target_id), ("Tag.1.Key", "k3"), ("Tag.1.Value", "v{n}")]),
                ),
            )
            .await
        }
        // Every call changes the user: tag k9 with a new value, then remove it, in turn.
        "ims-tag-untag" => {
            let tag = p(&[("ResourceType", "user"), ("ResourceId.1", &target_id), ("Tag.1.Key", "k9"), ("Tag.1.Value", "v{n}")]);
            let untag = p(&[("ResourceType", "user"), ("ResourceId.1", &target_id), ("TagKey.1", "k9")]);
            run(addrs, transport, conns, dur, rpc_steps(vec![("TagResources", tag), ("UntagResources", untag)])).await
        }
        "ims-list" => {
            run(addrs, transport, conns, dur, rpc("ListTagResources", p(&[("ResourceType", "user"), ("ResourceId.1", &target_id)]))).await
        }
        "ims-list-by-tag" => {
            let (k, v) = (ctx_field(&ctx, "filter_key"), ctx_field(&ctx, "filter_value"));
            run(
                addrs,
                transport,
                conns,
                dur,
                rpc("ListTagResources", p(&[("ResourceType", "user"), ("Tag.1.Key", &k), ("Tag.1.Value", &v), ("PageSize", "100")])),
            )
            .await
        }
        "sls-untag" => {
            let (ak, secret) = (ctx_field(&ctx, "user_ak"), ctx_field(&ctx, "user_secret"));
            let body = json!({"resourceType": "logstore", "resourceId": [format!("{PROJECT}#{LOGSTORE}")], "tags": ["k3"]})
                .to_string()
                .into_bytes();
            run(addrs, transport, conns, dur, move |_| Sls {
                method: "POST".into(),
                host: format!("{PROJECT}.127.0.0.1"),
                path: "/untag".into(),
                ak: ak.clone(),
                secret: Secret::new(secret.clone()),
                body: body.clone(),
            })
            .await
        }
        other => Err(format!("unknown target {other}")),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Setup { addr, account_id, ak, secret } => setup(&addr, &account_id, &ak, &secret).await.map(|v| println!("{v}")),
        Command::SetupMoto { addr } => setup_moto(&addr).await,
        Command::Startup { bin, data_dir, addr } => startup(&bin, &data_dir, &addr).await.map(|v| println!("{v}")),
        Command::Run { target, addr, connections, seconds, context, server_pid, tls_ca } => {
            let transport = match tls_ca.as_deref().map(Transport::tls_with_ca) {
                None => Transport::Plain,
                Some(Ok(t)) => t,
                Some(Err(e)) => {
                    eprintln!("loadgen: {e}");
                    return std::process::ExitCode::from(2);
                }
            };
            let ctx = match context.map(std::fs::read_to_string) {
                Some(Ok(text)) => serde_json::from_str(&text).unwrap_or(Value::Null),
                Some(Err(e)) => {
                    eprintln!("loadgen: cannot read the context: {e}");
                    return std::process::ExitCode::from(2);
                }
                None => Value::Null,
            };
            let servers: Vec<String> = server_pid.iter().map(u32::to_string).collect();
            let server_cpu = || -> Option<u64> {
                if servers.is_empty() {
                    return None;
                }
                servers.iter().map(|p| cpu_us(p)).sum()
            };
            let before = (server_cpu(), cpu_us("self"));
            let result = run_target(&target, &addr, &transport, connections, Duration::from_secs_f64(seconds), ctx).await;
            let after = (server_cpu(), cpu_us("self"));
            result.map(|r| {
                let mut out = r.to_json();
                let per_request = |a: Option<u64>, b: Option<u64>| match (a, b) {
                    (Some(a), Some(b)) if r.requests > 0 => json!((b - a.min(b)) as f64 / r.requests as f64),
                    _ => Value::Null,
                };
                out["server_cpu_us"] = per_request(before.0, after.0);
                out["loadgen_cpu_us"] = per_request(before.1, after.1);
                out["tls"] = json!(tls_ca.is_some());
                println!("{out}")
            })
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
