//! A stand-in for the Hugging Face Hub, for the routes slam uses (the Hub is not reachable
//! offline): a repository's file listing (`/api/models/REPO/tree/main?recursive=true`, with
//! sizes and LFS sha256), and `REPO/resolve/main/FILE` answering 302 to a second host, with the
//! Hub's `X-Repo-Commit`, `X-Linked-Etag`, `X-Linked-Size` and `ETag` headers; the second host
//! serves the bytes with `ETag`, `Accept-Ranges` and Range/If-Range as a CDN does. Real TCP,
//! HTTP/1.1, one request per connection.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

pub const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

#[derive(Clone, Default)]
pub struct HubFile {
    pub bytes: Vec<u8>,
    /// Serve only this many bytes of a full answer, then close (a dropped connection).
    pub cut_at: Option<usize>,
    /// Serve this many bytes of a full answer, then wait for `release()` before the rest (a
    /// download caught half-way, to be stopped).
    pub stall_at: Option<usize>,
    /// Change this byte in what is served (not in the listed hash).
    pub corrupt_at: Option<usize>,
    /// The listing says the file is this big (a model larger than the disk).
    pub listed_size: Option<u64>,
}

impl HubFile {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            ..Self::default()
        }
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Default)]
struct State {
    /// repo → path → file
    /// With each file its sha256, computed once (a bench serves 512 MiB many times).
    repos: HashMap<String, HashMap<String, (Arc<HubFile>, String)>>,
    gated: Vec<String>,
    /// Stalled downloads go on.
    released: bool,
    /// Every request: (host, request line, Range header, If-Range header).
    log: Vec<(String, String, Option<String>, Option<String>)>,
}

#[derive(Clone)]
pub struct HubServer {
    pub hub_port: u16,
    pub cdn_port: u16,
    state: Arc<Mutex<State>>,
}

