//! `slam cost` end to end over an eval run of fixed-answer servers that report usage: an API
//! model priced from the bundled LiteLLM table, a self-hosted one from its hourly price at the
//! throughput the run measured, a model without a price, and bad price files.

mod common;

use std::sync::Arc;

use common::eval_run::{EvalRun, Served};
use common::fake_server::{FakeServer, sse_data, streamed_answer};
use common::text;
use serde_json::{Value, json};

type Run = EvalRun;

/// A server answering with usage: 1,000 prompt and 1,000 completion tokens.
fn server() -> FakeServer {
    FakeServer::answering(Arc::new(|_: &Value| {
        let mut steps = streamed_answer("Good morning, you can do it.");
        let usage = json!({"choices": [], "usage": {"prompt_tokens": 1000,
            "completion_tokens": 1000, "total_tokens": 2000}});
        steps.insert(steps.len() - 1, sse_data(&usage.to_string()));
        steps
    }))
}

fn evaluated() -> Run {
    let served = |name, model, extra| Served {
        name,
        model,
        server: server(),
        extra,
    };
    EvalRun::new(
        vec![
            served("gpt4", "gpt-4", ""),
            served("slm", "my-slm", "cost_per_hour = 1.2"),
            served("mystery", "my-mystery", ""),
        ],
        "name = \"c\"\ntemplate = \"{{ name }}\"\nrepetitions = 2\nwarmup = false\n\n\
         [[models]]\nname = \"gpt4\"\nbaseline = true\n\n[[models]]\nname = \"slm\"\n\n\
         [[models]]\nname = \"mystery\"\n\n[[input]]\nname = \"Ana\"\n\n[[input]]\nname = \"Bo\"\n",
    )
}

#[test]
fn api_and_self_hosted_costs_equal_a_hand_computation() {
    let run = evaluated();
    let r = run.json(&["cost", "1", "--json"]);
    assert_eq!(r["baseline"], "gpt4");
    // GPT-4 at $0.03/1k input and $0.06/1k output: 1,000 + 1,000 tokens = $0.09 a request;
    // a 730-hour month at 1,000 a day is 1,000 × 730 / 24 requests.
    let gpt4 = &r["models"]["gpt4"];
    assert_eq!(gpt4["pricing"]["kind"], "api");
    let per_request = gpt4["pricing"]["per_request"].as_f64().unwrap();
    assert!((per_request - 0.09).abs() < 1e-12, "{gpt4}");
    let month_1k = gpt4["monthly"]["1000"].as_f64().unwrap();
    assert!((month_1k - 0.09 * 1000.0 * 730.0 / 24.0).abs() < 1e-6);

    // Self-hosted at $1.20/h: no sweep, so one request at a time at the run's median latency
    // (from `eval show`), planned at 70%; at least one always-on instance.
    let slm = &r["models"]["slm"];
    assert_eq!(slm["pricing"]["kind"], "self_hosted");
    let shown = run.json(&["eval", "show", "1", "--json"]);
    let p50 = shown["consistency"]["models"]["slm"]["latency"]["e2e_ms"]["p50"]
        .as_f64()
        .unwrap();
    let capacity = &slm["pricing"]["capacity"];
    assert_eq!(capacity["from"], "unswept");
    let rph = capacity["requests_per_hour"].as_f64().unwrap();
    assert!((rph - 3_600_000.0 / p50).abs() < 1e-6 * rph, "{capacity}");
    for per_day in [1_000u64, 10_000, 100_000, 1_000_000] {
        let per_hour = per_day as f64 / 24.0;
        let instances = (per_hour / (rph * 0.7)).ceil().max(1.0);
        let want = instances * 1.2 * 730.0;
        let got = slm["monthly"][per_day.to_string()].as_f64().unwrap();
        assert!((got - want).abs() < 1e-6, "{per_day}/day: {got} vs {want}");
        let api = 0.09 * per_day as f64 * 730.0 / 24.0;
        let savings = slm["savings"][per_day.to_string()].as_f64().unwrap();
        assert!((savings - api / want).abs() < 1e-9, "{per_day}/day");
    }
    // One instance's $876 month over $0.09 a request, rounded up.
    assert_eq!(slm["break_even_per_month"], 9734);

    // No price anywhere: unknown, never a silent zero.
    let mystery = &r["models"]["mystery"];
    assert_eq!(mystery["pricing"]["kind"], "unknown");
    assert!(
        mystery["pricing"]["why"]
            .as_str()
            .unwrap()
            .contains("my-mystery")
    );
    assert!(mystery["monthly"]["1000"].is_null());
    let out = run.slam(&["cost", "1"]);
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("unknown") && stdout.contains("9734 req/month"),
        "{stdout}"
    );

    // An override file prices it; zero is a price.
    std::fs::write(
        run.path("prices.json"),
        r#"{"my-mystery": {"input_cost_per_token": 0, "output_cost_per_token": 1e-6}}"#,
    )
    .unwrap();
    let prices = run.path("prices.json");
    let r = run.json(&["cost", "1", "--json", "--prices", prices.to_str().unwrap()]);
    let per_request = r["models"]["mystery"]["pricing"]["per_request"]
        .as_f64()
        .unwrap();
    assert!((per_request - 1000.0 * 1e-6).abs() < 1e-12);
}

