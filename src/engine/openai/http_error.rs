//! Mapping what went wrong on the wire to a typed `EngineError`.

use std::error::Error as _;

use super::OpenAiOptions;
use crate::engine::EngineError;

/// The server's own words from an error response: `error.message`, `detail`, or the text.
pub fn message_from_body(text: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let from_json = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("error").filter(|e| e.is_string()))
            .or_else(|| v.get("detail"))
            .or_else(|| v.get("message"))
            .map(|m| {
                m.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| m.to_string())
            })
    });
    let message = from_json.unwrap_or_else(|| text.trim().to_owned());
    let mut short: String = message.chars().take(300).collect();
    if short.len() < message.len() {
        short.push('…');
    }
    if short.is_empty() {
        "(no message)".into()
    } else {
        short
    }
}

pub fn from_status(status: u16, url: &str, message: String, retries: u32) -> EngineError {
    let url = url.to_owned();
    match status {
        401 | 403 => EngineError::Auth {
            url,
            status,
            message,
        },
        404 => EngineError::ModelNotFound { url, message },
        400 | 413 | 422 if mentions_context(&message) => EngineError::ContextTooLong {
            url,
            status,
            message,
        },
        429 => EngineError::RateLimited {
            url,
            retries,
            message,
        },
        503 => EngineError::Unavailable {
            url,
            retries,
            message,
        },
        400..=499 => EngineError::BadRequest {
            url,
            status,
            message,
        },
        _ => EngineError::ServerError {
            url,
            status,
            message,
        },
    }
}

fn mentions_context(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("context") || m.contains("too long") || m.contains("maximum") && m.contains("token")
}

pub fn from_reqwest(e: &reqwest::Error, url: &str, opts: &OpenAiOptions) -> EngineError {
    let url_s = url.to_owned();
    let chain = error_chain(e);
    if e.is_connect() || chain.contains("tcp connect") {
        if e.is_timeout() || chain.contains("timed out") {
            return EngineError::ConnectTimeout {
                url: url_s,
                after_ms: opts.connect_timeout.as_millis() as u64,
            };
        }
        if find_io(e).is_some_and(|k| k == std::io::ErrorKind::ConnectionRefused) {
            return EngineError::ConnectionRefused { url: url_s };
        }
        if chain.contains("dns error") || chain.contains("failed to lookup address") {
            let host = reqwest::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            return EngineError::UnknownHost { url: url_s, host };
        }
    }
    EngineError::Http {
        url: url_s,
        reason: chain,
    }
}

fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

fn find_io(e: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_are_extracted() {
        assert_eq!(
            message_from_body(
                r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#
            ),
            "Incorrect API key provided"
        );
        assert_eq!(
            message_from_body(r#"{"detail":"Missing Authorization"}"#),
            "Missing Authorization"
        );
        assert_eq!(message_from_body("plain text\n"), "plain text");
        assert_eq!(message_from_body(""), "(no message)");
    }

    #[test]
    fn statuses_become_kinds() {
        let kind = |s, m: &str| from_status(s, "u", m.into(), 0).kind();
        assert_eq!(kind(401, "x"), "auth");
        assert_eq!(kind(403, "x"), "auth");
        assert_eq!(kind(404, "x"), "model_not_found");
        assert_eq!(
            kind(400, "This model's maximum context length is 8192 tokens"),
            "context_too_long"
        );
        assert_eq!(kind(400, "bad temperature"), "bad_request");
        assert_eq!(kind(429, "x"), "rate_limited");
        assert_eq!(kind(503, "x"), "unavailable");
        assert_eq!(kind(500, "x"), "server_error");
        assert_eq!(kind(502, "x"), "server_error");
        assert_eq!(kind(504, "x"), "server_error");
    }
}
