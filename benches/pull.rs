//! The pull's download (`hub::download::fetch`: plain HTTP through the Hub's redirect, written
//! to the partial file and hashed as it arrives, sha256-checked, moved into place) against
//! `curl -L -o` of the same file from the same local stand-in Hub: MiB/s, median of 5 runs
//! each, and the ratio (the issue asks ≥ 0.9× curl). curl only writes; slam also hashes, so the
//! hash's own speed on this CPU is printed beside. Run with `make bench`.

#[path = "../tests/common/hub_server.rs"]
#[allow(dead_code)]
mod hub_server;

use std::process::Command;
use std::time::Instant;

use hub_server::{HubFile, HubServer, sha256};
use sha2::Digest;
use slam::hub::download::{Fetch, fetch};

const SIZE: usize = 512 << 20;
const RUNS: usize = 5;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn mib_s(secs: f64) -> f64 {
    SIZE as f64 / 1_048_576.0 / secs
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Bytes that do not compress, as a model's do not much.
    let mut bytes = vec![0u8; SIZE];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for chunk in bytes.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    let sha = sha256(&bytes);
    let hash_start = Instant::now();
    let _ = sha2::Sha256::digest(&bytes);
    let hash_mib_s = mib_s(hash_start.elapsed().as_secs_f64());

    let hub = HubServer::start();
    hub.put("bench/Big-GGUF", "big-Q4_K_M.gguf", HubFile::new(bytes));
    let url = format!(
        "{}/bench/Big-GGUF/resolve/main/big-Q4_K_M.gguf",
        hub.endpoint()
    );
    let dir = tempfile::tempdir()?;

    let mut curl = Vec::new();
    for _ in 0..RUNS {
        let out = dir.path().join("curl.bin");
        let start = Instant::now();
        let status = Command::new("curl")
            .args(["-sS", "-L", "-o"])
            .arg(&out)
            .arg(&url)
            .status()?;
        curl.push(start.elapsed().as_secs_f64());
        if !status.success() || std::fs::metadata(&out)?.len() != SIZE as u64 {
            return Err("curl did not fetch the whole file".into());
        }
        std::fs::remove_file(&out)?;
    }

    let runtime = tokio::runtime::Runtime::new()?;
    let client = reqwest::Client::new();
    let mut slam = Vec::new();
    for _ in 0..RUNS {
        let plan = Fetch {
            url: url.clone(),
            token: None,
            size: SIZE as u64,
            sha256: sha.clone(),
            partial: dir.path().join("slam.incomplete"),
            dest: dir.path().join("slam.bin"),
            lock: dir.path().join("slam.lock"),
        };
        let start = Instant::now();
        runtime.block_on(fetch(&client, &plan, |_, _| {}))?;
        slam.push(start.elapsed().as_secs_f64());
        std::fs::remove_file(&plan.dest)?;
    }

    let (curl, slam) = (mib_s(median(curl)), mib_s(median(slam)));
    println!(
        "pull download, {} MiB from a local server (median of {RUNS}): curl {curl:.0} MiB/s, slam {slam:.0} MiB/s = {:.2}× curl (sha256 alone on this CPU: {hash_mib_s:.0} MiB/s)",
        SIZE >> 20,
        slam / curl
    );
    Ok(())
}