impl HubServer {
    pub fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let hub = TcpListener::bind("127.0.0.1:0").unwrap();
        let cdn = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = Self {
            hub_port: hub.local_addr().unwrap().port(),
            cdn_port: cdn.local_addr().unwrap().port(),
            state,
        };
        for (listener, is_hub) in [(hub, true), (cdn, false)] {
            let s = server.clone();
            std::thread::spawn(move || {
                for conn in listener.incoming().flatten() {
                    let s = s.clone();
                    std::thread::spawn(move || s.serve(conn, is_hub));
                }
            });
        }
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.hub_port)
    }

    pub fn put(&self, repo: &str, path: &str, file: HubFile) {
        let sha = sha256(&file.bytes);
        let mut s = self.state.lock().unwrap();
        s.repos
            .entry(repo.to_owned())
            .or_default()
            .insert(path.to_owned(), (Arc::new(file), sha));
    }

    /// Stalled downloads send the rest.
    pub fn release(&self) {
        self.state.lock().unwrap().released = true;
    }

    pub fn gate(&self, repo: &str) {
        self.state.lock().unwrap().gated.push(repo.to_owned());
    }

    /// The requests the file host received: (request line, Range, If-Range).
    pub fn cdn_requests(&self) -> Vec<(String, Option<String>, Option<String>)> {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|l| l.0 == "cdn")
            .map(|l| (l.1.clone(), l.2.clone(), l.3.clone()))
            .collect()
    }

    /// How many requests the file host received for `Range: range` (`bytes=N-`).
    pub fn range_requests(&self, range: &str) -> usize {
        self.cdn_requests()
            .iter()
            .filter(|r| r.1.as_deref() == Some(range))
            .count()
    }

    fn serve(&self, conn: TcpStream, is_hub: bool) {
        let mut reader = BufReader::new(conn.try_clone().unwrap());
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        self.state.lock().unwrap().log.push((
            if is_hub { "hub" } else { "cdn" }.into(),
            line.trim().to_owned(),
            headers.get("range").cloned(),
            headers.get("if-range").cloned(),
        ));
        let mut out = conn;
        if is_hub {
            self.hub(&mut out, &target, &headers);
        } else {
            self.cdn(&mut out, &target, &headers);
        }
    }

    /// `ORG/NAME/PATH` → the file.
    fn find(&self, target: &str) -> Option<(Arc<HubFile>, String)> {
        let s = self.state.lock().unwrap();
        let mut parts = target.splitn(3, '/');
        let repo = format!("{}/{}", parts.next()?, parts.next()?);
        s.repos.get(&repo)?.get(parts.next()?).cloned()
    }

    fn hub(&self, out: &mut TcpStream, target: &str, headers: &HashMap<String, String>) {
        let s = self.state.lock().unwrap();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if path == "/api/models" {
            let search = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("search="))
                .unwrap_or_default()
                .to_ascii_lowercase();
            let hits: Vec<serde_json::Value> = s
                .repos
                .iter()
                .filter(|(id, _)| id.to_ascii_lowercase().contains(&search))
                .map(|(id, files)| {
                    serde_json::json!({"_id": "x", "id": id, "likes": 3, "downloads": files.len() * 1000,
                        "private": false, "tags": ["gguf"], "library_name": "gguf",
                        "createdAt": "2025-01-01T00:00:00.000Z", "modelId": id})
                })
                .collect();
            return respond(
                out,
                "200 OK",
                &[("Content-Type", "application/json")],
                &serde_json::to_vec(&hits).unwrap(),
            );
        }
        if let Some(rest) = path.strip_prefix("/api/models/") {
            let repo = rest.strip_suffix("/tree/main").unwrap_or(rest);
            return match s.repos.get(repo) {
                Some(files) => {
                    let mut list: Vec<serde_json::Value> = files
                        .iter()
                        .map(|(p, (f, sha))| {
                            let size = f.listed_size.unwrap_or(f.bytes.len() as u64);
                            serde_json::json!({"type": "file", "oid": &sha256(p.as_bytes())[..40],
                                "size": size, "path": p,
                                "lfs": {"oid": sha, "size": size, "pointerSize": 134}})
                        })
                        .collect();
                    list.sort_by_key(|v| v["path"].as_str().unwrap_or_default().to_owned());
                    respond(
                        out,
                        "200 OK",
                        &[("Content-Type", "application/json")],
                        &serde_json::to_vec(&list).unwrap(),
                    )
                }
                None => not_found(out),
            };
        }
        // /ORG/NAME/resolve/main/PATH
        let Some((repo, file)) = path.trim_start_matches('/').split_once("/resolve/main/") else {
            return not_found(out);
        };
        if s.gated.iter().any(|g| g == repo) && !headers.contains_key("authorization") {
            return respond(
                out,
                "401 Unauthorized",
                &[
                    ("X-Error-Code", "GatedRepo"),
                    ("X-Error-Message", "Access to this model is restricted"),
                ],
                b"",
            );
        }
        let Some((f, sha)) = s.repos.get(repo).and_then(|files| files.get(file)) else {
            return respond(
                out,
                "404 Not Found",
                &[("X-Error-Code", "RepoNotFound")],
                b"",
            );
        };
        let location = format!("http://127.0.0.1:{}/repos/{repo}/{file}", self.cdn_port);
        let linked = format!("\"{sha}\"");
        let size = f.bytes.len().to_string();
        respond(
            out,
            "302 Found",
            &[
                ("Location", &location),
                ("X-Repo-Commit", COMMIT),
                ("X-Linked-Etag", &linked),
                ("X-Linked-Size", &size),
                ("ETag", "W/\"pointer-oid\""),
            ],
            b"",
        );
    }

    fn cdn(&self, out: &mut TcpStream, target: &str, headers: &HashMap<String, String>) {
        let Some((f, sha)) = self.find(target.trim_start_matches("/repos/")) else {
            return not_found(out);
        };
        let corrupted;
        let bytes: &[u8] = match f.corrupt_at {
            Some(i) => {
                let mut b = f.bytes.clone();
                b[i] ^= 0xff;
                corrupted = b;
                &corrupted
            }
            None => &f.bytes,
        };
        let etag = format!("\"{sha}\"");
        // `bytes=N-` or `bytes=N-M`.
        let range = headers.get("range").and_then(|r| r.strip_prefix("bytes="));
        let from = range
            .and_then(|r| r.split('-').next())
            .and_then(|n| n.parse::<usize>().ok());
        let to = range
            .and_then(|r| r.split('-').nth(1))
            .and_then(|n| n.parse::<usize>().ok());
        // If-Range: the range only when the ETag still matches; else the whole file.
        let honour = from.is_some() && headers.get("if-range").is_none_or(|e| *e == etag);
        let (status, body, range) = match from {
            Some(n) if honour && n < bytes.len() => {
                let end = to.map_or(bytes.len() - 1, |t| t.min(bytes.len() - 1));
                (
                    "206 Partial Content",
                    &bytes[n..=end],
                    Some(format!("bytes {n}-{end}/{}", bytes.len())),
                )
            }
            _ => ("200 OK", bytes, None),
        };
        let mut hs = vec![
            ("ETag", etag.clone()),
            ("Accept-Ranges", "bytes".to_owned()),
            ("Content-Type", "application/octet-stream".to_owned()),
        ];
        if let Some(r) = range {
            hs.push(("Content-Range", r));
        }
        let hs: Vec<(&str, &str)> = hs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let whole = status.starts_with("200");
        match (f.cut_at.filter(|_| whole), f.stall_at.filter(|_| whole)) {
            // Announce the whole file, send part of it, hang up (or wait, then the rest).
            (cut, stall @ Some(_)) | (cut @ Some(_), stall) => {
                let _ = write!(
                    out,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n",
                    body.len(),
                    hs.iter()
                        .map(|(k, v)| format!("{k}: {v}\r\n"))
                        .collect::<String>()
                );
                let first = cut.or(stall).unwrap_or(0).min(body.len());
                let _ = out.write_all(&body[..first]);
                let _ = out.flush();
                if stall.is_some() {
                    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
                    while !self.state.lock().unwrap().released
                        && std::time::Instant::now() < deadline
                    {
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    let _ = out.write_all(&body[first..]);
                    let _ = out.flush();
                }
            }
            (None, None) => respond(out, status, &hs, body),
        }
    }
}

fn respond(out: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(body);
    let _ = out.flush();
}

fn not_found(out: &mut TcpStream) {
    respond(
        out,
        "404 Not Found",
        &[("X-Error-Code", "RepoNotFound")],
        b"",
    );
}
