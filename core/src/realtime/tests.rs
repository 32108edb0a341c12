use serde_json::{json, Value};

use super::*;

/// Base64 of `ms` of pcm16 audio (48 bytes a ms): 64 characters a ms.
fn audio(ms: usize) -> String {
    "A".repeat(ms * 64)
}

fn timeline(lines: &[Value]) -> ReplayReport {
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    replay(&text.join("\n"))
}

fn actions(r: &ReplayReport) -> Vec<(u64, String)> {
    r.actions
        .iter()
        .map(|a| {
            let what = match (&a.event, &a.item_id) {
                (Some(e), _) => e["type"].as_str().unwrap_or_default().to_owned(),
                (None, Some(item)) => format!("{} {item}", a.action),
                (None, None) => a.action.to_string(),
            };
            (a.at_ms, what)
        })
        .collect()
}

/// A turn: speech ends at 0, response r1 at 300, text at 350, 2 s of audio for a1 at 400,
/// playback reported from 600.
fn answer(config: Value) -> Vec<Value> {
    vec![
        json!({"at_ms": 0, "config": config}),
        json!({"at_ms": 0, "server": {"type": "input_audio_buffer.speech_stopped"}}),
        json!({"at_ms": 300, "server": {"type": "response.created", "response": {"id": "r1"}}}),
        json!({"at_ms": 350, "server": {"type": "response.output_audio_transcript.delta", "delta": "Hi"}}),
        json!({"at_ms": 400, "server": {"type": "response.output_audio.delta", "item_id": "a1", "delta": audio(2000)}}),
        json!({"at_ms": 600, "played": {"item_id": "a1", "ms": 100}}),
        json!({"at_ms": 1000, "played": {"item_id": "a1", "ms": 500}}),
    ]
}

fn speech_started(at: u64) -> Value {
    json!({"at_ms": at, "server": {"type": "input_audio_buffer.speech_started", "item_id": "u2", "audio_start_ms": at}})
}

#[test]
fn a_user_who_barges_in_mid_answer_gets_a_cancel_and_a_truncate_at_what_was_played() {
    let mut lines = answer(json!({"interrupt_response": false}));
    lines.push(speech_started(1100));
    let r = timeline(&lines);
    assert_eq!(
        actions(&r),
        [
            (1100, "stop_playback a1".into()),
            (1600, "response.cancel".into()),
            (1600, "conversation.item.truncate".into())
        ]
    );
    assert_eq!(r.actions[1].event, Some(json!({"type": "response.cancel", "response_id": "r1"})));
    assert_eq!(
        r.actions[2].event,
        Some(
            json!({"type": "conversation.item.truncate", "item_id": "a1", "content_index": 0, "audio_end_ms": 500})
        )
    );
    assert!(r.issues.is_empty(), "{:?}", r.issues);
    let t = &r.turns[0];
    assert_eq!(
        (t.detect_ms, t.first_text_ms, t.first_audio_ms, t.playback_ms, t.voice_to_voice_ms),
        (Some(300), Some(50), Some(100), Some(200), Some(600))
    );
    assert!(t.violations.is_empty());
}

#[test]
fn the_server_cancels_by_itself_with_interrupt_response_and_the_client_only_truncates() {
    let mut lines = answer(json!({}));
    lines.push(speech_started(1100));
    let r = timeline(&lines);
    assert_eq!(actions(&r), [(1100, "stop_playback a1".into()), (1600, "conversation.item.truncate".into())]);
}

#[test]
fn a_cough_pauses_playback_and_resumes_it_after_the_false_interruption_timeout() {
    let mut lines = answer(json!({"interrupt_response": false}));
    lines.push(speech_started(1100));
    lines.push(json!({"at_ms": 1300, "server": {"type": "input_audio_buffer.speech_stopped"}}));
    let r = timeline(&lines);
    assert_eq!(actions(&r), [(1100, "stop_playback a1".into()), (3300, "resume_playback a1".into())]);
    // Without resume, the same cough interrupts when the timeout fires.
    let mut lines = answer(json!({"interrupt_response": false, "resume_false_interruption": false}));
    lines.push(speech_started(1100));
    lines.push(json!({"at_ms": 1300, "server": {"type": "input_audio_buffer.speech_stopped"}}));
    let r = timeline(&lines);
    assert_eq!(
        actions(&r)[1..],
        [(3300, "response.cancel".into()), (3300, "conversation.item.truncate".into())]
    );
}

