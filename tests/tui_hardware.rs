//! The hardware screen from scripted readings: two GPUs (one throttling) and a CPU with
//! cpufreq and a sensor, or a VM with no GPU, no sensor and no RAPL; at 80×24 and 200×50.

mod common;

use std::time::Instant;

use common::render::{draw, text};
use slam::domain::hardware::{
    CoreSnapshot, CpuEnergy, GpuSnapshot, GpuVendor, HardwareSnapshot, Throttle,
};
use slam::domain::memory::{Buffer, BufferKind, ModelMemory};
use slam::tui_state::action::Action;
use slam::tui_state::event::Event;
use slam::tui_state::event::StreamEvent;
use slam::tui_state::reducer::update;
use slam::tui_state::state::{AppState, Mode, PickerItem};

fn state(width: u16, height: u16) -> AppState {
    let item = |name: &str| PickerItem {
        name: name.into(),
        detail: String::new(),
        selected: true,
    };
    AppState::new(vec![item("smollm2"), item("gemma3-base")], width, height)
}

/// Second `i` of a minute on a workstation: load rising, GPU1 at its power cap from second 40.
fn workstation(i: u32) -> HardwareSnapshot {
    let f = f64::from(i);
    let gpu = |n: u32, name: &str, power: f64, throttle: Vec<Throttle>| GpuSnapshot {
        name: name.into(),
        vendor: GpuVendor::Nvidia,
        memory_used: (4 + u64::from(n) * 6 + u64::from(i) / 10) << 30,
        memory_total: 24 << 30,
        utilization_percent: (i * 100 / 59).min(100),
        power_w: Some(power),
        power_limit_w: Some(350.0),
        temperature_c: Some(40.0 + f as f32 / 2.0),
        sm_clock_mhz: Some(if throttle.is_empty() { 1980 } else { 1410 }),
        memory_clock_mhz: Some(9501),
        throttle,
        energy_mj: Some(1_000_000 + u64::from(i) * 200_000),
    };
    let capped = i >= 40;
    HardwareSnapshot {
        cpu_percent: 20.0 + f as f32,
        cores: (0..8)
            .map(|c| CoreSnapshot {
                usage_percent: ((c * 13 + i) % 100) as f32,
                mhz: 3000 + c * 100,
                max_mhz: Some(4500),
            })
            .collect(),
        cpu_temp_c: Some(55.0 + f as f32 / 4.0),
        ram_used: (8 << 30) + (u64::from(i) << 26),
        ram_total: 32 << 30,
        swap_used: 0,
        swap_total: 8 << 30,
        self_rss: (300 + u64::from(i) * 5) << 20,
        cpu_energy: Some(Ok(CpuEnergy {
            packages: vec![(123_456_789 + u64::from(i) * 40_000_000, 262_143_328_850)],
        })),
        cpu_power_w: Some(40.0),
        gpus: vec![
            gpu(0, "NVIDIA GeForce RTX 4090", 120.0 + f * 3.0, vec![]),
            gpu(
                1,
                "NVIDIA GeForce RTX 3090",
                if capped { 350.0 } else { 200.0 + f * 3.0 },
                if capped {
                    vec![Throttle::PowerCap, Throttle::Thermal]
                } else {
                    vec![]
                },
            ),
        ],
        gpu_note: None,
    }
}

/// A small VM: no GPU, no cpufreq, no sensor, no RAPL.
fn vm(i: u32) -> HardwareSnapshot {
    HardwareSnapshot {
        cpu_percent: (i % 7) as f32 * 10.0,
        cores: (0..2)
            .map(|_| CoreSnapshot {
                usage_percent: 50.0,
                mhz: 2596,
                max_mhz: None,
            })
            .collect(),
        ram_used: 3 << 30,
        ram_total: 24 << 30,
        self_rss: 200 << 20,
        cpu_energy: Some(Err(
            "n/a — no RAPL (/sys/class/powercap/intel-rapl:0 missing)".into(),
        )),
        gpu_note: Some("no NVIDIA GPU, no AMD GPU".into()),
        ..Default::default()
    }
}

fn hardware_screen(width: u16, height: u16, sample: fn(u32) -> HardwareSnapshot) -> AppState {
    let mut s = state(width, height);
    // Two local models answering, each with its buffers as llama.cpp logged them.
    for c in "Hi".chars() {
        update(&mut s, Event::Char(c), Instant::now());
    }
    update(&mut s, Event::Action(Action::Confirm), Instant::now());
    for (pane, (weights, kv)) in [(92.1, 5.62), (235.2, 90.0)].into_iter().enumerate() {
        let buffer = |kind, mib| Buffer {
            device: "CPU".into(),
            kind,
            mib,
        };
        let memory = ModelMemory {
            buffers: vec![
                buffer(BufferKind::Weights, weights),
                buffer(BufferKind::Kv, kv),
                buffer(BufferKind::Compute, 51.0),
            ],
        };
        let run = s.panes[pane].run;
        let started = StreamEvent::Started { at: Instant::now() };
        update(
            &mut s,
            Event::Stream {
                pane,
                run,
                event: started,
            },
            Instant::now(),
        );
        let event = StreamEvent::Measured {
            energy: None,
            memory: Some(memory),
            at: Instant::now(),
        };
        update(&mut s, Event::Stream { pane, run, event }, Instant::now());
        s.panes[pane].refresh_metrics(Instant::now());
    }
    for i in 0..60 {
        update(&mut s, Event::Hardware(sample(i)), Instant::now());
    }
    update(&mut s, Event::Action(Action::OpenHardware), Instant::now());
    assert_eq!(s.mode(), Mode::Hardware);
    s
}

