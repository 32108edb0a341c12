//! The storm simulator: deterministic, driven by the real policies, meeting its targets.

use breakwater::ErrorCode;
use breakwater_sim::{self as sim, Scenario};

#[test]
fn the_same_seed_gives_the_same_report_and_another_seed_another() {
    let scenario = Scenario::default_scenario();
    let a = sim::run(&scenario).unwrap();
    let b = sim::run(&scenario).unwrap();
    assert_eq!(a, b);
    let c = sim::run(&Scenario { seed: scenario.seed + 1, ..scenario }).unwrap();
    assert_ne!(a.policies[0].downstream_calls, c.policies[0].downstream_calls);
}

#[test]
fn the_default_storm_meets_every_target() {
    let scenario = Scenario::default_scenario();
    let report = sim::run(&scenario).unwrap();
    let misses = sim::targets::misses(&scenario, &report);
    assert!(misses.is_empty(), "{misses:#?}");
    let naive = &report.policies[0];
    // 3 x 3 x 2 retries on three layers: the storm is real, not a rounding artefact.
    assert!(naive.amplification_during_outage.unwrap() >= 20.0);
    assert_eq!(
        report.policies.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["naive", "openai_sdk", "breakwater"]
    );
}

#[test]
fn without_failures_every_policy_makes_exactly_one_call_per_tool_call() {
    let text = sim::DEFAULT_SCENARIO
        .replace("error_rate = 0.01", "error_rate = 0.0")
        .replace("error_rate = 0.05", "error_rate = 0.0")
        .replace("capacity_per_s = 20 ", "capacity_per_s = 60 ")
        // The outage phase, healed: a phase of kind `outage` must fail, so it is degraded now.
        .replace("name = \"outage\"", "name = \"outage\"\nkind = \"degraded\"")
        .replace("outage = \"http_503\"", "");
    let scenario = Scenario::from_toml(&text).unwrap();
    let report = sim::run(&scenario).unwrap();
    for p in &report.policies {
        assert_eq!(p.downstream_calls, p.logical_requests as u64 * 3, "{}", p.name);
        assert_eq!(p.success_rate, Some(1.0), "{}", p.name);
        assert_eq!(p.recovery_ms, None, "{}: no outage to recover from", p.name);
    }
}

#[test]
fn scenario_errors_name_the_field() {
    let mismatch = sim::DEFAULT_SCENARIO.replace(
        "  { preset = \"openai_sdk\", max_retries = 0 },\n  { preset = \"openai_sdk\", max_retries = 0 },",
        "  { preset = \"openai_sdk\", max_retries = 0 },",
    );
    let e = Scenario::from_toml(&mismatch).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidValue, "policies[1].layers"));

    let bad_outcome = sim::DEFAULT_SCENARIO.replace("outage = \"http_503\"", "outage = \"meteor\"");
    let e = Scenario::from_toml(&bad_outcome).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidArgument, "phases[2].outage"));

    let bad_preset = sim::DEFAULT_SCENARIO.replace(
        "{ preset = \"conservative\" },\n  { preset = \"conservative\" },\n  { preset = \"conservative\" },",
        "{ preset = \"conservative\" },\n  { preset = \"conservative\" },\n  { preset = \"reckless\" },",
    );
    let e = Scenario::from_toml(&bad_preset).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::UnknownVariant, "policies[2].layers[2].preset"));

    let negative = sim::DEFAULT_SCENARIO.replace(
        "duration_ms = 90000\ncapacity_per_s = 60\noutage",
        "duration_ms = -1\ncapacity_per_s = 60\noutage",
    );
    let e = Scenario::from_toml(&negative).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::NegativeDuration, "phases[2].duration_ms"));
    assert!(e.line.is_some());

    // Bounds the report's memory rests on: a day of virtual time, an hour an answer, a
    // thousand parallel calls a request.
    for (from, to, path) in [
        (
            "duration_ms = 90000\ncapacity_per_s = 60\noutage",
            "duration_ms = 90000000\ncapacity_per_s = 60\noutage",
            "phases",
        ),
        ("fan_out = 3 ", "fan_out = 1001 ", "arrivals.fan_out"),
        ("outage_latency_ms = 50", "outage_latency_ms = 18446744073709551615", "phases[2].outage_latency_ms"),
    ] {
        let text = sim::DEFAULT_SCENARIO.replace(from, to);
        assert_ne!(text, sim::DEFAULT_SCENARIO, "{from}");
        let e = Scenario::from_toml(&text).unwrap_err();
        assert_eq!((e.code, e.path.as_str()), (ErrorCode::OutOfRange, path), "{e}");
    }
}