#[test]
fn speech_after_playback_finished_is_the_next_turn_not_an_interruption() {
    let mut lines = answer(json!({"interrupt_response": false}));
    lines.push(json!({"at_ms": 1200, "server": {"type": "response.output_audio.done", "item_id": "a1"}}));
    lines.push(json!({"at_ms": 1250, "server": {"type": "response.done", "response": {"id": "r1", "status": "completed"}}}));
    lines.push(json!({"at_ms": 2500, "played": {"item_id": "a1", "ms": 2000}}));
    lines.push(speech_started(2600));
    let r = timeline(&lines);
    assert_eq!(actions(&r), []);
    assert!(r.issues.is_empty(), "{:?}", r.issues);
}

#[test]
fn without_playback_reports_the_played_time_is_estimated_from_the_first_delta_and_frozen_when_paused() {
    let lines = vec![
        json!({"at_ms": 0, "config": {"min_interruption_ms": 0}}),
        json!({"at_ms": 300, "server": {"type": "response.created", "response": {"id": "r1"}}}),
        json!({"at_ms": 400, "server": {"type": "response.output_audio.delta", "item_id": "a1", "delta": audio(1000)}}),
        speech_started(700),
    ];
    let r = timeline(&lines);
    assert_eq!(r.actions[0].event.as_ref().unwrap()["audio_end_ms"], 300, "700 - 400");
    // Never past the audio received: 1 s of audio, speech 5 s later.
    let mut late = lines.clone();
    late[3] = speech_started(5400);
    let r = timeline(&late);
    assert_eq!(r.actions[0].event.as_ref().unwrap()["audio_end_ms"], 1000);
}

#[test]
fn over_webrtc_the_client_clears_the_output_buffer_and_sends_no_truncate() {
    let lines = vec![
        json!({"at_ms": 0, "config": {"transport": "webrtc", "interrupt_response": false}}),
        json!({"at_ms": 0, "server": {"type": "input_audio_buffer.speech_stopped"}}),
        json!({"at_ms": 300, "server": {"type": "response.created", "response": {"id": "r1"}}}),
        json!({"at_ms": 500, "server": {"type": "output_audio_buffer.started", "response_id": "r1"}}),
        speech_started(900),
    ];
    let r = timeline(&lines);
    assert_eq!(
        actions(&r),
        [
            (900, "stop_playback".into()),
            (1400, "response.cancel".into()),
            (1400, "output_audio_buffer.clear".into())
        ]
    );
    assert_eq!(r.turns[0].voice_to_voice_ms, Some(500));
}

#[test]
fn a_new_response_while_the_user_speaks_confirms_the_interruption_at_once() {
    let mut lines = answer(json!({"interrupt_response": false}));
    lines.push(speech_started(1100));
    lines.push(json!({"at_ms": 1200, "server": {"type": "response.created", "response": {"id": "r2"}}}));
    let r = timeline(&lines);
    assert_eq!(
        actions(&r)[1..],
        [(1200, "response.cancel".into()), (1200, "conversation.item.truncate".into())]
    );
    // Late deltas of the interrupted item are dropped quietly; the next answer plays.
    let mut more = lines.clone();
    more.push(json!({"at_ms": 1250, "server": {"type": "response.output_audio.delta", "item_id": "a1", "delta": audio(10)}}));
    more.push(json!({"at_ms": 1300, "server": {"type": "response.output_audio.delta", "item_id": "a2", "delta": audio(10)}}));
    more.push(speech_started(1400));
    let r = timeline(&more);
    assert!(r.issues.is_empty(), "{:?}", r.issues);
    assert_eq!(actions(&r).last(), Some(&(1900, "conversation.item.truncate".into())));
}

