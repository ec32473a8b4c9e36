"""RandWire-WS (reference_impls/randwire.py): WS graphs, DAG conversion, node op, Table 1 shapes, counts per seed."""

from __future__ import annotations

import random
import re
import statistics

import networkx as nx
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from reference_impls import REGISTRY, create_model, get_spec
from reference_impls.randwire import (
    CLASSIFIER_WIDTH,
    Node,
    RandomStage,
    RandWire,
    StageGraph,
    randwire_ws,
    watts_strogatz_dag,
)

RANDWIRE = sorted(m for m, spec in REGISTRY.items() if spec.module == "randwire")
N, K, P = 32, 4, 0.75


def conv_linear_macs(model: torch.nn.Module, size: int = 224) -> int:
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, size, size, device="meta"))
    return counter.get_total_flops() // 2


def meta_model(model_id: str) -> RandWire:
    with torch.device("meta"):
        return create_model(model_id)  # type: ignore[return-value]  # a randwire_* id builds a RandWire


def test_five_seeds_per_setting_are_registered_as_reimplementations() -> None:
    expected = [f"randwire_ws_{tag}_s{seed}" for tag in ("regular_c109", "regular_c154", "small") for seed in range(5)]
    assert sorted(expected) == RANDWIRE
    assert {get_spec(m).fidelity for m in RANDWIRE} == {"reimplementation"}
    assert {get_spec(m).input_size for m in RANDWIRE} == {(3, 224, 224)}


# ---------------------------------------------------------------------------------------------------------------------
# Graphs
# ---------------------------------------------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_graphs_and_counts() -> None:
    first, again, other = (
        meta_model("randwire_ws_small_s3"),
        meta_model("randwire_ws_small_s3"),
        meta_model("randwire_ws_small_s4"),
    )
    graphs = [stage.graph for stage in first.stages if isinstance(stage, RandomStage)]
    assert len(graphs) == 3  # conv3, conv4, conv5
    assert graphs == [stage.graph for stage in again.stages if isinstance(stage, RandomStage)]
    assert graphs != [stage.graph for stage in other.stages if isinstance(stage, RandomStage)]
    assert len({g.edges for g in graphs}) == 3, "each stage draws its own graph from the seed's stream"
    count = sum(p.numel() for p in first.parameters())
    assert count == sum(p.numel() for p in again.parameters()) != sum(p.numel() for p in other.parameters())
    assert conv_linear_macs(first) == conv_linear_macs(again)