#[test]
fn a_retry_due_long_after_the_end_leaves_its_request_unfinished_without_overflow() {
    let text = sim::DEFAULT_SCENARIO.replacen(
        "[[policies]]",
        "[[policies]]\nname = \"forever\"\nlayers = [{ policy = { retry = { max_retries = 2, backoff = { base_ms = 18000000000000000000, max_ms = 18000000000000000000, jitter = \"none\" } } } }, { preset = \"openai_sdk\", max_retries = 0 }, { preset = \"openai_sdk\", max_retries = 0 }]\n\n[[policies]]",
        1,
    );
    let scenario = Scenario::from_toml(&text).unwrap();
    let report = sim::run(&scenario).unwrap();
    assert!(
        report.policies[0].success_rate.is_some_and(|s| s < 1.0),
        "{:?}",
        report.policies[0].success_rate
    );
}

#[test]
fn phases_are_counted_by_kind_not_by_name() {
    let base = sim::run(&Scenario::default_scenario()).unwrap();
    // Renamed phases with their kind say the same thing.
    let renamed = sim::DEFAULT_SCENARIO
        .replace("name = \"degraded\"", "name = \"brownout\"\nkind = \"degraded\"")
        .replace("name = \"outage\"", "name = \"region down\"\nkind = \"outage\"");
    let report = sim::run(&Scenario::from_toml(&renamed).unwrap()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    for (a, b) in base.policies.iter().zip(&report.policies) {
        assert_eq!(a.amplification_degraded, b.amplification_degraded);
        assert_eq!(a.amplification_during_outage, b.amplification_during_outage);
        assert_eq!(a.recovery_ms, b.recovery_ms);
        assert!(b.success_rate_degraded.is_some());
    }
    assert_eq!(report.policies[0].phases[1].kind, Some("degraded"));
    // A name that is no kind, and an unknown kind: warnings, and the columns say null.
    let unnamed = sim::DEFAULT_SCENARIO
        .replace("name = \"degraded\"", "name = \"brownout\"")
        .replace("name = \"outage\"", "name = \"outage\"\nkind = \"meltdown\"");
    let scenario = Scenario::from_toml(&unnamed).unwrap();
    let report = sim::run(&scenario).unwrap();
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    assert!(report.warnings[1].contains("meltdown"));
    assert_eq!(report.policies[0].amplification_degraded, None);
    assert_eq!(report.policies[0].recovery_ms, None);
    // Such a run cannot pass `--check`: what it leaves out is not judged.
    let misses = sim::targets::misses(&scenario, &report);
    assert_eq!(misses.iter().filter(|m| m.target == "phases").count(), 2, "{misses:?}");
}

#[test]
fn a_success_after_the_slo_is_a_failure_for_every_policy() {
    let base = sim::run(&Scenario::default_scenario()).unwrap();
    // A caller who waits 2 s: the SDK's slow successes no longer count.
    let text = format!("slo_ms = 2000\n{}", sim::DEFAULT_SCENARIO);
    let report = sim::run(&Scenario::from_toml(&text).unwrap()).unwrap();
    assert_eq!(report.slo_ms, 2000);
    for (a, b) in base.policies.iter().zip(&report.policies) {
        assert!(b.late_successes > 0, "{}", b.name);
        assert!(b.success_rate.unwrap() < a.success_rate.unwrap(), "{}", b.name);
    }
}

#[test]
fn every_library_scenario_reads_and_runs_deterministically() {
    for (name, _) in sim::LIBRARY {
        let scenario = Scenario::named(name).unwrap();
        assert!(scenario.warnings().is_empty(), "{name}: {:?}", scenario.warnings());
        assert_eq!(scenario.policies.len(), 3, "{name} compares the standard policies");
        let report = sim::run(&scenario).unwrap();
        assert!(report.policies.iter().all(|p| p.success_rate.is_some()), "{name}");
        assert!(
            report
                .policies
                .iter()
                .all(|p| p.success_rate_degraded.is_some() || p.amplification_during_outage.is_some()),
            "{name}: a storm has a degraded or an outage phase"
        );
    }
    let e = Scenario::named("meteor").unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::UnknownVariant, "scenario"));
    assert!(e.message.contains("brownout"));
}

