//! The cost of an audio delta through the Realtime interruption machine: the machine alone
//! (a parsed event) and from the event's JSON text (24 ms of pcm16, 1.5 KB of base64, the
//! size `bench/realtime/gen.py` writes). Results are recorded in bench/README.md.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;

use breakwater::realtime::{InterruptConfig, Interruptions, ServerEvent};
use criterion::{criterion_group, criterion_main, Criterion};

fn audio_delta(c: &mut Criterion) {
    let delta = "A".repeat(24 * 64);
    let text = format!(
        r#"{{"type":"response.output_audio.delta","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"{delta}"}}"#
    );
    let mut machine = Interruptions::new(InterruptConfig::default()).expect("defaults are valid");
    machine.handle_json(0, r#"{"type":"response.created","response":{"id":"resp_1"}}"#);
    let parsed = ServerEvent::parse(&text).expect("a delta");
    let mut group = c.benchmark_group("realtime");
    let mut now = 0u64;
    group.bench_function("audio delta, parsed event", |b| {
        b.iter(|| {
            now += 1;
            black_box(machine.handle_event(now, black_box(&parsed)))
        });
    });
    // Each delta with its own event id, as the server sends them (the duplicate check sees a
    // new id every time: 4,096 texts in turn, far more than the 64 ids it remembers).
    let texts: Vec<String> = (0..4096).map(|i| text.replace("event_1", &format!("event_{i}"))).collect();
    let mut i = 0usize;
    group.bench_function("audio delta, from JSON text", |b| {
        b.iter(|| {
            now += 1;
            i = (i + 1) % texts.len();
            black_box(machine.handle_json(now, black_box(&texts[i])))
        });
    });
    group.finish();
}

criterion_group!(benches, audio_delta);
criterion_main!(benches);
