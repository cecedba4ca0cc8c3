use super::*;

fn spec(text: &str) -> Result<EvalSpec, String> {
    EvalSpec::parse(text, Path::new("/tmp/eval/spec.toml"), &Config::default())
}

const MODELS: &str =
    "[[models]]\nname = \"gpt-4\"\nbaseline = true\n\n[[models]]\nname = \"smollm2\"\n";

#[test]
fn a_spec_with_inline_inputs_renders_every_prompt() {
    let s = spec(&format!(
        "name = \"t\"\nsystem = \"Be kind to {{{{ name }}}}.\"\ntemplate = \"Hi {{{{ name }}}}, {{{{ n }}}}\"\n\
         repetitions = 2\nseed = 7\n\n[[input]]\nid = \"a\"\nname = \"Ana\"\nn = 1\n\n\
         [[input]]\nname = \"Bo\"\nn = 2\nreference = \"ok\"\n\n{MODELS}\n\
         [[checks]]\ntype = \"contains\"\nvalue = \"{{{{ name }}}}\"\n"
    ))
    .unwrap();
    assert_eq!((s.repetitions, s.seed, s.inputs.len()), (2, 7, 2));
    assert_eq!(s.inputs[0].prompt.user_text(), "Hi Ana, 1");
    assert_eq!(
        s.inputs[0].prompt.system.as_deref(),
        Some("Be kind to Ana.")
    );
    assert_eq!(
        (s.inputs[1].id.as_str(), s.inputs[1].reference.as_deref()),
        ("2", Some("ok"))
    );
    assert_eq!(s.baseline().map(|m| m.model.name()), Some("gpt-4"));
    // The check's value is the input's name.
    assert!(s.compiled[1][0].1.run("Hello Bo").is_ok());
    assert!(s.compiled[1][0].1.run("Hello Ana").is_err());
    // Local models: no shared prompt cache between repetitions unless asked.
    assert_eq!(s.models[1].model.entry.prompt_cache, Some(false));
}

#[test]
fn errors_name_the_file_and_line_and_nothing_runs() {
    let base = "name = \"t\"\ntemplate = \"Hi {{ name }}\"\n";
    let input = "[[input]]\nname = \"Ana\"\n";
    let err = spec(&format!("{base}{input}[[models]]\nname = \"gpt-9\"\n")).unwrap_err();
    assert!(err.starts_with("/tmp/eval/spec.toml:6:"), "{err}");
    assert!(err.contains("unknown model \"gpt-9\""), "{err}");
    let err = spec(&format!("{base}repetitions = 0\n{input}{MODELS}")).unwrap_err();
    assert!(
        err.starts_with("/tmp/eval/spec.toml:3:") && err.contains("at least 1"),
        "{err}"
    );
    let err = spec(&format!("{base}[[input]]\nnom = \"Ana\"\n{MODELS}")).unwrap_err();
    assert!(err.starts_with("/tmp/eval/spec.toml:3:"), "{err}");
    assert!(err.contains("{{ name }}"), "{err}");
    let err = spec(&format!(
        "{base}[[input]]\nid = \"x\"\nname = \"A\"\n[[input]]\nid = \"x\"\nname = \"B\"\n{MODELS}"
    ))
    .unwrap_err();
    assert!(
        err.contains(":6: duplicate id \"x\" (first at /tmp/eval/spec.toml:3)"),
        "{err}"
    );
    let err = spec(&format!(
        "{base}{input}{MODELS}[[checks]]\ntype = \"regex\"\npattern = \"(\"\n"
    ))
    .unwrap_err();
    assert!(err.contains(":11:") && err.contains("regex"), "{err}");
    let err = spec(&format!("{base}{MODELS}")).unwrap_err();
    assert!(err.contains("no inputs"), "{err}");
}

#[test]
fn a_judge_table_is_checked_before_anything_runs() {
    let base = format!(
        "name = \"t\"\ntemplate = \"Hi {{{{ name }}}}\"\n[[input]]\nname = \"A\"\n{MODELS}"
    );
    let ok = spec(&format!(
        "{base}[judge]\nmodel = \"smollm2\"\ncriteria = [{{ name = \"clarity\", description = \"clear\" }}]\n"
    ))
    .unwrap();
    let judge = ok.judge.unwrap();
    assert_eq!((judge.judge.as_str(), judge.criteria.len()), ("smollm2", 1));
    let err = spec(&format!("{base}[judge]\nmodel = \"gpt-9\"\n")).unwrap_err();
    assert!(
        err.contains(":11:") && err.contains("unknown model \"gpt-9\""),
        "{err}"
    );
    let err = spec(&format!(
        "{base}[judge]\nmodel = \"smollm2\"\ncriteria = [{{ name = \"a\", description = \"x\" }}, {{ name = \"A\", description = \"y\" }}]\n"
    ))
    .unwrap_err();
    assert!(err.contains("given twice"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("j.txt"), "Is {{ answer_a }} good?").unwrap();
    let text = format!("{base}[judge]\nmodel = \"smollm2\"\ntemplate = \"j.txt\"\n");
    let err = EvalSpec::parse(&text, &dir.path().join("s.toml"), &Config::default()).unwrap_err();
    assert!(
        err.contains("{{ question }}") && err.contains("{{ answer_b }}"),
        "{err}"
    );
}

#[test]
fn a_similarity_table_needs_a_baseline_and_an_embedder() {
    let base = format!(
        "name = \"t\"\ntemplate = \"Hi {{{{ name }}}}\"\n[[input]]\nname = \"A\"\n{MODELS}"
    );
    let without = base.replace("baseline = true\n", "");
    let err = spec(&format!("{without}[similarity]\n")).unwrap_err();
    assert!(err.contains(":10:") && err.contains("no baseline"), "{err}");
    let with_baseline = base;
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{with_baseline}[similarity]\nembedder = \"nowhere\"\n");
    let err = EvalSpec::parse(&text, &dir.path().join("s.toml"), &Config::default()).unwrap_err();
    assert!(
        err.contains("nowhere") && err.contains("config.json is missing"),
        "{err}"
    );
    for f in ["config.json", "model.safetensors", "tokenizer.json"] {
        std::fs::create_dir_all(dir.path().join("e")).unwrap();
        std::fs::write(dir.path().join("e").join(f), "{}").unwrap();
    }
    let text = format!("{with_baseline}[similarity]\nembedder = \"e\"\n");
    let ok = EvalSpec::parse(&text, &dir.path().join("s.toml"), &Config::default()).unwrap();
    assert_eq!(ok.similarity.unwrap().embedder, Some(dir.path().join("e")));
}

#[test]
fn inputs_from_files_and_their_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("in.csv", "id,name\na,Ana\nb\n");
    write("in.jsonl", "{\"name\": \"Ana\"}\n{\"nom\": \"Bo\"}\n");
    let path = dir.path().join("spec.toml");
    let run = |inputs: &str| {
        let text = format!(
            "name = \"t\"\ntemplate = \"Hi {{{{ name }}}}\"\ninputs = \"{inputs}\"\n{MODELS}"
        );
        EvalSpec::parse(&text, &path, &Config::default())
    };
    let err = run("in.csv").unwrap_err();
    assert!(
        err.contains("in.csv:3: expected 2 columns (id, name), found 1"),
        "{err}"
    );
    let err = run("in.jsonl").unwrap_err();
    assert!(
        err.contains("in.jsonl:2: the template uses {{ name }}"),
        "{err}"
    );
    let err = run("missing.jsonl").unwrap_err();
    assert!(err.contains("missing.jsonl: cannot read"), "{err}");
}
