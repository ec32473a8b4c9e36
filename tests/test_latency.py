"""CPU latency: the record file's validation, the speed verdicts per device class, and the protocol on one tiny model.

No test here asserts a measured time: timing depends on the machine. The protocol test only checks its shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.catalogue import Claim
from tools.latency import (
    RATIO_SLACK,
    LatencyFileError,
    LatencyRecord,
    Machine,
    ModelLatency,
    Protocol,
    RatioLatency,
    Stats,
    check_lines,
    judge_speed,
    latency_key,
    median_iqr,
    printed_ratio,
    read_latency,
    round_ratios,
    time_group,
    timing_groups,
    write_latency,
)

MACHINE = Machine(
    cpu_model="Test CPU",
    cores=2,
    torch="2.13.0+cpu",
    torch_build="oneDNN v3, MKL, OpenMP",
    python="3.11.7",
    platform="Linux",
    date="2026-12-01",
)
PROTOCOL = Protocol(
    warmup_runs=2,
    min_runs=7,
    min_ratio_runs=9,
    max_runs=25,
    target_seconds=2.0,
    min_sample_seconds=0.01,
    rewarm_below_seconds=0.1,
)


def entry(model_id: str, ms_1: float, ms_2: float, key: str | None = None) -> ModelLatency:
    return ModelLatency(
        key=key or latency_key(model_id),
        input_size=(3, 224, 224),
        timings=(
            Stats(threads=1, median_ms=ms_1, iqr_ms=0.5, runs=7, calls_per_run=1),
            Stats(threads=2, median_ms=ms_2, iqr_ms=0.5, runs=7, calls_per_run=1),
        ),
    )


def record(ratio_1: float, ratio_2: float, model: str = "efficientnet_b1", baseline: str = "resnet50") -> LatencyRecord:
    return LatencyRecord(
        format=1,
        machine=MACHINE,
        protocol=PROTOCOL,
        elapsed_seconds=12.0,
        models={model: entry(model, 100 * ratio_1, 60 * ratio_2), baseline: entry(baseline, 100.0, 60.0)},
        ratios=(
            RatioLatency(model=model, baseline=baseline, threads=1, ratio_median=ratio_1, ratio_iqr=0.01, runs=7),
            RatioLatency(model=model, baseline=baseline, threads=2, ratio_median=ratio_2, ratio_iqr=0.01, runs=7),
        ),
    )


def claim(**fields: object) -> Claim:
    base = {
        "id": "c",
        "text": "t",
        "kind": "absolute",
        "source": {"version": "v1", "location": "Table 4"},
        "origin": "paper",
        "confidence": "A",
    }
    return Claim.model_validate({**base, **fields})


XEON = {
    "device": "cpu-1-thread",
    "device_name": "one core of an Intel Xeon CPU E5-2690",
    "batch": 1,
    "baseline": "resnet50",
}
SPEEDUP = claim(quantity="speedup", model="efficientnet_b1", printed="5.7x", value=5.7, unit="x", timing=XEON)


# ------------------------------------------------------------------------------------------------ the file


def test_a_written_record_reads_back_identically(tmp_path: Path) -> None:
    path = tmp_path / "latency.json"
    original = record(0.175, 0.2)
    write_latency(original, path)
    assert read_latency(path) == original
    assert path.read_text(encoding="utf-8").endswith("}\n")


def test_no_file_means_not_measured(tmp_path: Path) -> None:
    assert read_latency(tmp_path / "latency.json") is None
    assert check_lines(None) == [
        "latency: not measured yet (run `python tools/verify_claims.py --update-latency` on a quiet machine)"
    ]


def test_a_file_of_the_wrong_shape_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "latency.json"
    write_latency(record(0.175, 0.2), path)
    path.write_text(path.read_text(encoding="utf-8").replace('"median_ms": 100.0', '"median_ms": -1'), "utf-8")
    with pytest.raises(LatencyFileError) as info:
        read_latency(path)
    assert str(info.value) == (
        "latency.json: models.resnet50.timings[0].median_ms: Input should be greater than 0 — "
        "regenerate it with `python tools/verify_claims.py --update-latency`"
    )
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(LatencyFileError, match=r"^latency.json: the top level: Invalid JSON"):
        read_latency(path)


def test_check_names_the_machine_and_flags_a_changed_model_source_without_failing() -> None:
    stale = record(0.175, 0.2).model_copy(
        update={
            "models": {
                "efficientnet_b1": entry("efficientnet_b1", 17.5, 12.0, key="0" * 64),
                "resnet50": entry("resnet50", 100.0, 60.0),
            }
        }
    )
    lines = check_lines(stale)
    assert lines[0] == (
        "latency: measured on Test CPU, 2 cores, torch 2.13.0+cpu (oneDNN v3, MKL, OpenMP), "
        "2026-12-01; 2 model(s), 2 interleaved ratio(s)"
    )
    assert lines[1] == (
        "latency: model source changed since it was timed: efficientnet_b1 "
        "(re-run `--update-latency` on the same machine)"
    )
    from reference_impls import REGISTRY

    untimed = [m for m in sorted(REGISTRY) if m not in ("efficientnet_b1", "resnet50")]
    assert lines[2] == "latency: not timed yet: " + ", ".join(untimed)


# ------------------------------------------------------------------------------------------------ verdicts


def test_the_slack_is_declared() -> None:
    assert RATIO_SLACK == 0.20


def test_printed_ratio_of_two_rounded_times_is_an_interval() -> None:
    runtime = claim(
        quantity="latency",
        model="res2net50_26w_4s",
        printed="153ms",
        value=153,
        unit="ms",
        timing={"device": "gpu", "device_name": "one GPU", "baseline": "resnet50", "baseline_value": 149},
    )
    low, high = printed_ratio(runtime, half_unit=0.5)  # type: ignore[misc]  # not None: the claim has a baseline
    assert (low, high) == (pytest.approx(152.5 / 149.5), pytest.approx(153.5 / 148.5))
    b1 = claim(
        quantity="latency",
        model="efficientnet_b1",
        printed="0.098s",
        value=0.098,
        unit="s",
        timing={**XEON, "baseline_value": 0.554},
    )
    assert printed_ratio(b1, half_unit=0.0005) == (pytest.approx(0.0975 / 0.5545), pytest.approx(0.0985 / 0.5535))
    assert printed_ratio(SPEEDUP, half_unit=0.05) == (pytest.approx(5.65), pytest.approx(5.75))


def test_same_class_speedup_is_verified_on_the_one_thread_ratio() -> None:
    evidence = judge_speed(SPEEDUP, record(1 / 5.7, 1 / 3.0), half_unit=0.05)  # 2 threads would not pass; not judged
    assert evidence is not None and evidence.verdict == "verified" and evidence.basis == "computation"
    assert evidence.measured[1][0] == pytest.approx(5.7)
    assert evidence.summary == (
        "our speedup of `efficientnet_b1` over `resnet50`, 5.70× at 1 thread, lies within 4.52×…6.90×"
    )
    assert evidence.latency_ms == {1: pytest.approx(100 / 5.7), 2: pytest.approx(20.0)}


def test_same_class_outside_the_slack_is_refuted_with_the_gap() -> None:
    evidence = judge_speed(SPEEDUP, record(1 / 3.0, 1 / 3.0), half_unit=0.05)
    assert evidence is not None and evidence.verdict == "refuted"
    assert evidence.summary == (
        "our speedup of `efficientnet_b1` over `resnet50`, 3.00× at 1 thread, lies outside "
        "4.52×…6.90× (-47 % from the printed interval)"
    )


def test_a_cpu_with_unstated_threads_must_hold_at_both_thread_counts() -> None:
    senet = claim(
        quantity="latency",
        model="seresnet50",
        printed="167 ms",
        value=167,
        unit="ms",
        timing={"device": "cpu", "device_name": "a CPU", "baseline": "resnet50", "baseline_value": 164},
    )
    both = judge_speed(senet, record(1.05, 1.08, model="seresnet50"), half_unit=0.5)
    mixed = judge_speed(senet, record(1.05, 1.40, model="seresnet50"), half_unit=0.5)
    assert both is not None and both.verdict == "verified"
    assert both.summary == (
        "our time ratio `seresnet50` / `resnet50`, 1.050 at 1 thread, 1.080 at 2 threads, lies within 0.810…1.229"
    )
    assert mixed is not None and mixed.verdict == "inconclusive" and mixed.basis == "computation"


def test_another_device_class_gets_a_labelled_cpu_proxy_never_a_verdict() -> None:
    runtime = claim(
        quantity="latency",
        model="res2net50_26w_4s",
        printed="153ms",
        value=153,
        unit="ms",
        timing={"device": "gpu", "device_name": "one GPU", "baseline": "resnet50", "baseline_value": 149},
    )
    evidence = judge_speed(runtime, record(1.03, 1.03, model="res2net50_26w_4s"), half_unit=0.5)
    assert evidence is not None and evidence.verdict == "inconclusive" and evidence.basis == "CPU proxy"
    assert evidence.summary == (
        "timed on one GPU, another device class; our CPU time ratio `res2net50_26w_4s` / "
        "`resnet50` at 1 thread is 1.030 against "
        "the printed 1.020…1.034 (a proxy, not a verdict)"
    )
    phone = runtime.model_copy(update={"timing": runtime.timing.model_copy(update={"device": "phone"})})
    far_off = judge_speed(phone, record(3.0, 3.0, model="res2net50_26w_4s"), half_unit=0.5)
    assert far_off is not None and far_off.verdict == "inconclusive"  # however far off, a proxy decides nothing


def test_absolute_times_and_unnamed_models_are_shown_not_judged() -> None:
    alone = claim(
        quantity="latency",
        model="efficientnet_b1",
        printed="3.1s",
        value=3.1,
        unit="s",
        timing={k: v for k, v in XEON.items() if k != "baseline"},
    )
    evidence = judge_speed(alone, record(0.2, 0.2), half_unit=0.05)
    assert evidence is not None and evidence.verdict == "inconclusive" and evidence.basis == "CPU proxy"
    assert evidence.summary == (
        "an absolute time on one core of an Intel Xeon CPU E5-2690 is not comparable across "
        "machines, and no model of the same table is named to take a ratio against; ours: "
        "20.0 ms at 1 thread (shown, not judged)"
    )
    gpipe = claim(
        quantity="speedup",
        model="efficientnet_b1",
        compared_label="GPipe",
        printed="6.1x",
        value=6.1,
        unit="x",
        timing={k: v for k, v in XEON.items() if k != "baseline"},
    )
    assert judge_speed(gpipe, None, half_unit=0.05).summary == (  # type: ignore[union-attr]  # a speedup claim gets evidence
        "the model it is compared with (GPipe) is not registered, so no ratio can be timed"
    )
    unnamed = claim(
        quantity="latency",
        printed="157.7ms",
        value=157.7,
        unit="ms",
        timing={"device": "phone", "device_name": "iPhone 5s"},
    )
    nothing = judge_speed(unnamed, None, half_unit=0.05)
    assert nothing is not None and nothing.verdict == "inconclusive" and nothing.basis == ""
    unmeasured = judge_speed(SPEEDUP, None, half_unit=0.05)
    assert unmeasured is not None and unmeasured.summary.startswith("`efficientnet_b1` and `resnet50` have not")


def test_timing_fields_belong_to_speed_claims() -> None:
    with pytest.raises(ValueError, match="`timing` is only for latency and speedup claims"):
        claim(quantity="params", model="resnet50", printed="25.6M", value=25.6, unit="M", timing=XEON)
    with pytest.raises(ValueError, match="gives its printed `baseline_value`"):
        claim(quantity="latency", model="resnet50", printed="3.1s", value=3.1, unit="s", timing=XEON)


# ------------------------------------------------------------------------------------------------ the protocol


def test_ratio_pairs_are_timed_in_connected_groups() -> None:
    groups = timing_groups(["a", "b", "c", "d", "e"], [("a", "b"), ("c", "b"), ("d", "x")])
    assert groups == [["a", "b", "c"], ["d"], ["e"]]


def test_median_iqr_and_round_ratios() -> None:
    assert median_iqr([5.0, 1.0, 3.0, 2.0, 4.0]) == (3.0, 2.0)
    assert median_iqr([7.0]) == (7.0, 0.0)
    assert round_ratios([2.0, 3.0], [1.0, 2.0]) == [2.0, 1.5]
    with pytest.raises(ValueError, match="one sample per round each"):
        round_ratios([1.0], [1.0, 2.0])


def test_the_protocol_on_one_tiny_model() -> None:
    tiny = Protocol(
        warmup_runs=1,
        min_runs=3,
        min_ratio_runs=5,
        max_runs=4,
        target_seconds=0.02,
        min_sample_seconds=0.002,
        rewarm_below_seconds=0.1,
    )
    result = time_group(["hetconv_vgg16_cifar_p64"], [1], tiny)
    series, calls = result[1]["hetconv_vgg16_cifar_p64"]
    assert set(result) == {1} and calls >= 1
    assert 3 <= len(series) <= 4 and all(s > 0 for s in series)
    # models timed interleaved for a ratio get at least `min_ratio_runs` rounds, even above `max_runs`
    pair = time_group(["hetconv_vgg16_cifar_p64", "hetconv_vgg16_cifar_p32"], [1], tiny)
    assert [len(pair[1][m][0]) for m in ("hetconv_vgg16_cifar_p64", "hetconv_vgg16_cifar_p32")] == [5, 5]


def test_measure_assembles_models_and_interleaved_ratios(monkeypatch: pytest.MonkeyPatch) -> None:
    import tools.latency as latency

    rounds = {"efficientnet_b1": [0.020, 0.030, 0.025], "resnet50": [0.100, 0.120, 0.150], "vgg16": [0.3, 0.3, 0.3]}
    calls: list[list[str]] = []

    def fake_group(model_ids, thread_counts, protocol):
        calls.append(list(model_ids))
        return {t: {m: ([s / t for s in rounds[m]], 1) for m in model_ids} for t in thread_counts}

    monkeypatch.setattr(latency, "time_group", fake_group)
    monkeypatch.setattr(latency, "machine_stamp", lambda: MACHINE)
    rec = latency.measure(
        ["efficientnet_b1", "resnet50", "vgg16"], [("efficientnet_b1", "resnet50")], PROTOCOL, thread_counts=[1, 2]
    )
    assert calls == [["efficientnet_b1", "resnet50"], ["vgg16"]]  # the pair interleaved, the rest alone
    assert rec.models["resnet50"].at(1) == Stats(threads=1, median_ms=120.0, iqr_ms=25.0, runs=3, calls_per_run=1)
    assert rec.models["resnet50"].at(2).median_ms == 60.0  # type: ignore[union-attr]  # timed at 2 threads above
    # per-round ratios 0.2, 0.25, 0.1667: the median of ratios, not the ratio of medians (0.25 / 1.2 = 0.2083)
    ratio = rec.ratio("efficientnet_b1", "resnet50", 1)
    assert ratio is not None and ratio.ratio_median == 0.2 and ratio.runs == 3
    assert LatencyRecord.model_validate_json(rec.model_dump_json()) == rec


def test_a_model_that_fails_to_run_names_itself_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tools.latency as latency
    from tools.catalogue import DEFAULT_CATALOGUE, load_catalogue

    def broken(model_ids, thread_counts, protocol):
        raise ValueError("shape mismatch")

    monkeypatch.setattr(latency, "time_group", broken)
    path = tmp_path / "latency.json"
    with pytest.raises(SystemExit) as info:
        latency.update_latency(load_catalogue(DEFAULT_CATALOGUE), path=path, model_ids=["vgg16"])
    assert str(info.value) == (
        "latency: timing failed (RuntimeError: vgg16: shape mismatch); latency.json was not changed"
    )
    assert not path.exists()


def test_each_device_class_reads_its_thread_counts() -> None:
    from tools.latency import threads_read

    assert threads_read("cpu-1-thread", 8) == (1,)  # one core: the verdict reads 1 thread
    assert threads_read("cpu", 8) == (1, 8)  # threads unstated: 1 thread and all cores must agree
    assert threads_read("cpu", 1) == (1,)
    assert threads_read("gpu", 8) == threads_read("phone", 8) == (1,)  # the CPU proxy shown at 1 thread


def test_the_claim_shows_the_interval_it_was_judged_on() -> None:
    """The tolerance a reader sees is the widened interval the verdict used, with the printed one beside it."""
    from tools.claims import Evidence, evaluate_claim

    judged = evaluate_claim(SPEEDUP, "paper", {}, evidence=Evidence(latency=record(1 / 5.3, 1 / 3.0)))
    assert judged.verdict == "verified"
    assert judged.tolerance.startswith("4.520 – 6.900× (printed 5.650 – 5.750×; ")
    phone = SPEEDUP.model_copy(update={"timing": SPEEDUP.timing.model_copy(update={"device": "phone"})})
    proxy = evaluate_claim(phone, "paper", {}, evidence=Evidence(latency=record(1 / 5.3, 1 / 3.0)))
    assert proxy.verdict == "inconclusive"
    assert proxy.tolerance == "printed 5.650 – 5.750× (timed on another device class: shown, not judged)"
