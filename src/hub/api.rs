//! The Hub's HTTP API, for the routes a pull needs: a repository's files with sizes and LFS
//! sha256 (`/api/models/REPO/tree/main?recursive=true`), the model search, the commit a file
//! resolves to (`X-Repo-Commit` of `resolve/main/FILE`), and the first bytes of a file (its
//! GGUF header, for the fit check). `HF_ENDPOINT` and `HF_TOKEN` are honoured; the token is
//! sent, never printed or stored.

use serde::Deserialize;

use super::quant::RepoFile;

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("{repo}: no such repository on {endpoint} (check the name: ORG/REPO)")]
    NotFound { repo: String, endpoint: String },
    #[error(
        "{repo}: access denied ({status}): a gated or private repository — accept its terms on the Hub and set HF_TOKEN"
    )]
    Gated { repo: String, status: u16 },
    #[error("{url}: {status}")]
    Status { url: String, status: u16 },
    /// The request did not get an answer: one line naming the host and the cause.
    #[error(
        "cannot reach {host} ({cause}); a mirror can be set with HF_ENDPOINT, and models already pulled work offline"
    )]
    Http { host: String, cause: String },
    #[error("{url}: not the answer the Hub gives ({reason})")]
    Shape { url: String, reason: String },
}

impl HubError {
    /// A request that got no answer, from reqwest's error: its host once and the innermost
    /// causes ("dns error: failed to lookup address information: …"), not the URL three
    /// times as reqwest's chain of wrappers says it.
    pub fn http(url: &str, e: &reqwest::Error) -> Self {
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| {
                Some(format!(
                    "{}{}",
                    u.host_str()?,
                    u.port().map(|p| format!(":{p}")).unwrap_or_default()
                ))
            })
            .unwrap_or_else(|| url.to_owned());
        let mut chain = vec![e.to_string()];
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            chain.push(s.to_string());
            source = s.source();
        }
        // reqwest's and hyper's wrappers say only which request and which layer failed.
        let cause: Vec<String> = (chain.into_iter())
            .filter(|m| !m.contains(url) && !m.starts_with("error sending request"))
            .filter(|m| !m.starts_with("client error ("))
            .collect();
        let cause = match cause.is_empty() {
            true => e.to_string().replace(url, &host),
            false => cause.join(": "),
        };
        HubError::Http { host, cause }
    }
}

#[derive(Debug, Clone)]
pub struct Hub {
    pub client: reqwest::Client,
    pub endpoint: String,
    pub token: Option<String>,
}

/// A repository the search found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchHit {
    pub id: String,
    pub downloads: u64,
    pub likes: u64,
}

#[derive(Deserialize)]
struct TreeEntry {
    #[serde(rename = "type")]
    kind: String,
    path: String,
    #[serde(default)]
    size: u64,
    lfs: Option<Lfs>,
}

#[derive(Deserialize)]
struct Lfs {
    oid: String,
    size: u64,
}

#[derive(Deserialize)]
struct ModelHit {
    id: String,
    #[serde(default)]
    downloads: u64,
    #[serde(default)]
    likes: u64,
}

impl Hub {
    pub fn from_env() -> Self {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self {
            client: reqwest::Client::new(),
            endpoint: env("HF_ENDPOINT")
                .unwrap_or_else(|| "https://huggingface.co".into())
                .trim_end_matches('/')
                .to_owned(),
            token: env("HF_TOKEN").or_else(|| env("HUGGING_FACE_HUB_TOKEN")),
        }
    }

    fn get(&self, url: &str) -> reqwest::RequestBuilder {
        let request = self.client.get(url);
        match &self.token {
            Some(t) => request.bearer_auth(t),
            None => request,
        }
    }

    pub fn resolve_url(&self, repo: &str, path: &str) -> String {
        format!("{}/{repo}/resolve/main/{path}", self.endpoint)
    }