#[test]
fn bad_duplicate_and_out_of_order_input_is_reported_and_the_state_stays_valid() {
    let mut lines = answer(json!({"interrupt_response": false}));
    lines.push(json!({"at_ms": 1005, "server": {"type": "session.updated", "event_id": "e1"}}));
    lines.push(json!({"at_ms": 1006, "server": {"type": "session.updated", "event_id": "e1"}}));
    lines.push(json!({"at_ms": 1010, "server": {"type": "warp.drive"}}));
    lines.push(json!({"at_ms": 1020, "server": {"type": "response.output_audio.delta", "item_id": "a1", "delta": "%%"}}));
    lines.push(json!({"at_ms": 1030, "server": {"type": "response.done", "response": {"id": "r9"}}}));
    lines.push(json!({"at_ms": 900, "played": {"item_id": "a1", "ms": 400}}));
    lines.push(json!({"at_ms": 1040, "played": {"item_id": "zz", "ms": 1}}));
    lines.push(json!({"at_ms": 1050, "server": {"type": "error", "error": {"type": "invalid_request_error", "code": "response_cancel_not_active", "message": "no active response"}}}));
    let mut text: Vec<String> = lines.iter().map(Value::to_string).collect();
    text.push("{not json".into());
    text.push(json!({"at_ms": 1060, "config": {}}).to_string());
    text.push(speech_started(1100).to_string());
    let r = replay(&text.join("\n"));
    let codes: Vec<&str> = r.issues.iter().map(|i| i.code).collect();
    assert_eq!(
        codes,
        [
            "duplicate_event",
            "unknown_event",
            "invalid_base64",
            "out_of_order",
            "time_backwards",
            "played_backwards",
            "unknown_item",
            "server_error",
            "syntax_error",
            "out_of_order"
        ]
    );
    assert!(r.issues[0].message.starts_with("line 9: "), "{}", r.issues[0].message);
    // Through all of it the machine kept its state: the barge-in still works.
    assert_eq!(
        actions(&r)[1..],
        [(1600, "response.cancel".into()), (1600, "conversation.item.truncate".into())]
    );
}

#[test]
fn a_bad_config_names_its_field_and_durations_past_a_session_are_refused() {
    let r = replay(&json!({"at_ms": 0, "config": {"min_interruption_ms": 7_200_000}}).to_string());
    assert_eq!(r.issues[0].code, "out_of_range");
    assert!(r.issues[0].message.contains("config.min_interruption_ms"), "{}", r.issues[0].message);
    let r = replay(&json!({"at_ms": 0, "config": {"transport": "carrier_pigeon"}}).to_string());
    assert_eq!(r.issues[0].code, "unknown_variant");
    assert!(r.issues[0].message.contains("config.transport"), "{}", r.issues[0].message);
}

#[test]
fn credential_settings_that_overflow_together_are_refused_not_wrapped() {
    // The margin and its jitter are checked as a sum: a wrapping sum would have let any value
    // through (and panicked in a build with overflow checks).
    for (margin, jitter) in [(u64::MAX, 1), (1 << 63, 1 << 63)] {
        let config = CredentialConfig {
            refresh_margin_ms: margin,
            refresh_jitter_ms: jitter,
            ..CredentialConfig::default()
        };
        let e = config.validate().unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (crate::ErrorCode::OutOfRange, "refresh_margin_ms"));
    }
}