#[test]
fn bad_prices_and_hourly_costs_are_refused_with_their_place() {
    let run = evaluated();
    let bad = |name: &str, body: &str, expect: &[&str]| {
        std::fs::write(run.path(name), body).unwrap();
        let path = run.path(name);
        let out = run.slam(&["cost", "1", "--prices", path.to_str().unwrap()]);
        let stderr = text(&out).1;
        assert!(!out.status.success(), "{name}");
        for e in expect {
            assert!(stderr.contains(e), "{name}: {stderr}");
        }
    };
    bad(
        "negative.json",
        r#"{"gpt-4": {"mode": "chat", "input_cost_per_token": -3e-5}}"#,
        &["negative.json", "\"gpt-4\"", "input_cost_per_token"],
    );
    bad("list.json", "[1, 2]", &["list.json:1:"]);
    bad(
        "shape.json",
        r#"{"gpt-4": "cheap"}"#,
        &["shape.json", "\"gpt-4\"", "expected an object"],
    );
    let config = std::fs::read_to_string(run.path("config.toml")).unwrap();
    std::fs::write(
        run.path("config.toml"),
        config.replace("cost_per_hour = 1.2", "cost_per_hour = -1"),
    )
    .unwrap();
    let out = run.slam(&["cost", "1"]);
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains("config.toml") && stderr.contains("cost_per_hour is -1"),
        "{stderr}"
    );
}

/// `max_cost`: the run shows what it can cost before it starts, stops before a cell could pass
/// the cap (cells in flight are kept), and goes on when the cap is raised.
#[test]
fn an_eval_stops_at_max_cost_and_resumes_when_it_is_raised() {
    let run = evaluated();
    let spec = |max_cost: &str| {
        format!(
            "name = \"capped\"\ntemplate = \"{{{{ name }}}}\"\nrepetitions = 2\nwarmup = false\n\
             max_cost = {max_cost}\n\n[params]\nmax_tokens = 50\n\n\
             [[models]]\nname = \"gpt4\"\nconcurrency = 1\n\n\
             [[input]]\nname = \"Ana\"\n\n[[input]]\nname = \"Bo\"\n"
        )
    };
    std::fs::write(run.path("capped.toml"), spec("0.2")).unwrap();
    let path = run.path("capped.toml");
    let out = run.slam(&["eval", path.to_str().unwrap(), "--no-tui"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    // Worst case per cell: a 1-token prompt (3 characters / 4, at least 1) at $3e-05 and 50
    // answer tokens at $6e-05 = $0.00303; four cells = $0.01212.
    assert!(stderr.contains("API cost ≤ $0.0121"), "{stderr}");
    assert!(stderr.contains("max_cost $0.2000"), "{stderr}");
    // Each answer really costs $0.09 (1,000 + 1,000 tokens): two fit in $0.20, a third would
    // pass it.
    assert!(
        stderr.contains("stopped at max_cost: $0.1800 spent of $0.2000"),
        "{stderr}"
    );
    let conn = rusqlite::Connection::open(run.path("slam.db")).unwrap();
    let cells = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM generations g JOIN prompts p ON g.prompt_id = p.id \
             JOIN sessions s ON p.session_id = s.id WHERE s.name = 'capped'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(cells(&conn), 2);
    // The run's report says it is incomplete, and why, before its verdict.
    let session: i64 = conn
        .query_row("SELECT id FROM sessions WHERE name = 'capped'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let report = |name: &str| {
        let md = run.path(name);
        let out = run.slam(&["report", &session.to_string(), "-o", md.to_str().unwrap()]);
        assert!(out.status.success(), "{:?}", text(&out));
        std::fs::read_to_string(md).unwrap()
    };
    let stopped = report("stopped.md");
    let incomplete = "THIS RUN IS INCOMPLETE: it stopped at its spending cap, $0.1800 spent of \
                      max_cost $0.2000, the next cell could have passed it; 2 planned cells did \
                      not run";
    assert!(stopped.contains(incomplete), "{stopped}");
    assert!(
        stopped.find(incomplete) < stopped.find("## Verdict"),
        "{stopped}"
    );
    std::fs::write(run.path("capped.toml"), spec("1.0")).unwrap();
    let out = run.slam(&["eval", path.to_str().unwrap(), "--no-tui"]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("stopped at max_cost"), "{stderr}");
    assert_eq!(cells(&conn), 4, "the raised cap lets the run finish");
    let finished = report("finished.md");
    assert!(!finished.contains("INCOMPLETE"), "{finished}");
    // A negative cap is refused with its place.
    std::fs::write(run.path("capped.toml"), spec("-1")).unwrap();
    let out = run.slam(&["eval", path.to_str().unwrap(), "--no-tui"]);
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains("capped.toml:5:") && stderr.contains("max_cost is -1"),
        "{stderr}"
    );
}

/// A judge on a priced API is priced from its replies' usage.
#[test]
fn a_judges_tokens_are_priced() {
    let run = evaluated();
    // The server answers in prose: every verdict is invalid after one repair, so each of the
    // 2 candidates × 4 answers × 2 orders = 16 verdicts took 2 requests of 1,000 + 1,000 tokens.
    let r = run.json(&["judge", "1", "--judge", "gpt4", "--json"]);
    assert_eq!(r["asked"], 16);
    assert_eq!(r["judge_tokens"], 32_000);
    assert_eq!(r["judge_prompt_tokens"], 32_000);
    let cost = r["cost"].as_f64().unwrap();
    assert!((cost - 32.0 * 0.09).abs() < 1e-9, "{cost}");
    assert_eq!(r["self_preference_risk"], true);
}