    fn check(&self, repo: &str, url: &str, status: reqwest::StatusCode) -> Result<(), HubError> {
        match status.as_u16() {
            200..=299 => Ok(()),
            404 => Err(HubError::NotFound {
                repo: repo.into(),
                endpoint: self.endpoint.clone(),
            }),
            s @ (401 | 403) => Err(HubError::Gated {
                repo: repo.into(),
                status: s,
            }),
            s => Err(HubError::Status {
                url: url.into(),
                status: s,
            }),
        }
    }

    /// The JSON answer of an API route, or why it is not the shape the Hub gives.
    async fn json<T: serde::de::DeserializeOwned>(
        url: &str,
        response: reqwest::Response,
    ) -> Result<T, HubError> {
        response.json().await.map_err(|e| HubError::Shape {
            url: url.to_owned(),
            reason: e.to_string(),
        })
    }

    /// Every file of the repository at `main`, with sizes and (for LFS files) sha256.
    pub async fn files(&self, repo: &str) -> Result<Vec<RepoFile>, HubError> {
        let url = format!(
            "{}/api/models/{repo}/tree/main?recursive=true",
            self.endpoint
        );
        let http = |source| HubError::http(&url, &source);
        let response = self.get(&url).send().await.map_err(http)?;
        self.check(repo, &url, response.status())?;
        let entries: Vec<TreeEntry> = Self::json(&url, response).await?;
        Ok(entries
            .into_iter()
            .filter(|e| e.kind == "file")
            .map(|e| RepoFile {
                size: e.lfs.as_ref().map_or(e.size, |l| l.size),
                sha256: e.lfs.map(|l| l.oid),
                path: e.path,
            })
            .collect())
    }

    /// GGUF repositories matching `text`, most downloaded first.
    pub async fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>, HubError> {
        let url = format!("{}/api/models", self.endpoint);
        let http = |source| HubError::http(&url, &source);
        let limit = limit.to_string();
        let response = self
            .get(&url)
            .query(&[
                ("search", text),
                ("filter", "gguf"),
                ("sort", "downloads"),
                ("direction", "-1"),
                ("limit", limit.as_str()),
            ])
            .send()
            .await
            .map_err(http)?;
        self.check(text, &url, response.status())?;
        let hits: Vec<ModelHit> = Self::json(&url, response).await?;
        Ok(hits
            .into_iter()
            .map(|h| SearchHit {
                id: h.id,
                downloads: h.downloads,
                likes: h.likes,
            })
            .collect())
    }

    /// The commit `main` resolves `path` to (the Hub's `X-Repo-Commit`), without following the
    /// redirect.
    pub async fn commit(&self, repo: &str, path: &str) -> Result<String, HubError> {
        let url = self.resolve_url(repo, path);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|source| HubError::http(&url, &source))?;
        let mut request = client.head(&url);
        if let Some(t) = &self.token {
            request = request.bearer_auth(t);
        }
        let response = request
            .send()
            .await
            .map_err(|source| HubError::http(&url, &source))?;
        if !response.status().is_redirection() {
            self.check(repo, &url, response.status())?;
        }
        response
            .headers()
            .get("x-repo-commit")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| HubError::Shape {
                url,
                reason: "no X-Repo-Commit header".into(),
            })
    }

    /// The first `n` bytes of a file (one Range request).
    pub async fn head_bytes(&self, repo: &str, path: &str, n: u64) -> Result<Vec<u8>, HubError> {
        let url = self.resolve_url(repo, path);
        let http = |source| HubError::http(&url, &source);
        let response = self
            .get(&url)
            .header(
                reqwest::header::RANGE,
                format!("bytes=0-{}", n.saturating_sub(1)),
            )
            .send()
            .await
            .map_err(http)?;
        self.check(repo, &url, response.status())?;
        // A host that ignores Range sends the whole file: read only what was asked for.
        let mut bytes = Vec::new();
        let mut body = response.bytes_stream();
        while (bytes.len() as u64) < n {
            match futures_util::StreamExt::next(&mut body).await {
                Some(chunk) => bytes.extend_from_slice(&chunk.map_err(http)?),
                None => break,
            }
        }
        bytes.truncate(n as usize);
        Ok(bytes)
    }
}