#[test]
fn a_bad_line_says_what_the_timeline_needed_with_its_code_and_column() {
    let r = replay(
        "{\"at_ms\": -5}\n{\"at_ms\": 1, \"played\": {\"item_id\": \"a\", \"ms\": \"x\"}}\n{\"at_ms\"",
    );
    let said: Vec<_> = r.issues.iter().map(|i| (i.code, i.message.as_str())).collect();
    assert_eq!(
        said,
        [
            (
                "out_of_range",
                "line 1: invalid value: integer `-5`, expected a whole number, 0 or more (column 12)"
            ),
            (
                "invalid_type",
                "line 2: invalid type: string \"x\", expected a whole number, 0 or more (column 49)"
            ),
            ("syntax_error", "line 3: EOF while parsing an object (column 8)"),
        ]
    );
    // An event field of the wrong type: the column is the line's, not the event's.
    let r = replay(r#"{"at_ms": 5, "sent": {"kind": "response.create"}}"#);
    let said: Vec<_> = r.issues.iter().map(|i| (i.code, i.message.as_str())).collect();
    assert_eq!(said, [("missing_field", "line 1: sent.type: a client event has a `type`")]);
    let line = r#"{"at_ms": 95, "server": {"type": "error", "error": "boom"}}"#;
    let r = replay(line);
    let column = line.find("boom").unwrap() + "boom".len() + 1;
    assert_eq!(r.issues[0].code, "invalid_type");
    assert_eq!(
        r.issues[0].message,
        format!("line 1: not a server event: invalid type: string \"boom\", expected an error object (column {column})")
    );
}

#[test]
fn lines_as_read_from_a_file_a_bom_bytes_that_are_not_utf8_an_array() {
    let mut r = Replayer::new();
    r.push_bytes("\u{feff}{\"at_ms\": 0, \"config\": {\"interrupt_response\": false}}".as_bytes());
    r.push_bytes(b"{\"at_ms\": 1, \"server\": {\"type\": \"session.updated\xff\"}}");
    r.push_bytes(br#"[100, null, {"type": "input_audio_buffer.speech_stopped"}]"#);
    r.push(r#"{"at_ms": 200, "server": ["input_audio_buffer.speech_stopped"]}"#);
    let report = r.finish();
    let said: Vec<_> = report.issues.iter().map(|i| (i.code, i.message.as_str())).collect();
    assert_eq!(
        said,
        [
            ("invalid_utf8", "line 2: not UTF-8 (byte 49)"),
            ("invalid_type", "line 3: invalid type: sequence, expected an object (column 1)"),
            (
                "invalid_type",
                "line 4: not a server event: invalid type: sequence, expected an object (column 26)"
            ),
        ],
        "the config line after the BOM was read: no issue for it"
    );
}

#[test]
fn turns_over_budget_name_their_stage_and_the_rolling_percentiles_stay_bounded() {
    let mut m = Interruptions::new(InterruptConfig { history: 4, ..InterruptConfig::default() }).unwrap();
    let mut turns = Vec::new();
    for (i, v2v) in [500u64, 700, 900, 1100, 1300, 1500].into_iter().enumerate() {
        let t0 = i as u64 * 10_000;
        m.handle_json(t0, r#"{"type":"input_audio_buffer.speech_stopped"}"#);
        m.handle_json(t0 + 100, &format!(r#"{{"type":"response.created","response":{{"id":"r{i}"}}}}"#));
        let delta =
            format!(r#"{{"type":"response.output_audio.delta","item_id":"a{i}","delta":"{}"}}"#, audio(1));
        m.handle_json(t0 + 200, &delta);
        turns.extend(m.played(t0 + v2v, &format!("a{i}"), 1).turns);
        m.handle_json(t0 + v2v + 1, &format!(r#"{{"type":"response.done","response":{{"id":"r{i}"}}}}"#));
    }
    let v2v: Vec<Option<u64>> = turns.iter().map(|t| t.voice_to_voice_ms).collect();
    assert_eq!(v2v, [Some(500), Some(700), Some(900), Some(1100), Some(1300), Some(1500)]);
    assert_eq!(turns[3].violations, [Stage::VoiceToVoice], "over the default 800 ms");
    assert!(turns[1].violations.is_empty());
    let stats = m.latency_stats();
    let v = stats.iter().find(|s| s.stage == Stage::VoiceToVoice).unwrap();
    // The last four turns only: 900, 1100, 1300, 1500.
    assert_eq!((v.count, v.p50_ms, v.p95_ms), (4, Some(1100), Some(1500)));
}

mod random_streams {
    use std::collections::HashMap;

    use proptest::prelude::*;
    use serde_json::json;

    use super::super::*;

    /// One random input: (time step, what).
    fn input() -> impl Strategy<Value = (i64, u8, u8, u16)> {
        (-50i64..400, 0u8..14, 0u8..3, 0u16..400)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn any_event_stream_keeps_the_machine_valid(
            inputs in proptest::collection::vec(input(), 1..120),
            webrtc in any::<bool>(),
            interrupt_response in any::<bool>(),
            min in 0u64..800,
        ) {
            let transport = if webrtc { Transport::Webrtc } else { Transport::Websocket };
            let config = InterruptConfig { transport, interrupt_response, min_interruption_ms: min, ..InterruptConfig::default() };
            let mut m = Interruptions::new(config).unwrap();
            let mut now: i64 = 0;
            let mut latest = 0u64;
            let mut received: HashMap<String, u64> = HashMap::new();
            let mut in_progress: Option<String> = None;
            let mut finished: Vec<String> = Vec::new();
            for (dt, what, which, amount) in inputs {
                now = (now + dt).max(0);
                let at = u64::try_from(now).unwrap();
                latest = latest.max(at);
                let item = format!("a{which}");
                let resp = format!("r{which}");
                let event = match what {
                    0 => json!({"type": "input_audio_buffer.speech_started", "item_id": "u", "audio_start_ms": at}),
                    1 => json!({"type": "input_audio_buffer.speech_stopped"}),
                    2 => json!({"type": "response.created", "response": {"id": resp}}),
                    3 => json!({"type": "response.done", "response": {"id": resp, "status": "cancelled"}}),
                    4 | 5 => json!({"type": "response.output_audio.delta", "item_id": item, "delta": "A".repeat(usize::from(amount) * 64)}),
                    6 => json!({"type": "response.output_audio.done", "item_id": item}),
                    7 => json!({"type": "output_audio_buffer.started"}),
                    8 => json!({"type": "output_audio_buffer.stopped"}),
                    9 => json!({"type": "response.output_text.delta", "delta": "x", "event_id": format!("e{amount}")}),
                    10 => json!({"type": "no.such.event"}),
                    11 => json!({"type": "response.output_audio.delta", "item_id": item}),
                    _ => json!(null),
                };
                let step = if what >= 12 {
                    m.played(at, &item, u64::from(amount))
                } else {
                    m.handle_json(at, &event.to_string())
                };
                let step = match m.poll_timeout() {
                    Some(t) if t <= at => { let mut s = step; s.actions.extend(m.handle_timeout(at).actions); s }
                    _ => step,
                };
                for a in &step.actions {
                    prop_assert!(a.at_ms <= latest, "no action from the future");
                    let Some(e) = &a.event else { continue };
                    match e["type"].as_str().unwrap() {
                        "conversation.item.truncate" => {
                            prop_assert!(!webrtc, "no truncate over WebRTC");
                            let id = e["item_id"].as_str().unwrap();
                            let end = e["audio_end_ms"].as_u64().unwrap();
                            prop_assert!(end <= received.get(id).copied().unwrap_or(0), "never past the audio received");
                        }
                        "response.cancel" => {
                            prop_assert!(!interrupt_response, "the server cancels by itself");
                            prop_assert_eq!(e["response_id"].as_str(), in_progress.as_deref());
                        }
                        "output_audio_buffer.clear" => prop_assert!(webrtc),
                        other => prop_assert!(false, "unexpected event {}", other),
                    }
                }
                // Every timer due by now has fired: what is left lies ahead.
                prop_assert!(m.poll_timeout().is_none_or(|t| t > latest));
                // The test's own view of the audio received and the response in progress.
                // A response once done stays done: a late `response.created` does not revive it.
                match what {
                    2 if !finished.contains(&resp) => in_progress = Some(resp),
                    3 => {
                        if in_progress.as_deref() == Some(resp.as_str()) {
                            in_progress = None;
                        }
                        finished.push(resp);
                    }
                    4 | 5 => *received.entry(item).or_default() += u64::from(amount),
                    _ => {}
                }
            }
        }
    }
}

mod credentials {
    use super::super::*;
    use crate::ErrorCode;

    const WALL: u64 = 1_767_225_600_000; // 2026-01-01 in unix ms

    fn rotation() -> Credentials {
        Credentials::new(CredentialConfig::default(), 7).unwrap()
    }

    #[test]
    fn one_caller_mints_the_others_wait_and_the_secret_is_refreshed_before_expiry() {
        let mut c = rotation();
        let d = c.decide(0);
        assert_eq!((d.action, d.reason), (CredentialAction::Mint, CredentialReason::NoSecret));
        let d = c.decide(10);
        assert_eq!(
            (d.action, d.reason, d.at_ms),
            (CredentialAction::Wait, CredentialReason::MintInFlight, Some(30_000))
        );
        // A 600 s secret (the API's default), minted at 500 ms: expiry read 5 s early (skew).
        c.minted(500, WALL, WALL + 600_000).unwrap();
        let d = c.decide(1_000);
        assert_eq!((d.action, d.reason), (CredentialAction::Ready, CredentialReason::Fresh));
        let refresh = d.at_ms.unwrap();
        let expires = 500 + 600_000 - 5_000;
        assert!(
            (expires - 150_000..=expires - 120_000).contains(&refresh),
            "margin 120 s + jitter < 30 s: {refresh}"
        );
        assert_eq!(c.decide(refresh - 1).action, CredentialAction::Ready);
        let d = c.decide(refresh);
        assert_eq!((d.action, d.reason), (CredentialAction::Mint, CredentialReason::RefreshDue));
        // The old secret still connects while the new one is minted.
        assert!(c.can_connect(refresh).ok);
    }

    #[test]
    fn a_fleet_minting_together_spreads_its_refreshes() {
        let refresh = |seed| {
            let mut c = Credentials::new(CredentialConfig::default(), seed).unwrap();
            c.decide(0);
            c.minted(0, WALL, WALL + 600_000).unwrap();
            c.decide(1).at_ms.unwrap()
        };
        let times: std::collections::BTreeSet<u64> = (0..20).map(refresh).collect();
        assert!(times.len() >= 18, "{times:?}");
        assert_eq!(refresh(3), refresh(3), "the same seed, the same time");
    }

    #[test]
    fn a_failed_mint_backs_off_and_is_retried() {
        let mut c = rotation();
        assert_eq!(c.decide(0).action, CredentialAction::Mint);
        let mut at = 0;
        let mut delays = Vec::new();
        for failures in 1..=8 {
            let d = c.mint_failed(at);
            assert_eq!(
                (d.action, d.reason, d.failures),
                (CredentialAction::Wait, CredentialReason::Backoff, failures)
            );
            let retry = d.at_ms.unwrap();
            delays.push(retry - at);
            assert_eq!(c.decide(retry - 1).reason, CredentialReason::Backoff);
            assert_eq!(c.decide(retry).action, CredentialAction::Mint);
            at = retry;
        }
        assert!(delays.iter().all(|&d| d <= 30_000), "{delays:?}");
        assert!(delays[7] > delays[0], "{delays:?}");
        c.minted(at, WALL, WALL + 600_000).unwrap();
        assert_eq!(c.decide(at).failures, 0);
    }

    #[test]
    fn a_mint_without_an_answer_is_taken_over_after_the_timeout() {
        let mut c = rotation();
        c.decide(0);
        assert_eq!(c.decide(29_999).action, CredentialAction::Wait);
        let d = c.decide(30_000);
        assert_eq!((d.action, d.reason), (CredentialAction::Mint, CredentialReason::MintTimedOut));
    }

    #[test]
    fn a_secret_close_to_expiry_is_not_used_to_connect_and_sessions_reconnect_before_the_cap() {
        let mut c = rotation();
        assert_eq!(c.can_connect(0).reason, ConnectReason::NoSecret);
        c.decide(0);
        c.minted(0, WALL, WALL + 60_000).unwrap();
        let expires = 60_000 - 5_000;
        assert!(c.can_connect(expires - 15_000).ok);
        let late = c.can_connect(expires - 14_999);
        assert_eq!((late.ok, late.reason, late.remaining_ms), (false, ConnectReason::Expiring, Some(14_999)));
        assert!(!c.can_connect(expires + 1).ok);
        // A 60 s secret is refreshed halfway through rather than at once (margin 120 s > its life).
        assert_eq!(c.decide(1).at_ms, Some(expires / 2));
        assert_eq!(c.reconnect_at(1_000), 1_000 + 3_600_000 - 60_000);
    }

    #[test]
    fn expiry_in_the_wrong_unit_and_margins_past_a_lifetime_are_refused() {
        let mut c = rotation();
        c.decide(0);
        let e = c.minted(0, WALL, (WALL + 600_000) * 1000).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::OutOfRange, "expires_at_unix_ms"));
        // The response's `expires_at` in seconds, passed as ms: long expired, refused.
        let e = c.minted(0, WALL, (WALL + 600_000) / 1000).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::OutOfRange, "expires_at_unix_ms"));
        assert!(e.message.contains("× 1000"), "{}", e.message);
        let bad = CredentialConfig { reconnect_margin_ms: 4_000_000, ..CredentialConfig::default() };
        assert_eq!(Credentials::new(bad, 0).unwrap_err().path, "reconnect_margin_ms");
        for (cap, margin) in [(0, 0), (60_000, 60_000)] {
            let bad = CredentialConfig {
                session_cap_ms: cap,
                reconnect_margin_ms: margin,
                ..CredentialConfig::default()
            };
            let e = Credentials::new(bad, 0).unwrap_err();
            assert_eq!(
                (e.code, e.path.as_str()),
                (ErrorCode::OutOfRange, "reconnect_margin_ms"),
                "{cap}/{margin}"
            );
        }
    }
}

#[test]
fn timers_near_the_end_of_time_saturate_instead_of_overflowing() {
    // A host clock near u64::MAX (a bogus `at_ms`): the confirm and false-interruption timers
    // are set past it without an overflow (a panic in debug builds, a timer in the past in
    // release ones, which then fired at once), held at the last millisecond.
    let end = u64::MAX - 700;
    let mut lines = answer(json!({}));
    lines.push(speech_started(end));
    lines.push(json!({"at_ms": end + 100, "server": {"type": "input_audio_buffer.speech_stopped"}}));
    let r = timeline(&lines);
    let resumed = (u64::MAX, "resume_playback a1".to_owned());
    assert_eq!(actions(&r), [(end, "stop_playback a1".to_owned()), resumed]);
    let mut machine = Interruptions::new(InterruptConfig::default()).unwrap();
    machine.handle_json(0, &lines[4]["server"].to_string());
    let paused = machine.handle_json(end, &lines[7]["server"].to_string());
    assert_eq!(paused.next_timeout_ms, Some(end + 500));
    let resumable = machine.handle_json(end + 100, &lines[8]["server"].to_string());
    assert_eq!(resumable.next_timeout_ms, Some(u64::MAX));
}

#[test]
fn a_ga_audio_format_is_read_and_a_rate_it_does_not_have_refused() {
    let read =
        |format: Value| crate::document::from_value::<InterruptConfig>(&json!({"audio_format": format}));
    assert_eq!(read(json!("audio/pcma")).unwrap().audio_format, AudioFormat::G711Alaw);
    assert_eq!(read(json!({"type": "audio/pcm", "rate": 24000})).unwrap().audio_format, AudioFormat::Pcm16);
    assert_eq!(read(json!({"type": "audio/pcm"})).unwrap().audio_format, AudioFormat::Pcm16);
    let e = read(json!({"type": "audio/pcm", "rate": 16000})).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (crate::ErrorCode::OutOfRange, "audio_format"));
    let e = read(json!({"type": "audio/pcm", "channels": 1})).unwrap_err();
    assert_eq!(e.code, crate::ErrorCode::UnknownField);
    assert_eq!(read(json!("opus")).unwrap_err().code, crate::ErrorCode::UnknownVariant);
}