#[test]
fn a_scenario_too_large_to_run_is_refused_before_it_starts_with_its_estimate() {
    let mut largest = 0;
    for (name, _) in sim::LIBRARY {
        let work = Scenario::named(name).unwrap().check_work(sim::DEFAULT_MAX_CALLS).unwrap();
        largest = largest.max(work.max_calls);
    }
    assert!(largest < sim::DEFAULT_MAX_CALLS / 10, "the library stays well inside the default: {largest}");
    // The typo a new user makes: 100,000 requests a second, 1,000 tool calls each.
    let typo = sim::DEFAULT_SCENARIO
        .replace("rate_per_s = 10 ", "rate_per_s = 100000 ")
        .replace("fan_out = 3 ", "fan_out = 1000 ");
    let scenario = Scenario::from_toml(&typo).unwrap();
    let e = scenario.check_work(sim::DEFAULT_MAX_CALLS).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::LimitExceeded, "arrivals"));
    assert!(e.message.contains("--max-calls"), "{}", e.message);
    assert!(scenario.estimate().unwrap().logical_requests >= 30_000_000);
}

#[test]
fn a_key_that_is_down_does_not_fail_the_healthy_one() {
    let report = sim::run(&Scenario::named("one_key_down").unwrap()).unwrap();
    for p in &report.policies {
        let keys: Vec<&str> = p.keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["model-a", "model-b"], "{}", p.name);
        let (a, b) = (&p.keys[0], &p.keys[1]);
        // model-b is down for 120 s: only requests that arrive in its last minute, and wait
        // for it within their 60 s deadline, can succeed.
        assert!(b.success_rate_degraded.unwrap() < 0.55, "{}: model-b is down", p.name);
        assert_eq!(a.logical_requests + b.logical_requests, p.logical_requests);
        if p.name == "breakwater" {
            assert_eq!(a.success_rate_degraded, Some(1.0), "per-key breakers keep model-a whole");
        }
    }
    let bad = sim::LIBRARY
        .iter()
        .find(|(n, _)| *n == "one_key_down")
        .unwrap()
        .1
        .replace("down_keys = [\"model-b\"]", "down_keys = [\"model-c\"]");
    let e = Scenario::from_toml(&bad).unwrap_err();
    assert_eq!((e.code, e.path.as_str()), (ErrorCode::InvalidValue, "phases[1].down_keys"));
    let no_outage = sim::LIBRARY
        .iter()
        .find(|(n, _)| *n == "one_key_down")
        .unwrap()
        .1
        .replace("outage = \"http_503\"\n", "");
    let e = Scenario::from_toml(&no_outage).unwrap_err();
    assert_eq!(e.path, "phases[1].down_keys");
}

#[test]
fn a_missed_target_is_named_with_its_numbers() {
    let scenario = Scenario::default_scenario();
    let mut report = sim::run(&scenario).unwrap();
    assert_eq!(sim::targets::misses(&scenario, &report), []);
    let bw = report.policies.iter_mut().find(|p| p.name == "breakwater").unwrap();
    bw.success_rate = Some(0.3);
    bw.amplification_during_outage = Some(0.5);
    bw.recovery_ms = None;
    for phase in &mut bw.phases {
        phase.downstream_calls *= 10;
    }
    let missed: Vec<_> = sim::targets::misses(&scenario, &report).into_iter().map(|m| m.target).collect();
    assert_eq!(
        missed,
        ["success_rate", "amplification_during_outage", "amplification_overload", "recovery_ms"]
    );
    report.policies.retain(|p| p.name != "openai_sdk");
    assert_eq!(sim::targets::misses(&scenario, &report)[0].target, "policies");
}

