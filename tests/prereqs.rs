//! `scripts/ensure-prereqs` against fake machines: a PATH holding only the commands a test
//! chooses (wrappers of the real ones, or fakes that fail like a broken install) and a fake
//! filesystem root for the library directories clang-sys searches. The libclang candidates are
//! real shared objects compiled here (answering libclang's parse calls as a working or a
//! header-less install would), so the script's loading and parsing probe really runs.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ensure-prereqs");

/// Commands the script itself uses besides the prerequisites.
const BASE_TOOLS: &[&str] = &["mktemp", "mkdir", "rm", "cat", "head", "od", "tr"];

/// The prerequisites a complete machine has.
const ALL: &[&str] = &["cargo", "cmake", "cc", "c++", "python3", "tmux"];

#[derive(Clone, Copy)]
enum Lib {
    /// Loads, parses a header with the C standard headers.
    Works,
    /// Loads, but every parse reports an error (libclang1 without libclang-dev's headers).
    NoHeaders,
    /// A shared object that is not libclang at all.
    NotLibclang,
}

struct Machine {
    dir: tempfile::TempDir,
    uid: u32,
    libclang_path: Option<PathBuf>,
    cc: Option<String>,
}

fn real(tool: &str) -> PathBuf {
    let out = Command::new("bash")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .expect("bash runs");
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        !path.is_empty(),
        "{tool} is missing on this machine: run `scripts/ensure-prereqs`"
    );
    PathBuf::from(path)
}