def test_one_stream_per_seed_drawn_in_stage_order() -> None:
    rng = random.Random(7)
    expected = [watts_strogatz_dag(n, K, P, rng) for n in (N // 2, N, N, N)]  # regular regime: conv2 has N/2
    model = RandWire("regular", 109, 7)
    assert [stage.graph for stage in model.stages] == expected


def test_every_graph_keeps_the_ws_degree() -> None:
    # networkx's WS rewires (u, v) to (u, w): N*K/2 edges, no self-loops or duplicates, and every node keeps the
    # K/2 edges it owns clockwise, so its degree is at least K/2 and the mean degree is exactly K.
    for seed in range(200):
        graph = nx.watts_strogatz_graph(N, K, P, seed=seed)
        assert graph.number_of_edges() == N * K // 2
        assert nx.number_of_selfloops(graph) == 0
        degrees = [d for _, d in graph.degree]
        assert min(degrees) >= K // 2 and statistics.fmean(degrees) == K


def lattice_share(dag: StageGraph) -> float:
    """Share of edges that join ring neighbours at distance ≤ K/2 (the edges of the unrewired lattice)."""
    on_ring = sum(1 for i, j in dag.edges if min(j - i, dag.num_nodes - (j - i)) <= K // 2)
    return on_ring / len(dag.edges)


def test_rewiring_statistics_match_p() -> None:
    rng = random.Random(0)
    shares = [1 - lattice_share(watts_strogatz_dag(N, K, P, rng)) for _ in range(300)]
    moved = statistics.fmean(shares)  # 0.709 here; its standard error over 300 graphs is 0.003
    # Each edge is rewired with probability P, to a node drawn from the ~N - 1 - K non-neighbours; at most K of
    # them are lattice positions, so the share of edges off the lattice lies between P * (1 - K / (N - 1 - K)) and P.
    assert P * (1 - K / (N - 1 - K)) < moved < P
    assert 1 - lattice_share(watts_strogatz_dag(N, K, 0.0, rng)) == 0.0  # P = 0: the ring lattice itself
    assert statistics.fmean(1 - lattice_share(watts_strogatz_dag(N, K, 0.25, rng)) for _ in range(300)) < 0.25


def test_dag_by_node_index_on_the_ring_lattice() -> None:
    lattice = StageGraph.from_undirected(nx.watts_strogatz_graph(8, 4, 0.0, seed=0))
    assert lattice.edges == (
        (0, 1),
        (0, 2),
        (0, 6),
        (0, 7),
        (1, 2),
        (1, 3),
        (1, 7),
        (2, 3),
        (2, 4),
        (3, 4),
        (3, 5),
        (4, 5),
        (4, 6),
        (5, 6),
        (5, 7),
        (6, 7),
    )
    assert lattice.input_nodes == (0,) and lattice.output_nodes == (7,)
    assert lattice.predecessors[7] == (0, 1, 5, 6) and lattice.predecessors[1] == (0,)


def test_graph_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="lower to a higher index"):
        StageGraph(3, ((2, 1),))
    with pytest.raises(ValueError, match="even K below N"):
        watts_strogatz_dag(8, 3, 0.5, random.Random(0))
    with pytest.raises(ValueError, match=re.escape("0 ... N - 1")):
        StageGraph.from_undirected(nx.relabel_nodes(nx.path_graph(3), {0: "a"}))
    with pytest.raises(ValueError, match="'small' or 'regular'"):
        RandWire("large", 78, 0)  # type: ignore[arg-type]  # the invalid regime under test


# ---------------------------------------------------------------------------------------------------------------------
# Node operation and layout
# ---------------------------------------------------------------------------------------------------------------------
def test_node_aggregates_by_a_positive_weighted_sum() -> None:
    torch.manual_seed(0)
    node = Node(4, 4, num_inputs=3).eval()
    assert node.aggregation_weights is not None and node.aggregation_weights.shape == (3,)
    with torch.no_grad():
        node.aggregation_weights.copy_(torch.tensor([-2.0, 0.0, 3.0]))
        inputs = [torch.randn(1, 4, 5, 5) for _ in range(3)]
        weights = torch.sigmoid(torch.tensor([-2.0, 0.0, 3.0]))
        expected = node.transform(sum(w * x for w, x in zip(weights, inputs, strict=True)))
        assert torch.allclose(node(inputs), expected)
    assert Node(4, 4, num_inputs=1).aggregation_weights is None
    relu, conv, bn = node.transform
    assert isinstance(relu, torch.nn.ReLU) and isinstance(bn, torch.nn.BatchNorm2d)
    assert conv.depthwise.groups == 4 and conv.depthwise.kernel_size == (3, 3) and conv.pointwise.kernel_size == (1, 1)
    assert conv.depthwise.bias is None and conv.pointwise.bias is None


# Table 1 output sizes at 224 px: conv1 112, conv2 56, conv3 28, conv4 14, conv5 7.
SHAPES = {
    "small": [(39, 112, 112), (78, 56, 56), (78, 28, 28), (156, 14, 14), (312, 7, 7)],
    "regular_c109": [(54, 112, 112), (109, 56, 56), (218, 28, 28), (436, 14, 14), (872, 7, 7)],
    "regular_c154": [(77, 112, 112), (154, 56, 56), (308, 28, 28), (616, 14, 14), (1232, 7, 7)],
}


@pytest.mark.parametrize("tag", sorted(SHAPES))
def test_stage_shapes_follow_table_1(tag: str) -> None:
    model = meta_model(f"randwire_ws_{tag}_s0")
    x = torch.zeros(1, 3, 224, 224, device="meta")
    shapes = []
    for part in (model.stem, *model.stages):
        x = part(x)
        shapes.append(tuple(x.shape[1:]))
    assert shapes == SHAPES[tag]
    assert tuple(model.head(x).shape) == (1, 1000)
    assert model.head.conv.out_channels == CLASSIFIER_WIDTH == 1280


def analytic_counts(model: RandWire, size: int = 224) -> tuple[int, int]:
    """Parameters and conv + linear MACs from the graphs and Table 1 alone (BN: 2 parameters per channel)."""
    half = model.stem.conv.out_channels
    params = 27 * half + 2 * half
    hw = (size // 2) ** 2
    macs = 27 * half * hw
    stages = list(model.stages)
    c_in = half
    for stage in stages:
        hw //= 4
        if isinstance(stage, RandomStage):
            c = stage.nodes[stage.graph.input_nodes[0]].transform.bn.num_features
            for preds in stage.graph.predecessors:
                if preds:  # 3x3 depthwise + 1x1 pointwise on the stage width, BN, and one weight per input if > 1
                    params += 9 * c + c * c + 2 * c + (len(preds) if len(preds) > 1 else 0)
                    macs += (9 * c + c * c) * hw
                else:  # input-side node: stride 2 from the previous width
                    params += 9 * c_in + c_in * c + 2 * c
                    macs += (9 * c_in + c_in * c) * hw
        else:  # small regime conv2: plain 3x3 conv, stride 2
            c = stage.conv.out_channels
            params += 9 * c_in * c + 2 * c
            macs += 9 * c_in * c * hw
        c_in = c
    params += c_in * 1280 + 2 * 1280 + 1280 * 1000 + 1000
    macs += c_in * 1280 * hw + 1280 * 1000
    return params, macs


@pytest.mark.parametrize("model_id", RANDWIRE)
def test_counts_equal_the_analytic_count_of_the_graphs(model_id: str) -> None:
    model = meta_model(model_id)
    assert (sum(p.numel() for p in model.parameters()), conv_linear_macs(model)) == analytic_counts(model)


# Pinned: params and conv + linear MACs at 224 px of seeds 0 ... 4 (networkx 3.6.1 watts_strogatz_graph). These
# are the values behind the small-regime claims (583 ± 6.2 MFLOPs, 5.6M params; see tests/test_distribution.py).
SMALL_PARAMS = [5_603_246, 5_664_796, 5_627_585, 5_653_327, 5_527_432]
SMALL_MACS = [583_898_036, 581_237_924, 581_306_720, 586_351_760, 576_399_272]
C154_PARAMS = [62_543_105, 63_377_324, 61_291_776, 60_175_825, 61_753_551]
C154_MACS = [7_981_295_736, 7_901_217_584, 7_981_295_736, 7_751_927_520, 7_865_117_520]


def test_small_regime_counts_are_pinned() -> None:
    models = [meta_model(f"randwire_ws_small_s{seed}") for seed in range(5)]
    assert [sum(p.numel() for p in m.parameters()) for m in models] == SMALL_PARAMS
    assert [conv_linear_macs(m) for m in models] == SMALL_MACS


def test_regular_c154_counts_are_pinned() -> None:
    models = [meta_model(f"randwire_ws_regular_c154_s{seed}") for seed in range(5)]
    assert [sum(p.numel() for p in m.parameters()) for m in models] == C154_PARAMS
    assert [conv_linear_macs(m) for m in models] == C154_MACS
    # The same seed draws the same graphs for C = 109 and C = 154: only the widths differ.
    c109 = meta_model("randwire_ws_regular_c109_s2")
    assert [s.graph for s in c109.stages] == [s.graph for s in models[2].stages]


def test_builder_matches_the_registered_seed() -> None:
    with torch.device("meta"):
        direct = randwire_ws("small", 78, 2)
    assert [s.graph for s in direct.stages[1:]] == [s.graph for s in meta_model("randwire_ws_small_s2").stages[1:]]