#[test]
fn recovery_is_judged_from_when_the_upstream_can_serve_the_load_again() {
    let scenario = Scenario::named("slow_recovery").unwrap();
    // Capacity 10/s, then 20/s, against 30 calls/s offered: back 60 s after the outage.
    let notes = sim::targets::notes(&scenario);
    assert!(notes.len() == 1 && notes[0].contains("60.0 s after the outage"), "{notes:?}");
    let mut report = sim::run(&scenario).unwrap();
    let bw = report.policies.iter_mut().find(|p| p.name == "breakwater").unwrap();
    bw.recovery_ms = Some(65_000);
    assert_eq!(sim::targets::misses(&scenario, &report), []);
    let bw = report.policies.iter_mut().find(|p| p.name == "breakwater").unwrap();
    bw.recovery_ms = Some(65_001);
    let missed = sim::targets::misses(&scenario, &report);
    assert_eq!(missed.len(), 1);
    assert!(missed[0].detail.contains("<= 65000 ms"), "{missed:?}");
    // The built-in storm comes back whole: no note, the bound is 5 s.
    assert_eq!(sim::targets::notes(&Scenario::default_scenario()), Vec::<String>::new());
}

#[test]
fn memory_follows_the_requests_in_flight_not_the_length_of_the_run() {
    let doc = |minutes: u64| {
        format!(
            "name = \"steady\"\nlayers = [\"sdk\"]\n[arrivals]\nrate_per_s = 20\nfan_out = 2\nest_tokens = 1500\n\
             [[phases]]\nname = \"healthy\"\nduration_ms = {}\ncapacity_per_s = 100\nerror_rate = 0.01\n\
             [[policies]]\nname = \"conservative\"\nlayers = [{{ preset = \"conservative\" }}]\n",
            minutes * 60_000
        )
    };
    let short = sim::run(&Scenario::from_toml(&doc(2)).unwrap()).unwrap();
    let long = sim::run(&Scenario::from_toml(&doc(20)).unwrap()).unwrap();
    let (s, l) = (&short.policies[0], &long.policies[0]);
    assert!(l.logical_requests > 9 * s.logical_requests);
    // 20 requests a second, answered in about a second: a few dozen in flight, however long
    // the run (the trace keeps aggregates, and a request's slot once it ends is reused).
    assert!(l.peak_in_flight < 100, "{}", l.peak_in_flight);
    assert!(l.peak_in_flight <= 2 * s.peak_in_flight, "{} vs {}", l.peak_in_flight, s.peak_in_flight);
}

#[test]
fn a_scenario_that_would_judge_a_policy_against_nonsense_is_refused() {
    let base = sim::DEFAULT_SCENARIO;
    for (from, to, path) in [
        ("outage = \"http_503\"", "outage = \"http_200\"", "phases[2].outage"),
        ("outage = \"http_503\"", "", "phases[2].outage"),
        ("name = \"healthy\"", "name = \"healthy\"\noutage = \"reset\"", "phases[0].outage"),
        ("seed = ", "slo_ms = 0\nseed = ", "slo_ms"),
    ] {
        assert!(base.contains(from), "{from}");
        let e = Scenario::from_toml(&base.replacen(from, to, 1)).unwrap_err();
        assert_eq!(e.path, path, "{to}: {}", e.message);
    }
}

#[test]
fn a_policys_results_follow_its_name_not_its_place_in_the_list() {
    let scenario = Scenario::from_toml(sim::DEFAULT_SCENARIO).unwrap();
    let mut reversed = scenario.clone();
    reversed.policies.reverse();
    let a = sim::run(&scenario).unwrap();
    let b = sim::run(&reversed).unwrap();
    for p in &a.policies {
        let q = b.policies.iter().find(|q| q.name == p.name).unwrap();
        assert_eq!(format!("{p:?}"), format!("{q:?}"), "{}", p.name);
    }
}