#[test]
fn two_gpus_one_throttling_at_80x24_and_200x50() {
    let small = text(&draw(&hardware_screen(80, 24, workstation)));
    insta::assert_snapshot!("hardware_two_gpus_80x24", small);
    let large = text(&draw(&hardware_screen(200, 50, workstation)));
    insta::assert_snapshot!("hardware_two_gpus_200x50", large);
    for screen in [&small, &large] {
        assert!(screen.contains("throttled: power cap, thermal"), "{screen}");
        assert_eq!(
            screen.matches("throttled:").count(),
            1,
            "only GPU1:\n{screen}"
        );
        assert!(screen.contains("power 350/350 W"), "{screen}");
        assert!(
            screen.contains("smollm2: weights 92.1 · KV 5.6 · compute 51.0 MiB CPU"),
            "{screen}"
        );
    }
    // The top line: each GPU's power, and which one is throttled.
    let top = large.lines().next().unwrap_or_default();
    assert!(
        top.contains("297 W") && top.contains("350 W throttled"),
        "{top}"
    );
}

#[test]
fn no_gpu_no_sensor_no_rapl_at_80x24_and_200x50() {
    let small = text(&draw(&hardware_screen(80, 24, vm)));
    insta::assert_snapshot!("hardware_none_80x24", small);
    let large = text(&draw(&hardware_screen(200, 50, vm)));
    insta::assert_snapshot!("hardware_none_200x50", large);
    for screen in [&small, &large] {
        assert!(screen.contains("no NVIDIA GPU, no AMD GPU"), "{screen}");
        assert!(screen.contains("temp n/a"), "{screen}");
        assert!(screen.contains("n/a — no RAPL"), "{screen}");
    }
}

#[test]
fn the_hardware_screen_opens_from_any_screen_and_goes_back_there() {
    let mut s = state(80, 24);
    let now = Instant::now();
    for (from, mode) in [
        (Action::OpenPicker, Mode::Picker),
        (Action::OpenEditor, Mode::Editor),
        (Action::OpenSessions, Mode::Sessions),
    ] {
        update(&mut s, Event::Action(from), now);
        assert_eq!(s.mode(), mode);
        update(&mut s, Event::Action(Action::OpenHardware), now);
        assert_eq!(s.mode(), Mode::Hardware);
        update(&mut s, Event::Action(Action::Back), now);
        assert_eq!(s.mode(), mode, "back where it was opened");
    }
    // Before the first sample.
    update(&mut s, Event::Action(Action::OpenHardware), now);
    assert!(text(&draw(&s)).contains("sampling hardware…"));
}

#[test]
fn throttling_during_a_generation_is_marked_under_its_sparkline() {
    let mut s = state(80, 24);
    let t0 = Instant::now();
    let at = |ms: u64| t0 + std::time::Duration::from_millis(ms);
    for c in "Hi".chars() {
        update(&mut s, Event::Char(c), t0);
    }
    update(&mut s, Event::Action(Action::Confirm), t0);
    let run = s.panes[0].run;
    let send = |s: &mut AppState, event: StreamEvent, now| {
        update(
            s,
            Event::Stream {
                pane: 0,
                run,
                event,
            },
            now,
        );
    };
    send(&mut s, StreamEvent::Started { at: at(0) }, at(0));
    let local = StreamEvent::Measured {
        energy: None,
        memory: Some(ModelMemory {
            buffers: vec![Buffer {
                device: "CPU".into(),
                kind: BufferKind::Weights,
                mib: 92.1,
            }],
        }),
        at: at(0),
    };
    send(&mut s, local, at(0));
    for i in 1..=12u64 {
        let delta = StreamEvent::Delta {
            text: "word ".into(),
            n_tokens: 1,
            at: at(i * 250),
        };
        send(&mut s, delta, at(i * 250));
        // At 1 s the GPU hits its power cap; at 2 s the CPU runs below its clocks.
        let mut sample = workstation(0);
        sample.gpus.truncate(1);
        let mhz = if i == 8 { 2000 } else { 4400 };
        for core in &mut sample.cores {
            core.mhz = mhz;
        }
        if i == 4 {
            sample.gpus[0].throttle = vec![Throttle::PowerCap];
        }
        update(&mut s, Event::Hardware(sample), at(i * 250));
    }
    assert_eq!(
        s.panes[0].throttled,
        [
            (4, "GPU0 power cap".to_owned()),
            (8, "CPU below its clocks".to_owned())
        ]
    );
    let screen = text(&draw(&s));
    let marks = screen
        .lines()
        .find(|l| l.contains('▲'))
        .unwrap_or_else(|| panic!("no marks:\n{screen}"));
    // The pane's text starts one column in: buckets 4 and 8 are columns 5 and 9.
    let cols: Vec<usize> = marks
        .chars()
        .enumerate()
        .filter(|(_, c)| *c == '▲')
        .map(|(i, _)| i)
        .collect();
    assert_eq!(cols, [5, 9], "{marks}");
    assert!(marks.contains("▲ CPU below its clocks"), "{marks}");
    insta::assert_snapshot!("throttle_marks_80x24", screen);

    // The other pane started but its memory is unknown (a server's answer): not marked.
    let run1 = s.panes[1].run;
    let started = StreamEvent::Started { at: at(0) };
    update(
        &mut s,
        Event::Stream {
            pane: 1,
            run: run1,
            event: started,
        },
        at(0),
    );
    let mut slowed = workstation(0);
    slowed.gpus[0].throttle = vec![Throttle::Thermal];
    update(&mut s, Event::Hardware(slowed), at(3100));
    assert!(s.panes[1].throttled.is_empty());
    assert_eq!(s.panes[0].throttled.len(), 3);
}