/// The real python executable (not a pyenv shim, which needs pyenv on PATH).
fn real_python() -> PathBuf {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 runs");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn write_exe(path: &Path, body: &str) {
    fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

impl Machine {
    /// A machine with `tools` on its PATH and no libclang anywhere.
    fn with(tools: &[&str]) -> Self {
        let m = Machine {
            dir: tempfile::tempdir().unwrap(),
            uid: 1000,
            libclang_path: None,
            cc: None,
        };
        fs::create_dir_all(m.bin()).unwrap();
        fs::create_dir_all(m.root()).unwrap();
        for tool in BASE_TOOLS.iter().chain(tools) {
            m.add(tool);
        }
        write_exe(&m.bin().join("id"), &format!("echo {}", m.uid));
        m.fake_apt(&[]);
        m
    }

    fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn apt_log(&self) -> PathBuf {
        self.dir.path().join("apt.log")
    }

    /// A wrapper that runs the real tool (with the real PATH, so a compiler finds its assembler).
    fn add(&self, tool: &str) {
        let body = match tool {
            "cargo" => "echo 'cargo 1.95.0 (fake)'".to_owned(),
            "python3" => format!("exec {} \"$@\"", real_python().display()),
            _ => format!(
                "PATH={} exec {} \"$@\"",
                std::env::var("PATH").unwrap_or_default(),
                real(tool).display()
            ),
        };
        write_exe(&self.bin().join(tool), &body);
    }

    /// A command that exists but fails, like a broken or partial install.
    fn broken(&self, tool: &str, body: &str) {
        write_exe(&self.bin().join(tool), body);
    }

    fn run_by_root(mut self) -> Self {
        self.uid = 0;
        write_exe(&self.bin().join("id"), "echo 0");
        self
    }

    /// A fake apt-get that logs its arguments and, on install, runs `hooks/PACKAGE` if present.
    fn with_apt(self, hooks: &[(&str, String)]) -> Self {
        self.fake_apt(hooks);
        self
    }

    fn fake_apt(&self, hooks: &[(&str, String)]) {
        let hook_dir = self.dir.path().join("hooks");
        fs::create_dir_all(&hook_dir).unwrap();
        for (pkg, body) in hooks {
            write_exe(&hook_dir.join(pkg), body);
        }
        write_exe(
            &self.bin().join("apt-get"),
            &format!(
                "echo \"$*\" >> {log}\n[ \"$1\" = install ] || exit 0\nfor p in \"$@\"; do [ -x {hooks}/$p ] && {hooks}/$p; done\nexit 0",
                log = self.apt_log().display(),
                hooks = hook_dir.display()
            ),
        );
    }

    /// A real shared object named `name` in `dir` (under the fake root when relative), acting
    /// as libclang `kind` does.
    fn shared_object(&self, dir: &str, name: &str, kind: Lib) -> PathBuf {
        let dir = if dir.starts_with('/') {
            PathBuf::from(dir)
        } else {
            self.root().join(dir)
        };
        fs::create_dir_all(&dir).unwrap();
        let src = self.dir.path().join(format!("{name}.c"));
        let errors = match kind {
            Lib::NotLibclang => {
                fs::write(&src, "void *clang_cpp_something(int a) { return 0; }\n").unwrap();
                ""
            }
            Lib::Works => "0",
            Lib::NoHeaders => "1",
        };
        if !errors.is_empty() {
            // libclang's API as the probe calls it; `errors` diagnostics of severity 3 (error).
            fs::write(
                &src,
                format!(
                    "void *clang_createIndex(int a, int b) {{ return (void *)1; }}\n\
                     void *clang_parseTranslationUnit(void *i, const char *f, const void *a, int n,\n\
                       void *u, unsigned nu, unsigned o) {{ return (void *)1; }}\n\
                     unsigned clang_getNumDiagnostics(void *t) {{ return {errors}; }}\n\
                     void *clang_getDiagnostic(void *t, unsigned i) {{ return (void *)1; }}\n\
                     int clang_getDiagnosticSeverity(void *d) {{ return 3; }}\n"
                ),
            )
            .unwrap();
        }
        let out = dir.join(name);
        let status = Command::new(real("cc"))
            .args(["-shared", "-fPIC", "-o"])
            .arg(&out)
            .arg(&src)
            .status()
            .unwrap();
        assert!(status.success(), "cc builds a test shared object");
        out
    }

    fn run(&self) -> Output {
        let mut cmd = Command::new("/bin/bash");
        cmd.arg(SCRIPT)
            .env_clear()
            .env("PATH", self.bin())
            .env("HOME", self.dir.path())
            .env("SLAM_PREREQ_ROOT", self.root());
        if let Some(p) = &self.libclang_path {
            cmd.env("LIBCLANG_PATH", p);
        }
        if let Some(cc) = &self.cc {
            cmd.env("CC", cc);
        }
        cmd.output().unwrap()
    }

    fn apt_calls(&self) -> String {
        fs::read_to_string(self.apt_log()).unwrap_or_default()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The packages the script asks the user to install (non-root), in its order.
fn asked_for(out: &Output) -> Vec<String> {
    let err = stderr(out);
    let line = err
        .lines()
        .find_map(|l| l.strip_prefix("install them with:  sudo apt-get install -y "))
        .unwrap_or_else(|| panic!("no install command in:\n{err}"));
    line.split_whitespace().map(str::to_owned).collect()
}

fn complete_machine() -> Machine {
    let m = Machine::with(ALL);
    m.shared_object("usr/lib/llvm-14/lib", "libclang.so.1", Lib::Works);
    m
}

#[test]
fn a_complete_machine_passes_silently() {
    let out = complete_machine().run();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn only_libclang_cpp_reports_libclang_dev_missing() {
    let m = Machine::with(ALL);
    // What libclang-cpp14 installs without libclang-dev; it even exports the symbol.
    m.shared_object("usr/lib/llvm-14/lib", "libclang-cpp.so.14", Lib::Works);
    m.shared_object("usr/lib/x86_64-linux-gnu", "libclang-cpp.so.14", Lib::Works);
    let out = m.run();
    assert!(!out.status.success());
    assert_eq!(asked_for(&out), ["libclang-dev"]);
    assert!(
        stderr(&out).contains("libclang-cpp does not count"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn only_libclang_cpp_as_root_installs_libclang_dev_and_checks_again() {
    let m = Machine::with(ALL).run_by_root();
    m.shared_object("usr/lib/llvm-14/lib", "libclang-cpp.so.14", Lib::Works);
    // What the package would bring, built beforehand outside the searched tree.
    let lib = m.shared_object(
        m.dir.path().join("pkg").to_str().unwrap(),
        "libclang-14.so",
        Lib::Works,
    );
    let lib_dir = m.root().join("usr/lib/llvm-14/lib");
    let hook = format!("/bin/cp {} {}/", lib.display(), lib_dir.display());
    let m = m.with_apt(&[("libclang-dev", hook)]);
    let out = m.run();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(m.apt_calls(), "update -qq\ninstall -y -qq libclang-dev\n");
}

#[test]
fn as_root_an_install_that_does_not_help_fails_naming_what_is_still_missing() {
    let m = Machine::with(ALL).run_by_root().with_apt(&[]);
    let out = m.run();
    assert!(!out.status.success());
    assert!(m.apt_calls().contains("install -y -qq libclang-dev"));
    assert!(
        stderr(&out).contains("still missing after installing libclang-dev: libclang"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn python3_without_venv_support_reports_python3_venv() {
    let m = complete_machine();
    // Debian's python3 without python3-venv: `venv` exists, the ensurepip module does not.
    let python = real_python();
    m.broken(
        "python3",
        &format!(
            "case \"$*\" in *ensurepip*)\n\
             echo \"ModuleNotFoundError: No module named 'ensurepip'\" >&2; exit 1;; esac\n\
             exec {} \"$@\"",
            python.display()
        ),
    );
    let out = m.run();
    assert_eq!(asked_for(&out), ["python3-venv"]);
}

#[test]
fn python3_without_pip_reports_python3_pip() {
    let m = complete_machine();
    let python = real_python();
    m.broken(
        "python3",
        &format!(
            "if [ \"$1\" = -m ] && [ \"$2\" = pip ]; then echo 'No module named pip' >&2; exit 1; fi\n\
             exec {} \"$@\"",
            python.display()
        ),
    );
    assert_eq!(asked_for(&m.run()), ["python3-pip"]);
}

#[test]
fn each_prerequisite_missing_in_turn_is_reported_alone() {
    let cases: &[(&str, &[&str])] = &[
        ("cmake", &["cmake"]),
        ("cc", &["gcc"]),
        ("c++", &["g++"]),
        ("tmux", &["tmux"]),
        // Without python the libclang probe falls back to an ELF check: still found.
        ("python3", &["python3", "python3-pip", "python3-venv"]),
    ];
    for (absent, expected) in cases {
        let tools: Vec<&str> = ALL.iter().copied().filter(|t| t != absent).collect();
        let m = Machine::with(&tools);
        m.shared_object("usr/lib/llvm-14/lib", "libclang.so.1", Lib::Works);
        let out = m.run();
        assert!(!out.status.success(), "{absent} absent must fail");
        assert_eq!(asked_for(&out), *expected, "{absent} absent");
    }
}

#[test]
fn cargo_missing_points_to_rustup_and_the_rest_is_still_checked() {
    let tools: Vec<&str> = ALL
        .iter()
        .copied()
        .filter(|t| *t != "cargo" && *t != "tmux")
        .collect();
    let m = Machine::with(&tools);
    m.shared_object("usr/lib/llvm-14/lib", "libclang.so.1", Lib::Works);
    let out = m.run();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("https://rustup.rs"));
    assert_eq!(asked_for(&out), ["tmux"]);
}

#[test]
fn a_compiler_that_cannot_build_openmp_counts_as_missing() {
    let m = complete_machine();
    m.broken(
        "cc",
        "echo 'fatal error: omp.h: No such file or directory' >&2; exit 1",
    );
    assert_eq!(asked_for(&m.run()), ["gcc"]);
}

#[test]
fn a_cmake_that_does_not_run_counts_as_missing() {
    let m = complete_machine();
    m.broken(
        "cmake",
        "echo 'cmake: error while loading shared libraries' >&2; exit 127",
    );
    assert_eq!(asked_for(&m.run()), ["cmake"]);
}

#[test]
fn a_libclang_file_that_does_not_load_counts_as_missing() {
    let m = Machine::with(ALL);
    let dir = m.root().join("usr/lib/llvm-14/lib");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("libclang.so"), "INPUT(-lclang-14)\n").unwrap(); // a linker script
    m.shared_object("usr/lib", "libclang-14.so", Lib::NotLibclang); // loads, no libclang API
    assert_eq!(asked_for(&m.run()), ["libclang-dev"]);
}

#[test]
fn libclang_is_found_under_each_name_clang_sys_accepts() {
    for (dir, name) in [
        ("usr/lib/llvm-14/lib", "libclang.so"),
        ("usr/lib/x86_64-linux-gnu", "libclang-14.so"),
        ("usr/lib64", "libclang.so.18.1"),
        ("usr/local/lib", "libclang-17.so.17"),
        ("usr/local/llvm-19/lib", "libclang.so"),
    ] {
        let m = Machine::with(ALL);
        m.shared_object(dir, name, Lib::Works);
        let out = m.run();
        assert!(out.status.success(), "{dir}/{name}: {}", stderr(&out));
    }
}

#[test]
fn libclang_path_is_searched_alone_as_clang_sys_does() {
    // A directory holding libclang: found although the system directories have none.
    let mut m = Machine::with(ALL);
    let custom = m.dir.path().join("opt/llvm/lib");
    m.shared_object(custom.to_str().unwrap(), "libclang-18.so", Lib::Works);
    m.libclang_path = Some(custom.clone());
    assert!(m.run().status.success());

    // The file itself.
    m.libclang_path = Some(custom.join("libclang-18.so"));
    assert!(m.run().status.success());

    // Set, but empty: clang-sys does not fall back to the system directories, and nor do we;
    // installing a package would not help, so the variable is named instead.
    let mut m = complete_machine();
    let empty = m.dir.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    m.libclang_path = Some(empty.clone());
    let out = m.run();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!(
            "LIBCLANG_PATH={} holds no libclang",
            empty.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("apt-get install"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn libclang_without_the_c_headers_counts_as_missing() {
    // libclang1 alone: the library loads, but bindgen cannot find stddef.h.
    let m = Machine::with(ALL);
    m.shared_object(
        "usr/lib/x86_64-linux-gnu",
        "libclang-14.so.1",
        Lib::NoHeaders,
    );
    let out = m.run();
    assert_eq!(asked_for(&out), ["libclang-dev"]);
    assert!(stderr(&out).contains("stddef.h"), "{}", stderr(&out));
}

#[test]
fn only_the_library_clang_sys_would_choose_counts() {
    // clang-sys takes the highest version and never falls back to another one.
    let m = Machine::with(ALL);
    m.shared_object("usr/lib/llvm-14/lib", "libclang-14.so", Lib::NoHeaders);
    m.shared_object("usr/lib/llvm-17/lib", "libclang-17.so", Lib::Works);
    assert!(m.run().status.success(), "17 is chosen, and works");
    let m = Machine::with(ALL);
    m.shared_object("usr/lib/llvm-14/lib", "libclang-14.so", Lib::Works);
    m.shared_object("usr/lib/llvm-17/lib", "libclang-17.so", Lib::NoHeaders);
    let out = m.run();
    assert_eq!(asked_for(&out), ["libclang-dev"], "17 is chosen, and fails");
    assert!(stderr(&out).contains("libclang-17.so"), "{}", stderr(&out));
}

#[test]
fn a_compiler_given_as_several_words_is_run_as_such() {
    let mut m = complete_machine();
    // CC="env cc": a wrapper in front of the compiler, as ccache is used.
    m.add("env");
    m.cc = Some("env cc".into());
    assert!(m.run().status.success(), "{}", stderr(&m.run()));
}

#[test]
fn llvm_config_prefix_is_searched() {
    let m = Machine::with(ALL);
    let prefix = m.dir.path().join("llvm-prefix");
    m.shared_object(
        prefix.join("lib").to_str().unwrap(),
        "libclang.so",
        Lib::Works,
    );
    m.broken("llvm-config", &format!("echo {}", prefix.display()));
    let out = m.run();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn everything_missing_is_listed_in_one_command() {
    let out = Machine::with(&["cargo"]).run();
    assert_eq!(
        asked_for(&out),
        [
            "cmake",
            "gcc",
            "g++",
            "python3",
            "python3-pip",
            "python3-venv",
            "libclang-dev",
            "tmux"
        ]
    );
}
